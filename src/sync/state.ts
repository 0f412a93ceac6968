import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import type { ReplicationState } from './replication-api.js';

/** What happens to a replication; {@link reduceState} turns each into the next {@link ReplicationState}. */
export type ReplicationEvent =
  /** A cycle began pushing the outbox. */
  | { type: 'push-started' }
  /** A cycle began pulling. */
  | { type: 'pull-started' }
  /** A cycle ended (or was skipped because another tab replicates). */
  | { type: 'cycle-succeeded' }
  /** An attempt failed: `retryable` (network, 5xx, 429), `authorization` (refused credentials) or `fatal`. */
  | { type: 'attempt-failed'; failure: 'retryable' | 'authorization' | 'fatal' }
  /** `stop()` ended a backoff wait: nothing is in progress any more. */
  | { type: 'stopped' }
  /** The platform reported it went offline. */
  | { type: 'platform-offline' };

/**
 * The one place replication state changes: the state after `event`. Pure. A failure that will be retried
 * (or given up on after the last attempt) leaves the replication `offline`; refused credentials `paused`;
 * any other failure `error`. A stop during a backoff wait goes back to `idle`.
 */
export function reduceState(state: ReplicationState, event: ReplicationEvent): ReplicationState {
  switch (event.type) {
    case 'push-started':
      return 'pushing';
    case 'pull-started':
      return 'pulling';
    case 'cycle-succeeded':
      return 'idle';
    case 'attempt-failed':
      return event.failure === 'retryable' ? 'offline' : event.failure === 'authorization' ? 'paused' : 'error';
    case 'stopped':
      return state === 'offline' ? 'idle' : state;
    case 'platform-offline':
      return 'offline';
  }
}

/** The state of one replication: events in ({@link reduceState}), the current state and `state$` out. */
export class ReplicationStateStore {
  private readonly subject = new BehaviorSubject<ReplicationState>('idle');
  /** The state now, synchronously on subscribe, then every change. */
  readonly state$: Observable<ReplicationState> = this.subject.asObservable().pipe(distinctUntilChanged());

  /** The current state. */
  get state(): ReplicationState {
    return this.subject.value;
  }

  /** Applies `event`. */
  dispatch(event: ReplicationEvent): void {
    this.subject.next(reduceState(this.subject.value, event));
  }
}
