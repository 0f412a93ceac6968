import type { Resource } from 'fhir/r5';
import type { IndexEntry } from '../search/parameters/index-entry.js';
import type { RowText } from '../search/engine/indexer.js';

export type { IndexEntry, RowText };

/** A date index entry as a row keeps it: parameter, low end, high end (epoch ms, ±Infinity for open ends). */
export type DateEntry = [param: string, low: number, high: number];

/**
 * The current state of one resource, keyed `[type+id]`. A deleted resource stays as a tombstone
 * (`deleted: 1`, no `resource`) so that read answers 410 Gone (https://hl7.org/fhir/R5/http.html#delete).
 */
export interface ResourceRow {
  type: string;
  id: string;
  versionId: number;
  /** `meta.lastUpdated` as epoch ms, for ordering and `_lastUpdated`. */
  ts: number;
  deleted: 0 | 1;
  resource?: Resource;
  /**
   * Multi-entry index keys, one per index entry (see `rowIndexKeys`): `prefix + value`, a date range by its low
   * end. The entries are decoded from these (`indexEntries`), so a row carries no second copy of them, but for
   * dates (below). Empty on tombstones.
   */
  ix?: string[];
  /** The high ends of date ranges, for ranges on the high end (`on: 'high'`). */
  hx?: string[];
  /** The date entries (parameter, low, high): which high end goes with which low end, which the keys do not say. */
  dates?: DateEntry[];
  /**
   * Lengths of the row's `_text` and `_content` documents (0: none), when it has full text: its documents are a
   * row of `texts` keyed `[type, ts, id]`, and the text statistics need the old lengths when the row changes.
   */
  textLength?: [text: number, content: number];
  /**
   * Set on the tombstone an eviction leaves (`storage/evict.ts`): the resource was dropped from this device, not
   * deleted, so read answers 404 rather than 410. Its `versionId` and `ts` stay, so a version pulled later goes on
   * from them (an ETag is never reused for other content).
   */
  evicted?: EvictionReason;
}

/**
 * Why a resource was evicted locally: `purge` (`store.purge`), `out-of-scope` (it left the device's sync scope),
 * `expired` (older than a retention window). Never a delete: nothing is pushed.
 */
export type EvictionReason = 'purge' | 'out-of-scope' | 'expired';

/** When and why a server-confirmed resource was evicted from this device (kept on its `remote` row). */
export interface EvictionMark {
  /** Epoch ms of the eviction (the store's clock). */
  at: number;
  reason: EvictionReason;
}

/**
 * The full-text documents of one resource version, beside its resource row so the postings (~30 terms per
 * ImagingSelection) neither inflate the row every read loads nor its multi-entry indexes. Keyed
 * `[type+ts+id]` so inserts land at the end of the type's range (ascending primary keys keep IndexedDB's index
 * maintenance flat as the store grows); the row is replaced on every write of the resource. A write stores the
 * documents only; the postings follow in the background (see `PostingsWriter`), since their ~30 index keys
 * were about a third of the cost of a write.
 */
export interface TextRow {
  type: string;
  /** The `ts` of the resource row it belongs to. */
  ts: number;
  id: string;
  /** The documents (`_text`, `_content`: length, term frequencies) as one string (see `encodeDocs`). */
  docs: string;
  /**
   * Postings: each term of either document once, `typeKeyCode(type) + term` (see `textKeys`). Written after the
   * write's transaction, by `postPendingTexts`: absent while `pending` is set.
   */
  tx?: string[];
  /**
   * The type, while the row's postings are not written yet: the `pending` index lists the rows a `_text` search
   * checks on their documents (so it stays exact) and the background writer posts. Absent once posted.
   */
  pending?: string;
}

/** Document count and total length of one full-text field (`_text` or `_content`) of one type, for BM25. */
export interface TextFieldStats {
  docs: number;
  length: number;
}

/**
 * The statistics of one resource type the write path keeps: one row, so a write reads and writes one row per
 * type it touches (not one per statistic).
 */
export interface TypeStatsRow {
  type: string;
  /** The number of live (not deleted) resources. */
  live: number;
  _text: TextFieldStats;
  _content: TextFieldStats;
  /**
   * Per date parameter, the widest `high - low` any of its entries has had (Infinity with an open end): an upper
   * bound that lets a bound on the high end become a bound on the low end (`SearchSource.dateSpan`). It only
   * grows: a deleted or narrowed entry leaves it as it was, still an upper bound.
   */
  spans?: Record<string, number>;
}

/** A type's statistics before anything was written. */
export const emptyTypeStats = (type: string): TypeStatsRow => ({ type, live: 0, _text: { docs: 0, length: 0 }, _content: { docs: 0, length: 0 } });

/** The HTTP method a history entry records (PATCH is recorded as PUT, bdl-14). */
export type HistoryMethod = 'POST' | 'PUT' | 'DELETE';

