import type { OutboxRow, RemoteVersionRow } from './rows.js';
import type { StoreDatabase } from './schema.js';

/**
 * Where one resource stands with the server: `synced` (the server confirmed the current version), `pending` (a
 * local change waits to be pushed), `sending` (it is in the batch a replication of this tab is pushing now),
 * `conflict` (held by an open conflict), `dead-letter` (the server refused it for good), `local` (no server has
 * confirmed any version and nothing is queued: a store without an outbox, or a resource this store never held).
 * @see https://hl7.org/fhir/R5/http.html#versioning
 */
export type SyncState = 'synced' | 'pending' | 'sending' | 'conflict' | 'dead-letter' | 'local';

/** The replication rows of some resources (`[type, id]`), read in one transaction: two bulk reads. */
export async function readSyncRows(db: StoreDatabase, keys: [string, string][]): Promise<{ outbox: (OutboxRow | undefined)[]; remote: (RemoteVersionRow | undefined)[] }> {
  if (keys.length === 0) return { outbox: [], remote: [] };
  const [outbox, remote] = await db.transaction('r', [db.outbox, db.remote], async () => Promise.all([db.outbox.bulkGet(keys), db.remote.bulkGet(keys)]));
  return { outbox, remote };
}

/** The state of one resource from its rows; `sending`: whether its change is in a batch being pushed now. */
export function syncStateOf(outbox: OutboxRow | undefined, remote: RemoteVersionRow | undefined, sending: boolean): SyncState {
  if (outbox !== undefined) {
    if (outbox.hold === 'conflict') return 'conflict';
    if (outbox.hold === 'dead') return 'dead-letter';
    return sending ? 'sending' : 'pending';
  }
  return remote !== undefined ? 'synced' : 'local';
}
