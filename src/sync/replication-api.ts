import type { RetentionReport } from './retention.js';
import type { Resource } from 'fhir/r5';
import type { Observable } from 'rxjs';
import type { Conflict } from './options.js';
import type { ServerPushState } from './server-push-options.js';

/** What replication is doing. */
export type ReplicationState = 'idle' | 'pushing' | 'pulling' | 'offline' | 'error' | 'paused';

/** A local change the server confirmed in a cycle. */
export interface PushedChange {
  /** The resource type. */
  type: string;
  /** The resource id (on the server too). */
  id: string;
  /** The id the resource had before the server assigned `id` (`push: 'post'` only). */
  localId?: string;
  /** The change pushed: `create`, `update` or `delete`. */
  op: string;
  /** The server's `versionId` after the push, when it said. */
  version?: string;
}

/** A local change the server refused in a cycle (it is kept as a dead letter). */
export interface RefusedChange {
  /** The resource type. */
  type: string;
  /** The resource id. */
  id: string;
  /** The HTTP status the server refused the change with. */
  status: number;
}

/** What one `syncOnce()` did. */
export interface SyncReport {
  /** Local changes the server confirmed. */
  pushed: PushedChange[];
  /** Resources pulled from the server and stored. */
  pulled: number;
  /** Conflicts found in this cycle. */
  conflicts: {
    /** The resource type. */
    type: string;
    /** The resource id. */
    id: string;
    /** True when no policy settled it (it waits in `conflicts$`). */
    open: boolean;
  }[];
  /** Local changes the server refused, with its status (kept as dead letters). */
  failed: RefusedChange[];
  /** Why pulled resources were not stored (they failed R5 validation). */
  invalid: string[];
  /**
   * `Type/id` of resources removed from this device because they left the replication's `scope` (never deleted on
   * the server); present when a scoped replication removed any.
   */
  evicted?: string[];
  /** True when another tab held the replication lock, so this call did nothing. */
  skipped?: boolean;
  /** With the `retention` option: resources evicted from this device as expired after this cycle's pull. */
  expired?: number;
}

/** Progress of a cycle. */
export interface SyncProgress {
  /** The phase the cycle is in. */
  phase: 'push' | 'pull';
  /** The resource type being pulled. */
  type?: string;
  /** Changes pushed so far in this cycle. */
  pushed: number;
  /** Resources pulled so far in this cycle. */
  pulled: number;
  /**
   * Work done in this phase: changes settled in this push pass, or history entries received of `type` in this
   * pull pass. With `total`, a progress bar: `done` never exceeds `total`.
   */
  done?: number;
  /**
   * Work in this phase, when known: the changes queued when the push pass began (more if changes arrive
   * meanwhile), or the server's count of `type`'s history entries to pull (`Bundle.total` of the first
   * `_history` page, when the server gives it; raised to `done` if the server's history grew while paging).
   */
  total?: number;
}

/** A change the server refused for good (400, 422, …): kept out of the queue until `retry()` puts it back. */
export interface DeadLetter {
  /** The resource type. */
  type: string;
  /** The resource id. */
  id: string;
  /** The change that was refused. */
  op: 'create' | 'update' | 'delete';
  /** The HTTP status of the refusal. */
  status: number;
  /** The server's answer, usually an OperationOutcome. */
  outcome?: unknown;
  /** When it was refused, epoch ms. */
  at: number;
}

/**
 * Replication of a store with one remote FHIR R5 server, from `store.replicate(options)` or
 * `replicate(store, options)`: pushes the outbox, then pulls each resource type's history since its
 * checkpoint; failures back off exponentially with jitter (honouring `Retry-After`) and nothing leaves the
 * outbox until the server confirmed it. The streams are read-only: subscribe to them, the replication
 * emits. See docs/sync.md.
 * @see https://hl7.org/fhir/R5/http.html#history
 */
export interface Replication {
  /** The state now (synchronously on subscribe), then every change: `idle` → `pushing` → `pulling` → `idle` for a cycle. */
  readonly state$: Observable<ReplicationState>;
  /** The current state (what `state$` emitted last). */
  readonly state: ReplicationState;
  /** Progress of the running cycle. */
  readonly progress$: Observable<SyncProgress>;
  /** Every failure of a cycle, retried ones included (and why server push is unavailable or was lost). */
  readonly errors$: Observable<Error>;
  /**
   * Where server push stands in live mode (`off`, `connecting`, `connected`, `reconnecting`, `unavailable`); the
   * current value on subscribe. See docs/sync.md#server-push.
   */
  readonly serverPush$: Observable<ServerPushState>;
  /**
   * Outbox rows waiting to be pushed (not counting open conflicts and dead letters). Like `conflicts$` and
   * `deadLetters$`, the replication holds the value: a subscriber gets it synchronously, unless a write
   * committed since it was read (or the first read after `replicate` is still running); then it gets the
   * value re-read after that write. Then each new value, as writes commit (in this tab or another).
   * Completes when the store closes.
   */
  readonly pending$: Observable<number>;
  /** Open conflicts: the last list read, synchronously on subscribe, then each change (see `pending$`). */
  readonly conflicts$: Observable<Conflict[]>;
  /** Changes the server refused, with its OperationOutcome: the last list read, synchronously on subscribe, then each change (see `pending$`). */
  readonly deadLetters$: Observable<DeadLetter[]>;
  /**
   * The server's time (its `Bundle.meta.lastUpdated`, ISO) of the last complete pull of every pulled type: all the
   * server held before it is here. Undefined until each type completed a pull; kept across reloads (with the
   * checkpoints). Current value on subscribe, then each change (see `pending$`).
   */
  readonly lastSync$: Observable<string | undefined>;
  /** Pushes then pulls once; a call while a cycle runs joins that cycle. */
  syncOnce(): Promise<SyncReport>;
  /** Settles an open conflict with the resource to keep (`null` deletes it); it is pushed next. */
  resolve(conflict: Conflict, resource: Resource | null): Promise<void>;
  /** Puts a dead letter back in the queue (after the app fixed what the server refused, or to try again). */
  retry(letter: Pick<DeadLetter, 'type' | 'id'>): Promise<void>;
  /**
   * Applies the `retention` option now (by the store's clock): resources older than their window are evicted from
   * this device, never deleted on the server; those with a change the server has not confirmed are kept and listed.
   * Without `retention`, evicts nothing. See docs/sync.md "Purge and retention".
   */
  expire(): Promise<RetentionReport>;
  /** Syncs on local changes, when the platform comes online, and on an interval (timers and online state from the `environment` option). */
  start(): void;
  /**
   * Ends live sync: a running request finishes, a backoff wait ends at once; no timer stays armed and no cycle
   * starts afterwards (until `syncOnce()` or `start()`). `store.close()` stops every replication of the store.
   */
  stop(): void;
}