/** One version of one resource (https://hl7.org/fhir/R5/http.html#history). */
export interface HistoryRow {
  /** Store-wide insertion sequence; monotonic, never reused (IndexedDB key generator). */
  seq?: number;
  type: string;
  id: string;
  versionId: number;
  ts: number;
  method: HistoryMethod;
  /** HTTP status the interaction answered (201 create, 200 update/delete). */
  status: number;
  resource?: Resource;
}

/** A persisted store setting (registered SearchParameters and terminology, the index generation). */
export interface SettingRow {
  key: string;
  value: unknown;
}

/** The kind of change the sync layer must replay on the server. */
export type OutboxOp = 'create' | 'update' | 'delete';

/**
 * One merged row per resource with local changes not yet confirmed by a server. Changes squash: a create
 * followed by updates stays a create; anything followed by a delete becomes a delete.
 */
export interface OutboxRow {
  type: string;
  id: string;
  op: OutboxOp;
  /** History `seq` of the latest local change this row covers: monotonic across the store. */
  seq: number;
  /** Local versionId of the latest change. */
  localVersion: number;
  /** The last server version this change is based on (for `If-Match`), when known. */
  baseVersion?: string;
  /** Epoch ms of the first change still pending. */
  firstChangedAt: number;
  /** When a push of this row was last attempted (set by the sync layer). */
  sentAt?: number;
  /** Set while the change waits on an open conflict or sits in the dead-letter list: not pushed until cleared. */
  hold?: 'conflict' | 'dead';
}

/** The last version of a resource the server confirmed, and the local version that holds the same content. */
export interface RemoteVersionRow {
  type: string;
  id: string;
  /** The server's `meta.versionId` (for `If-Match`). */
  version: string;
  /** The local versionId whose content equals that server version (the base of a three-way merge). */
  localVersion: number;
  /** The server's `meta.lastUpdated` of that version, when known. */
  lastUpdated?: string;
  deleted?: boolean;
  /**
   * Set when the resource was evicted from this device: the row stays as the tombstone of what was known (the
   * server version and `lastUpdated` held), so a pull of that version or an older one does not bring it back.
   */
  evicted?: EvictionMark;
}

/** Where the pull of one resource type from one server stands. */
export interface CheckpointRow {
  /** `${baseUrl}|${type}` */
  key: string;
  /** `_since` of the next pull: the server clock of the last completed pull minus a margin. */
  since?: string;
  /** The server clock read at the start of the pull in progress (its first page's Bundle.meta.lastUpdated). */
  upper?: string;
  /** The `next` link to resume an interrupted pull from. */
  next?: string;
  /** The server clock of the last complete pull (its first page's Bundle.meta.lastUpdated), for `lastSync$`. */
  serverTime?: string;
  /** The identity of the database that recorded it: a checkpoint of another database is dropped at open. */
  databaseId?: string;
  /** A bulk first sync in progress (key `${baseUrl}|$export`): what to resume it from. */
  bulk?: BulkSyncProgress;
  /** The scope the checkpoints of a scoped replication were made under (key `${baseUrl}|$scope`): its fingerprint. */
  scope?: string;
}

/**
 * Where a bulk first sync by `$export` stands, committed with every chunk it writes, so that an interrupted one
 * polls the same job again and downloads no finished file twice.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html
 */
export interface BulkSyncProgress {
  /** The status URL the kick-off answered (`Content-Location`). */
  status: string;
  /** The types asked for (`_type`). */
  types: string[];
  /** The manifest's `transactionTime`, once the export completed. */
  transactionTime?: string;
  /** The manifest's files of the asked types (with their `count` of resources when the server gave it), once the export completed. */
  files?: { type: string; url: string; count?: number }[];
  /** Whether the file server needs the access token (the manifest's `requiresAccessToken`). */
  requiresAccessToken?: boolean;
  /** URLs of the files completely written. */
  done: string[];
  /** The file being written and how many of its lines are committed. */
  current?: { url: string; lines: number };
}

/**
 * An open conflict, as the app sees it: a local change and the server's version that no policy settled.
 * Stored as it is (the conflicts table holds these rows); `conflicts$` hands them to the app.
 */
export interface Conflict {
  /** The conflict's key in this store. */
  id?: number;
  /** The resource type. */
  type: string;
  /** The resource id. */
  resourceId: string;
  /** The local current resource (undefined: deleted locally). */
  local?: Resource;
  /** The server's resource (undefined: deleted on the server). */
  remote?: Resource;
  /** The server version `remote` is. */
  remoteVersion: string;
  /** The common ancestor both sides changed, when known. */
  base?: Resource;
  /** Top-level elements both sides changed differently. */
  elements: string[];
  /** When the conflict was found, epoch ms. */
  detectedAt: number;
}

/** The stored conflict row: the public {@link Conflict} itself. */
export type ConflictRow = Conflict;

/** A local change the server refused (400, 405, 409 without If-Match, 422): kept with the server's answer. */
export interface DeadLetterRow {
  type: string;
  id: string;
  op: OutboxOp;
  status: number;
  outcome?: unknown;
  at: number;
}
