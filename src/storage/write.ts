import type { Resource } from 'fhir/r5';
import type { EvictionReason, HistoryMethod, IndexEntry, OutboxOp, RowText } from './rows.js';

/**
 * Thrown inside a write transaction when what a plan was computed from has changed since (another write
 * got in between). The storage port plans again; nothing was written.
 */
export class StalePlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StalePlanError';
  }
}

/** Where a change came from: local writes enter the outbox, writes pulled from a server never do. */
export type ChangeOrigin = 'local' | 'remote';

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
  /** Set when the change was a local eviction (`op` is then `delete`, though nothing is deleted on any server). */
  evicted?: EvictionReason;
}
