import type { PreparedMutation } from './port.js';
import { textKeyOf } from './resource-row.js';
import { StatsDelta } from './row-stats.js';
import type { StoreDatabase } from './schema.js';

/**
 * A resource a scoped replication removes from this device (it left the scope), as `[type, id]`.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html
 */
export type EvictedRef = readonly [type: string, id: string];

/**
 * Removes resources that left a replication's scope from this device only: the current row, its full text, its
 * history and the server version it was based on go, the type's statistics follow, and nothing enters the outbox
 * (the server keeps them). No tombstone is left: a read answers 404 as for a resource never pulled, and the
 * resource is pulled again, as new, should it come back into scope. A resource with a pending local change is
 * skipped (its change is pushed first; the caller's plan assumed none, so one made meanwhile re-plans). Observers
 * of `changes$` hear nothing (no version was written); live queries re-run as on any commit to the tables.
 *
 * Minimal on purpose: the general local eviction (`purge`, keeping a tombstone of what was known) is built
 * separately; this one is the scope's and is reconciled with it at merge.
 * @see https://hl7.org/fhir/R5/http.html#read (404 for what the store does not hold)
 */
export const evictOutOfScope = (refs: readonly EvictedRef[]): PreparedMutation => ({
  kind: 'prepared',
  label: 'evict out of scope',
  apply: async (db, _now) => {
    await evictRows(db, refs);
    return [];
  },
});

async function evictRows(db: StoreDatabase, refs: readonly EvictedRef[]): Promise<void> {
  if (refs.length === 0) return;
  const keys = refs.map(([type, id]) => [type, id] as [string, string]);
  const [rows, pending] = await Promise.all([db.resources.bulkGet(keys), db.outbox.bulkGet(keys)]);
  const stats = new StatsDelta();
  const work: Promise<unknown>[] = [];
  for (const [i, key] of keys.entries()) {
    if (pending[i] !== undefined) continue;
    const row = rows[i];
    const [type, id] = key;
    if (row !== undefined) {
      stats.add(type, row, undefined);
      const text = textKeyOf(row);
      if (text) work.push(db.texts.delete(text));
    }
    work.push(
      db.resources.delete(key),
      db.remote.delete(key),
      db.history.where('[type+id+versionId]').between([type, id, -Infinity], [type, id, Infinity], true, true).delete(),
    );
  }
  work.push(stats.flush(db));
  await Promise.all(work);
}

/**
 * Forgets where the pull of these checkpoint keys stands (the types start over: a scope changed), unlike a row with
 * only its key, which a pull reads as "pulled, no `_since`".
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
