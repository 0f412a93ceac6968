import type { OutboxRow } from '../storage/rows.js';
import type { StoragePort } from '../storage/port.js';
import type { PushActivity } from './activity.js';
import type { SyncContext } from './context.js';

/** `Type/id` of an outbox row. */
const keyOf = (r: Pick<OutboxRow, 'type' | 'id'>): string => `${r.type}/${r.id}`;

/**
 * The context a push runs with: the same storage, except that each batch it reads to send is reported to
 * `activity` first (every batch push reads goes through `pendingChanges` or `claimPendingChanges`).
 * @see https://hl7.org/fhir/R5/http.html#versioning
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
  storage.claimPendingChanges = async (limit, skip) => {
    const read = await port.claimPendingChanges(limit, skip);
    activity.sending(read.map(({ row }) => keyOf(row)));
    return read;
  };
  return { ...ctx, storage };
}
