import Dexie from 'dexie';
import { textKeyOf } from './resource-row.js';
import { StatsDelta } from './row-stats.js';
import type { EvictionReason, HistoryRow, RemoteVersionRow, ResourceRow } from './rows.js';
import type { StoreDatabase } from './schema.js';
import type { WriteResult } from './write.js';

/**
 * A resource to evict, or one an eviction skipped.
 * @see https://hl7.org/fhir/R5/resource.html#id
 */
export interface ResourceKey {
  /** The resource type. */
  type: string;
  /** The resource id. */
  id: string;
}

/**
 * Why a resource was not evicted (see {@link EvictionOutcome}): `not-found` (this device does not hold it, or no longer: evicted before),
 * `pending` (a local change waits to be pushed), `conflict` (held by an open conflict), `dead-letter` (the server
 * refused its change), `not-synced` (no server confirmed its current version: a local-only resource, whose only
 * copy this is).
 */
export type EvictionSkipReason = 'not-found' | 'pending' | 'conflict' | 'dead-letter' | 'not-synced';

/**
 * What one eviction did.
 * @see https://hl7.org/fhir/R5/http.html#read
 */
export interface EvictionOutcome {
  /** The resources evicted. */
  evicted: ResourceKey[];
  /** The resources kept, with why. */
  skipped: SkippedEviction[];
}

/**
 * A resource an eviction kept, with why.
 * @see https://hl7.org/fhir/R5/http.html#read
 */
export interface SkippedEviction extends ResourceKey {
  /** Why it was kept. */
  reason: EvictionSkipReason;
}

const keyString = (type: string, id: string): string => `${type}\u0000${id}`;

/**
 * Evicts resources from this device inside an open read-write transaction, pushing nothing: the current row
 * becomes a tombstone marked `evicted` (no resource, no index keys: searches, includes and referrer lookups no
 * longer see it; `versionId` and `ts` kept so a later version goes on from them), every history version goes
 * with its full-text row and postings, the statistics follow, and the `remote` row stays, marked, as the tombstone
 * of what was known (the server's version and `lastUpdated`): a pull of that version or an older one is skipped
 * as not newer, a newer one is written as the resource's next version. A resource whose current version the
 * server has not confirmed (pending change, open conflict, dead letter, local-only) is skipped and reported:
 * this copy may be the only one.
 * @see https://hl7.org/fhir/R5/http.html#read
 */
export async function evictResources(
  db: StoreDatabase,
  refs: readonly ResourceKey[],
  reason: EvictionReason,
  now: number,
): Promise<{ results: WriteResult[]; outcome: EvictionOutcome }> {
  const keys = [...new Map(refs.map((r) => [keyString(r.type, r.id), [r.type, r.id] as [string, string]])).values()];
  const outcome: EvictionOutcome = { evicted: [], skipped: [] };
  if (keys.length === 0) return { results: [], outcome };
  // Every read at once (each awaited request inside a transaction is a round trip). Conflicts are few: read whole.
  const [rows, pending, held, letters, conflicts, storedStats, lastSeq] = await Promise.all([
    db.resources.bulkGet(keys),
    db.outbox.bulkGet(keys),
    db.remote.bulkGet(keys),
    db.deadLetters.bulkGet(keys),
    db.conflicts.toArray(),
    StatsDelta.read(db, keys.map((k) => k[0])),
    db.history.toCollection().lastKey() as Promise<number | undefined>,
  ]);
  const inConflict = new Set(conflicts.map((c) => keyString(c.type, c.resourceId)));
  const victims: { row: ResourceRow; remote: RemoteVersionRow }[] = [];
  keys.forEach(([type, id], i) => {
    const row = rows[i];
    const remote = held[i];
    const skip = skipReason(row, pending[i]?.hold, pending[i] !== undefined, letters[i] !== undefined, inConflict.has(keyString(type, id)), remote);
    if (skip !== undefined || row === undefined || remote === undefined) outcome.skipped.push({ type, id, reason: skip ?? 'not-found' });
    else victims.push({ row, remote });
  });
  if (victims.length === 0) return { results: [], outcome };

  const historyKeys = (
    await Promise.all(
      victims.map(({ row }) => db.history.where('[type+id+versionId]').between([row.type, row.id, Dexie.minKey], [row.type, row.id, Dexie.maxKey]).primaryKeys()),
    )
  ).flat() as number[];
  const stats = new StatsDelta();
  const tombstones: ResourceRow[] = [];
  const textKeys: [string, number, string][] = [];
  const results: WriteResult[] = [];
  const marks: RemoteVersionRow[] = [];
  for (const { row, remote } of victims) {
    // The tombstone's time is the eviction's (never before the version it replaces): the mark on the `remote` row
    // records the same, from which an import rebuilds the tombstone as it was.
    const at = Math.max(now, row.ts);
    const tombstone: ResourceRow = { type: row.type, id: row.id, versionId: row.versionId, ts: at, deleted: 1, ix: [], hx: [], evicted: reason };
    marks.push({ ...remote, evicted: { at, reason } });
    tombstones.push(tombstone);
    stats.add(row.type, row, tombstone);
    const text = textKeyOf(row);
    if (text) textKeys.push(text);
    outcome.evicted.push({ type: row.type, id: row.id });
    results.push({ type: row.type, id: row.id, versionId: row.versionId, ts: row.ts, lastUpdated: new Date(row.ts).toISOString(), created: false, noop: false, op: 'delete', origin: 'local', evicted: reason });
  }
  // The history key generator is the store's sequence, which must stay monotonic (outbox rows and `_history`
  // cursors name rows by it) while `applyWrites` numbers on from the highest key stored: when the highest row goes,
  // a bare `{ seq }` row takes its place, which no index holds (it has no type, id or time), so no read sees it.
  const topGoes = lastSeq !== undefined && historyKeys.includes(lastSeq);
  await Promise.all([
    db.resources.bulkPut(tombstones),
    textKeys.length > 0 ? db.texts.bulkDelete(textKeys) : undefined,
    db.history.bulkDelete(topGoes ? historyKeys.filter((k) => k !== lastSeq) : historyKeys),
    topGoes ? db.history.put(seqMarker(lastSeq)) : undefined,
    db.remote.bulkPut(marks),
    stats.write(db, storedStats),
  ]);
  return { results, outcome };
}

