import type { Resource } from 'fhir/r5';
import type { IndexEntry } from '../search/index-entry.js';
import type { RowText } from '../search/indexer.js';

export type { IndexEntry, RowText };

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
  /** The index entries written for this version, kept so the next write can remove exactly these. */
  index: IndexEntry[];
  /** Full-text documents written for this version (terms and frequencies), likewise. */
  text?: RowText;
  /** Multi-entry index keys derived from `index` and `text` (see `rowIndexKeys`); empty on tombstones. */
  ix?: string[];
  hx?: string[];
  tx?: string[];
}

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

/** Document count and total length per type and full-text field, for BM25. */
export interface TextStatsRow {
  type: string;
  field: '_text' | '_content';
  docs: number;
  length: number;
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
}
