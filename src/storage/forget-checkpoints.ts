import type { PreparedMutation } from './port.js';

/**
 * Forgets where the pull of these checkpoint keys stands (the types start over: a replication's scope changed),
 * unlike a row with only its key, which a pull reads as "pulled, no `_since`".
 * @see https://hl7.org/fhir/R5/http.html#history
 */
export const forgetCheckpoints = (keys: readonly string[]): PreparedMutation => ({
  kind: 'prepared',
  label: 'forget checkpoints',
  apply: async (db) => {
    await db.checkpoints.bulkDelete([...keys]);
    return [];
  },
});

/**
 * Forgets what resources evicted for being out of a scope were (the `remote` rows marked `out-of-scope`): the
 * replication is no longer scoped, so their versions are pulled and written again instead of being skipped as held.
 * Their tombstone rows stay until then (a read answers 404, as before).
 * @see https://hl7.org/fhir/R5/http.html#history
 */
export const forgetOutOfScopeTombstones = (): PreparedMutation => ({
  kind: 'prepared',
  label: 'forget out-of-scope tombstones',
  apply: async (db) => {
    await db.remote.filter((r) => r.evicted?.reason === 'out-of-scope').delete();
    return [];
  },
});