/** Why a resource cannot be evicted, or undefined when it can. */
function skipReason(
  row: ResourceRow | undefined,
  hold: 'conflict' | 'dead' | undefined,
  hasPending: boolean,
  hasDeadLetter: boolean,
  hasConflict: boolean,
  remote: RemoteVersionRow | undefined,
): EvictionSkipReason | undefined {
  if (row === undefined || row.evicted !== undefined) return 'not-found';
  if (hold === 'conflict' || hasConflict) return 'conflict';
  if (hold === 'dead' || hasDeadLetter) return 'dead-letter';
  if (hasPending) return 'pending';
  // Only a version the server confirmed may go: anything else would lose the one copy there is.
  if (remote === undefined || remote.localVersion !== row.versionId) return 'not-synced';
  return undefined;
}

/**
 * The history row that keeps the sequence's high-water mark after the row holding it was deleted: a key and
 * nothing else, so it is in no index (`[type+id+versionId]`, `[ts+seq]`, `[type+ts+seq]`) and no history read,
 * export or import meets it; only the key reads (`lastKey`) that number new rows do.
 */
export const seqMarker = (seq: number): HistoryRow => ({ seq }) as HistoryRow;

/**
 * After an import (`storage/store-import.ts`): the tombstone rows of the evicted resources, rebuilt from the
 * `remote` rows that carry their mark (an export holds versions and replication state, not current rows), so read
 * still answers "evicted" and a version pulled later goes on from the evicted one; and the sequence's marker at
 * the export's `lastSeq` when its top rows were evicted, so the imported store numbers on from where it stood.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export async function restoreEvictions(db: StoreDatabase, lastSeq: number): Promise<void> {
  await db.transaction('rw', [db.resources, db.remote, db.history], async () => {
    const marked = (await db.remote.toArray()).filter((r) => r.evicted !== undefined);
    const rows = await db.resources.bulkGet(marked.map((r): [string, string] => [r.type, r.id]));
    const tombstones = marked.flatMap((r, i): ResourceRow[] =>
      rows[i] === undefined ? [{ type: r.type, id: r.id, versionId: r.localVersion, ts: r.evicted!.at, deleted: 1, ix: [], hx: [], evicted: r.evicted!.reason }] : [],
    );
    if (tombstones.length > 0) await db.resources.bulkPut(tombstones);
    const top = (await db.history.toCollection().lastKey()) as number | undefined;
    if (lastSeq > (top ?? 0)) await db.history.put(seqMarker(lastSeq));
  });
}
