import type { Resource } from 'fhir/r5';
import type { Observable } from 'rxjs';
import type { DeadLetterRow } from '../storage/rows.js';
import type { Conflict } from './options.js';
import type { PushReport } from './push.js';

/** What replication is doing. */
export type ReplicationState = 'idle' | 'pushing' | 'pulling' | 'offline' | 'error' | 'paused';

/** What one `syncOnce()` did. */
export interface SyncReport {
  pushed: PushReport['pushed'];
  pulled: number;
  conflicts: { type: string; id: string; open: boolean }[];
  failed: PushReport['failed'];
  invalid: string[];
  /** True when another tab held the replication lock, so this call did nothing. */
  skipped?: boolean;
}

/** Progress of a cycle. */
export interface SyncProgress {
  phase: 'push' | 'pull';
  type?: string;
  pushed: number;
  pulled: number;
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
  /** The state now, then every change: `idle` → `pushing` → `pulling` → `idle` for a cycle. */
  readonly state$: Observable<ReplicationState>;
  /** The current state (what `state$` emitted last). */
  readonly state: ReplicationState;
  /** Progress of the running cycle. */
  readonly progress$: Observable<SyncProgress>;
  /** Every failure of a cycle, retried ones included. */
  readonly errors$: Observable<Error>;
  /** Outbox rows waiting to be pushed (not counting open conflicts and dead letters); current value on subscribe. */
  readonly pending$: Observable<number>;
  /** Open conflicts; current value on subscribe. */
  readonly conflicts$: Observable<Conflict[]>;
  /** Changes the server refused, with its OperationOutcome; current value on subscribe. */
  readonly deadLetters$: Observable<DeadLetterRow[]>;
  /** Pushes then pulls once; a call while a cycle runs joins that cycle. */
  syncOnce(): Promise<SyncReport>;
  /** Settles an open conflict with the resource to keep (`null` deletes it); it is pushed next. */
  resolve(conflict: Conflict, resource: Resource | null): Promise<void>;
  /** Puts a dead letter back in the queue (after the app fixed what the server refused, or to try again). */
  retry(letter: Pick<DeadLetterRow, 'type' | 'id'>): Promise<void>;
  /** Syncs on local changes, when the platform comes online, and on an interval. */
  start(): void;
  /** Ends live sync: a running request finishes, a backoff wait ends at once. */
  stop(): void;
}
