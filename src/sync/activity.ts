import { BehaviorSubject, type Observable } from 'rxjs';
import type { OutboxRow } from '../storage/rows.js';
import type { StoragePort } from '../storage/port.js';
import type { SyncContext } from './context.js';

/**
 * What a replication tells its store about the changes it is pushing, so `store.syncState$` can say `sending`:
 * the batches it read to push in the running cycle, then that the cycle ended.
 */
export interface PushActivity {
  /** The changes (`Type/id`) of a batch about to be sent. */
  sending(keys: string[]): void;
  /** The cycle ended (pushed, failed or stopped): nothing is being sent. */
  done(): void;
}

/** The store's side of {@link PushActivity}: the keys being sent now, as a stream. */
export class SendingTracker implements PushActivity {
  private readonly subject = new BehaviorSubject<ReadonlySet<string>>(new Set());
  /** The `Type/id` keys in the batches being pushed, on subscribe and on each change. */
  readonly sending$: Observable<ReadonlySet<string>> = this.subject.asObservable();

  sending(keys: string[]): void {
    if (this.subject.closed || keys.length === 0) return;
    this.subject.next(new Set([...this.subject.value, ...keys]));
  }

  done(): void {
    if (this.subject.closed || this.subject.value.size === 0) return;
    this.subject.next(new Set());
  }

  /** Ends `sending$` (the store closed). */
  complete(): void {
    this.subject.complete();
  }
}

/** `Type/id` of an outbox row. */
const keyOf = (r: Pick<OutboxRow, 'type' | 'id'>): string => `${r.type}/${r.id}`;

/**
 * The context a push runs with: the same storage, except that each batch it reads to send is reported to
 * `activity` first (every batch push reads goes through `pendingChanges`).
 */
export function withPushTracking(ctx: SyncContext, activity: PushActivity): SyncContext {
  const port = ctx.storage;
  // The port's other methods run on it unchanged, through the prototype chain.
  const storage = Object.create(port) as StoragePort;
  storage.pendingChanges = async (limit: number) => {
    const rows = await port.pendingChanges(limit);
    activity.sending(rows.map(keyOf));
    return rows;
  };
  return { ...ctx, storage };
}
