import type { Resource } from 'fhir/r5';
import { preconditionFailed } from '../errors/fhir-error.js';
import type { StoreDatabase } from './schema.js';
import { rowIndexKeys } from './index-keys.js';
import { applyWrites } from './write-batch.js';
import type { HistoryMethod, IndexEntry, OutboxOp, OutboxRow, ResourceRow, RowText } from './rows.js';

/**
 * Thrown inside a write transaction when what a plan was computed from has changed since (another write
 * got in between). The caller plans again; nothing was written.
 */
export class StalePlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StalePlanError';
  }
}

/** Where a change came from: local writes enter the outbox, writes pulled from a server never do. */
type ChangeOrigin = 'local' | 'remote';

/**
 * One resource write, planned before the transaction opens: the resource is validated and its index entries
 * computed; only the version number, `meta.lastUpdated` and the preconditions are settled inside.
 */
export interface WriteSpec {
  type: string;
  id: string;
  /** `post`: a new id (must not exist); `put`: create or update; `delete`: tombstone. */
  kind: 'post' | 'put' | 'delete';
  resource?: Resource;
  index?: IndexEntry[];
  text?: RowText;
  /** `If-Match` version: a different current version answers 412 (https://hl7.org/fhir/R5/http.html#concurrency). */
  ifMatch?: number;
  /** The `If-Match` header as sent, for the diagnostic. */
  ifMatchHeader?: string;
  /** The version the plan was computed from (`null`: no live resource). A mismatch means: plan again. */
  basedOn?: number | null;
  origin?: ChangeOrigin;
  /** Recorded for the history entry's `request.method` when it differs from the kind (e.g. conditional create). */
  method?: HistoryMethod;
}

/** What a committed write produced. */
export interface WriteResult {
  type: string;
  id: string;
  /** Set when the resource was renamed to this id (a local id replaced by the one a server assigned). */
  previousId?: string;
  versionId: number;
  ts: number;
  lastUpdated: string;
  /** The stored resource with its new `meta` (absent for a delete). */
  resource?: Resource;
  /** True when no live resource existed before (201 Created). */
  created: boolean;
  /** True for a delete of something absent or already deleted: nothing was written. */
  noop: boolean;
  /** What the change did, and where it came from. */
  op: OutboxOp;
  origin: ChangeOrigin;
}

/**
 * Applies one write inside an open read-write transaction over `db.writeTables`: the current row (with its
 * index keys), the history row, the text statistics and the outbox row together. Awaits nothing but Dexie.
 */
export async function applyWrite(db: StoreDatabase, spec: WriteSpec, now: number, outboxEnabled: boolean): Promise<WriteResult> {
  const [result] = await applyWrites(db, [spec], now, outboxEnabled);
  return result!;
}

export function checkPreconditions(spec: WriteSpec, current: ResourceRow | undefined, live: boolean): void {
  if (spec.kind === 'post' && current !== undefined) {
    throw new StalePlanError(`${spec.type}/${spec.id} already exists`);
  }
  if (spec.basedOn !== undefined) {
    const actual = live ? current!.versionId : null;
    if (actual !== spec.basedOn) throw new StalePlanError(`${spec.type}/${spec.id} changed while the write was planned`);
  }
  if (spec.ifMatch !== undefined) {
    if (!live) {
      throw preconditionFailed(`If-Match ${spec.ifMatchHeader ?? `W/"${spec.ifMatch}"`} given but ${spec.type}/${spec.id} has no current version`);
    }
    if (current!.versionId !== spec.ifMatch) {
      throw preconditionFailed(
        `If-Match ${spec.ifMatchHeader ?? `W/"${spec.ifMatch}"`} does not match the current version W/"${current!.versionId}" of ${spec.type}/${spec.id}`,
      );
    }
  }
}

/** Server-managed meta: the store sets versionId and lastUpdated and ignores what the client sent. */
export function stampMeta(resource: Resource, id: string, versionId: number, lastUpdated: string): Resource {
  return { ...resource, id, meta: { ...resource.meta, versionId: String(versionId), lastUpdated } } as Resource;
}

/** The fields of a resource row besides its index. */
type RowBase = Omit<ResourceRow, 'packed' | 'ix' | 'hx' | 'tx'>;

/** A resource row with its index entries, full-text documents and the multi-entry keys derived from them. */
export function indexedRow(row: RowBase, index: IndexEntry[], text: RowText | undefined): ResourceRow {
  const keys = rowIndexKeys(row.type, index, text);
  const hasText = text !== undefined && (text._text !== undefined || text._content !== undefined);
  return { ...row, packed: JSON.stringify(hasText ? [index, text] : [index]), ix: keys.ix, hx: keys.hx, tx: keys.tx };
}

const unpacked = new WeakMap<ResourceRow, { index: IndexEntry[]; text: RowText | undefined }>();

/** The index entries and full-text documents of a stored row (parsed once per row object). */
export function unpackIndex(row: ResourceRow): { index: IndexEntry[]; text: RowText | undefined } {
  let u = unpacked.get(row);
  if (!u) {
    const [index, text] = JSON.parse(row.packed) as [IndexEntry[], RowText?];
    u = { index, text };
    unpacked.set(row, u);
  }
  return u;
}

/**
 * Keeps the per-type document count and total length BM25 needs in step with a resource's full text, in the
 * same transaction as the resource.
 */
export async function updateTextStats(db: StoreDatabase, type: string, before: RowText | undefined, after: RowText | undefined): Promise<void> {
  for (const field of ['_text', '_content'] as const) {
    const old = before?.[field];
    const next = after?.[field];
    if (!old && !next) continue;
    const stats = (await db.textStats.get([type, field])) ?? { type, field, docs: 0, length: 0 };
    stats.docs += (next ? 1 : 0) - (old ? 1 : 0);
    stats.length += (next?.length ?? 0) - (old?.length ?? 0);
    await db.textStats.put(stats);
  }
}

/**
 * The merged operation, or undefined when the changes cancel out. `unknownToServer`: no version of the
 * resource was ever confirmed by a server, so a write of it is a create.
 */
export function squash(pending: OutboxRow | undefined, kind: WriteSpec['kind'], unknownToServer: boolean): OutboxOp | undefined {
  const next: OutboxOp = kind === 'delete' ? 'delete' : kind === 'post' || unknownToServer ? 'create' : 'update';
  if (pending === undefined) return next;
  if (pending.op === 'create') {
    if (next === 'delete') return pending.sentAt === undefined ? undefined : 'delete';
    return 'create';
  }
  if (pending.op === 'delete' && next !== 'delete') return 'update';
  return next === 'create' ? 'update' : next;
}
