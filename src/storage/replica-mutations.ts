import { evictResources, type EvictionOutcome, type ResourceKey } from './evict.js';
import { acknowledge, acknowledgeAll, adoptVersion, deadLetter, markSent, releaseConflict, retryDeadLetter, type Confirmation } from './outbox.js';
import type { PreparedMutation } from './port.js';
import { applyRemoteSteps, type RemoteStep, type ServerVersionPath } from './remote-steps.js';
import { renameToServerId, type ServerIdAssignment } from './rename-to-server-id.js';
import type { CheckpointRow, EvictionReason, OutboxRow } from './rows.js';
import type { StoreDatabase } from './schema.js';
import type { WriteResult } from './write.js';

/** A mutation that writes no resource version (bookkeeping): observers hear nothing of it. */
const bookkeeping = (label: string, apply: (db: StoreDatabase, now: number) => Promise<void>): PreparedMutation => ({
  kind: 'prepared',
  label,
  apply: async (db, now): Promise<WriteResult[]> => {
    await apply(db, now);
    return [];
  },
});

/**
 * Server versions, merges on top of them and conflicts, as a pull or a push conflict planned them: server
 * versions never enter the outbox, a local version on top does (consecutive server versions are one bulk write,
 * by the lean path unless `path` is `general`).
 */
export const serverChanges = (steps: RemoteStep[], path: ServerVersionPath = 'lean'): PreparedMutation => ({
  kind: 'prepared',
  label: 'server changes',
  apply: (db, now) => applyRemoteSteps(db, steps, now, path),
});

/** A created resource takes the id the server assigned to it (`push: 'post'`), and its referrers follow. */
export const takeServerId = (assignment: ServerIdAssignment): PreparedMutation => ({ kind: 'prepared', label: 'server id', apply: (db, now) => renameToServerId(db, assignment, now) });

/** Rows about to be sent: a create later deleted is then still sent as a delete. */
export const markRowsSent = (rows: OutboxRow[]): PreparedMutation => bookkeeping('mark sent', (db, now) => markSent(db, rows, now));

/** The server confirmed a pushed change (`version` undefined: it did not say, or a delete it no longer holds). */
export const acknowledgeChange = (row: OutboxRow, version: string | undefined, lastUpdated?: string): PreparedMutation =>
  bookkeeping('acknowledge', (db) => acknowledge(db, row, version, lastUpdated));

/**
 * The server confirmed several pushed changes: one commit records them all, as {@link acknowledgeChange} each would.
 * @see https://hl7.org/fhir/R5/http.html#versioning
 */
export const acknowledgeChanges = (confirmed: readonly Confirmation[]): PreparedMutation => bookkeeping('acknowledge', (db) => acknowledgeAll(db, confirmed));

/** The server holds `localVersion`'s content as `version` (a push whose answer was lost). */
export const adoptServerVersion = (row: OutboxRow, version: string, localVersion: number, deleted: boolean): PreparedMutation =>
  bookkeeping('adopt version', (db) => adoptVersion(db, row, version, localVersion, deleted));

/** The server refused a change for good: parked with its answer. */
export const deadLetterChange = (row: OutboxRow, status: number, outcome: unknown): PreparedMutation =>
  bookkeeping('dead letter', (db, now) => deadLetter(db, row, status, outcome, now));

/** A dead letter goes back in the queue. */
export const requeueDeadLetter = (type: string, id: string): PreparedMutation => bookkeeping('retry dead letter', (db) => retryDeadLetter(db, type, id));

/** The app settled an open conflict: its change is no longer held and the conflict goes. */
export const releaseHeldConflict = (type: string, id: string, conflictId: number | undefined): PreparedMutation =>
  bookkeeping('release conflict', (db) => releaseConflict(db, type, id, conflictId));

/** Where the pull of one type stands, recorded with the identity of this database. */
export const saveCheckpoint = (row: CheckpointRow): PreparedMutation => bookkeeping('checkpoint', async (db) => {
  await db.checkpoints.put(db.databaseId !== undefined ? { ...row, databaseId: db.databaseId } : row);
});

/** A local eviction, and what it did once its commit applied it (`outcome`: empty before). */
export interface EvictionMutation extends PreparedMutation {
  /** The resources evicted and those skipped, with why, as of the last time the mutation was applied. */
  readonly outcome: EvictionOutcome;
}

/**
 * Resources evicted locally (out of scope, purged, expired): never pushed as deletes. Each goes with its history,
 * index keys, full text and statistics; a tombstone keeps what was known (the server version held, when and why
 * it was evicted), so a pull of that version or an older one does not bring it back and a newer one does. One
 * with a pending change, an open conflict or a dead letter, or whose current version no server confirmed, is
 * skipped and reported in `outcome`. Observers hear each eviction (`changes$` with `op: 'evict'`).
 * @see https://hl7.org/fhir/R5/http.html#read
 */
export const evictLocally = (refs: { type: string; id: string }[], reason: EvictionReason): EvictionMutation => {
  let outcome: EvictionOutcome = { evicted: [], skipped: [] };
  const keys: ResourceKey[] = refs.map((r) => ({ type: r.type, id: r.id }));
  return {
    kind: 'prepared',
    label: `evict (${reason})`,
    get outcome() {
      return outcome;
    },
    apply: async (db, now) => {
      const done = await evictResources(db, keys, reason, now);
      outcome = done.outcome;
      return done.results;
    },
  };
};
