import { combineLatest, distinctUntilChanged, map, type Observable } from 'rxjs';
import { liveRead } from './live.js';
import type { OutboxRow, RemoteVersionRow } from './rows.js';
import type { StoreDatabase } from './schema.js';

/**
 * Where one resource stands with the server: `synced` (the server confirmed the current version), `pending` (a
 * local change waits to be pushed), `sending` (it is in the batch a replication of this tab is pushing now),
 * `conflict` (held by an open conflict), `dead-letter` (the server refused it for good), `local` (no server has
 * confirmed any version and nothing is queued: a store without an outbox, or a resource this store never held),
 * `evicted` (the server holds it, this device dropped its copy: `store.purge`, a sync scope, retention).
 * @see https://hl7.org/fhir/R5/http.html#versioning
 */
export type SyncState = 'synced' | 'pending' | 'sending' | 'conflict' | 'dead-letter' | 'local' | 'evicted';

/**
 * The replication rows of some resources (`[type, id]`), read in one transaction: two bulk reads.
 * @see https://hl7.org/fhir/R5/http.html#versioning
 */
export async function readSyncRows(db: StoreDatabase, keys: [string, string][]): Promise<{ outbox: (OutboxRow | undefined)[]; remote: (RemoteVersionRow | undefined)[] }> {
  if (keys.length === 0) return { outbox: [], remote: [] };
  const [outbox, remote] = await db.transaction('r', [db.outbox, db.remote], async () => Promise.all([db.outbox.bulkGet(keys), db.remote.bulkGet(keys)]));
  return { outbox, remote };
}

/**
 * The state of one resource from its rows; `sending`: whether its change is in a batch being pushed now.
 * @see https://hl7.org/fhir/R5/http.html#versioning
 */
export function syncStateOf(outbox: OutboxRow | undefined, remote: RemoteVersionRow | undefined, sending: boolean): SyncState {
  if (outbox !== undefined) {
    if (outbox.hold === 'conflict') return 'conflict';
    if (outbox.hold === 'dead') return 'dead-letter';
    return sending ? 'sending' : 'pending';
  }
  if (remote?.evicted !== undefined) return 'evicted';
  return remote !== undefined ? 'synced' : 'local';
}

/**
 * The states of `keys` (`[type, id]`), keyed `Type/id`: re-read when a write touches the outbox or the server
 * versions (in any tab), and when what is being sent (`sending$`, `Type/id` keys) changes. Loaded on demand by
 * `store.syncStates$`, so an app that shows no badge does not load it.
 * @see https://hl7.org/fhir/R5/http.html#versioning
 */
export function syncStatesOf(db: StoreDatabase, keys: [string, string][], sending$: Observable<ReadonlySet<string>>): Observable<Map<string, SyncState>> {
  const rows = liveRead(() => readSyncRows(db, keys), { databaseName: db.name });
  return combineLatest([rows, sending$]).pipe(
    map(([{ outbox, remote }, sending]) => new Map(keys.map(([type, id], i) => [`${type}/${id}`, syncStateOf(outbox[i], remote[i], sending.has(`${type}/${id}`))] as const))),
    distinctUntilChanged((a, b) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v)),
  );
}
