import { presentRows } from './present-rows.js';
import type { DeadLetterRow, OutboxOp, OutboxRow, RemoteVersionRow, ResourceRow } from './rows.js';
import type { StoreDatabase } from './schema.js';
import { StalePlanError, type WriteSpec } from './write.js';

/**
 * The merged operation, or undefined when the changes cancel out. `unknownToServer`: no version of the
 * resource was ever confirmed by a server, so a write of it is a create.
 */
export function squash(pending: OutboxRow | undefined, kind: WriteSpec['kind'], unknownToServer: boolean): OutboxOp | undefined {
  const next: OutboxOp = kind === 'delete' ? 'delete' : kind === 'post' || unknownToServer ? 'create' : 'update';
  if (pending === undefined) return next;
  if (pending.op === 'create') {
    if (next === 'delete') return pending.sentAt === undefined ? undefined : 'delete';
    return 'create';
  }
  if (pending.op === 'delete' && next !== 'delete') return 'update';
  return next === 'create' ? 'update' : next;
}

/**
 * The outbox row after one more local change of a resource (`seq` is filled in once the history row has its
 * key), or undefined when the change cancels what was pending (a create deleted before it was sent).
 */
export function nextOutboxRow(
  pending: OutboxRow | undefined,
  held: RemoteVersionRow | undefined,
  change: { type: string; id: string; kind: WriteSpec['kind']; versionId: number; now: number },
): OutboxRow | undefined {
  const serverKnows = held !== undefined && !held.deleted;
  const op = squash(pending, change.kind, !serverKnows);
  if (op === undefined) return undefined;
  const baseVersion = pending?.baseVersion ?? (serverKnows ? held.version : undefined);
  return {
    type: change.type,
    id: change.id,
    op,
    seq: 0,
    localVersion: change.versionId,
    firstChangedAt: pending?.firstChangedAt ?? change.now,
    ...(baseVersion !== undefined ? { baseVersion } : {}),
    ...(pending?.sentAt !== undefined ? { sentAt: pending.sentAt } : {}),
    ...(pending?.hold === 'conflict' ? { hold: 'conflict' as const } : {}),
  };
}

/** Outbox rows to push, oldest change first, skipping those held by a conflict or a dead letter. */
export async function pendingChanges(db: StoreDatabase, limit: number): Promise<OutboxRow[]> {
  const rows: OutboxRow[] = [];
  await db.outbox.orderBy('seq').until(() => rows.length >= limit).each((r) => {
    if (r.hold === undefined) rows.push(r);
  });
  return rows;
}

/**
 * Number of changes waiting to be pushed (not counting open conflicts and dead letters). Every held row has its
 * dead letter or conflict, so the held rows are found from those (few) tables: counting does not read the whole
 * outbox, which a push would otherwise make it do once per change it confirms.
 */
export async function pendingCount(db: StoreDatabase): Promise<number> {
  return db.transaction('r', [db.outbox, db.deadLetters, db.conflicts], async () => {
    const [total, dead, conflicts] = await Promise.all([db.outbox.count(), db.deadLetters.toCollection().primaryKeys(), db.conflicts.toArray()]);
    const keys = new Map<string, [string, string]>();
    for (const key of [...dead, ...conflicts.map((c): [string, string] => [c.type, c.resourceId])]) keys.set(JSON.stringify(key), key);
    const rows = await db.outbox.bulkGet([...keys.values()]);
    return total - rows.filter((r) => r?.hold !== undefined).length;
  });
}

/**
 * The next outbox rows to push, oldest change first (as {@link pendingChanges}, and none that `skip` names), at
 * most `limit`, each with the current row it would send, marked sent in the same read-write transaction (it runs
 * inside one over the outbox and the resources): the content matches the `seq` of the row, so the
 * acknowledgement applies to what was sent, and a push batch costs one transaction where a read and a commit were
 * two. Returns the rows as marked.
 * @see https://hl7.org/fhir/R5/http.html#versioning
 */
export async function claimPending(
  db: StoreDatabase,
  limit: number,
  skip: (row: OutboxRow) => boolean,
  now: number,
): Promise<{ row: OutboxRow; current: ResourceRow | undefined }[]> {
  const rows: OutboxRow[] = [];
  await db.outbox.orderBy('seq').until(() => rows.length >= limit).each((r) => {
    if (r.hold === undefined && !skip(r)) rows.push({ ...r, sentAt: now });
  });
  if (rows.length === 0) return [];
  const [current] = await Promise.all([db.resources.bulkGet(rows.map((r) => [r.type, r.id])), db.outbox.bulkPut(rows)]);
  return rows.map((row, i) => ({ row, current: current[i] }));
}

/** Marks rows as sent (before the request), so a create later deleted is still sent as a delete. */
export async function markSent(db: StoreDatabase, rows: OutboxRow[], now: number): Promise<void> {
  // One read and one write for the batch; a row acknowledged meanwhile stays gone.
  const current = await db.outbox.bulkGet(rows.map((r) => [r.type, r.id]));
  await db.outbox.bulkPut(current.filter((r): r is OutboxRow => r !== undefined).map((r) => ({ ...r, sentAt: now })));
}

/**
 * Records that the server confirmed a pushed change: its version becomes the base of the next change, and the
 * outbox row goes unless the resource changed again while the push was in flight (a later sequence number).
 */
export async function acknowledge(db: StoreDatabase, row: OutboxRow, version: string | undefined, lastUpdated?: string): Promise<void> {
  if (version !== undefined) {
    const remote: RemoteVersionRow = { type: row.type, id: row.id, version, localVersion: row.localVersion, deleted: row.op === 'delete' };
    if (lastUpdated) remote.lastUpdated = lastUpdated;
    await db.remote.put(remote);
  } else if (row.op === 'delete') {
    await db.remote.delete([row.type, row.id]);
  }
  const cur = await db.outbox.get([row.type, row.id]);
  if (!cur) return;
  if (cur.seq === row.seq) await db.outbox.delete([row.type, row.id]);
  else await db.outbox.update([row.type, row.id], { ...(version !== undefined ? { baseVersion: version } : {}), op: cur.op === 'create' && row.op !== 'delete' ? 'update' : cur.op });
}

/**
 * One confirmation of a group: the row as it was sent and what the server answered.
 * @see https://hl7.org/fhir/R5/http.html#versioning
 */
export interface Confirmation {
  row: OutboxRow;
  version: string | undefined;
  lastUpdated?: string | undefined;
}

/**
 * Records several confirmations at once, exactly as {@link acknowledge} one after the other would: one read of
 * the outbox rows and one write per table instead of a read and writes per row. A resource named twice is
 * acknowledged in order, one by one.
 * @see https://hl7.org/fhir/R5/http.html#versioning
 */
export async function acknowledgeAll(db: StoreDatabase, confirmed: readonly Confirmation[]): Promise<void> {
  const keys = confirmed.map(({ row }): [string, string] => [row.type, row.id]);
  if (new Set(keys.map((k) => `${k[0]}/${k[1]}`)).size !== keys.length) {
    for (const c of confirmed) await acknowledge(db, c.row, c.version, c.lastUpdated);
    return;
  }
  const held: RemoteVersionRow[] = [];
  const forgotten: [string, string][] = [];
  for (const { row, version, lastUpdated } of confirmed) {
    if (version !== undefined) held.push({ type: row.type, id: row.id, version, localVersion: row.localVersion, deleted: row.op === 'delete', ...(lastUpdated ? { lastUpdated } : {}) });
    else if (row.op === 'delete') forgotten.push([row.type, row.id]);
  }
  const pending = await db.outbox.bulkGet(keys);
  const done: [string, string][] = [];
  const rebased: OutboxRow[] = [];
  confirmed.forEach(({ row, version }, i) => {
    const cur = pending[i];
    if (!cur) return;
    if (cur.seq === row.seq) done.push(keys[i]!);
    // Edited while the push was in flight: the row stays, based on what the server just confirmed.
    else rebased.push({ ...cur, ...(version !== undefined ? { baseVersion: version } : {}), op: cur.op === 'create' && row.op !== 'delete' ? 'update' : cur.op });
  });
  await Promise.all([
    held.length > 0 ? db.remote.bulkPut(held) : undefined,
    forgotten.length > 0 ? db.remote.bulkDelete(forgotten) : undefined,
    done.length > 0 ? db.outbox.bulkDelete(done) : undefined,
    rebased.length > 0 ? db.outbox.bulkPut(rebased) : undefined,
  ]);
}

/**
 * Records that the server holds `localVersion`'s content as `version` (a push whose answer was lost): it becomes
 * the base of the change still pending, which goes next with `If-Match` on it.
 */
export async function adoptVersion(db: StoreDatabase, row: OutboxRow, version: string, localVersion: number, deleted: boolean): Promise<void> {
  await db.remote.put({ type: row.type, id: row.id, version, localVersion, deleted });
  const cur = await db.outbox.get([row.type, row.id]);
  if (cur) await db.outbox.update([row.type, row.id], { baseVersion: version, op: cur.op === 'create' && !deleted ? 'update' : cur.op });
}

/** Parks a change the server refused, with its answer; the queue moves on. */
export async function deadLetter(db: StoreDatabase, row: OutboxRow, status: number, outcome: unknown, now: number): Promise<void> {
  const letter: DeadLetterRow = { type: row.type, id: row.id, op: row.op, status, outcome, at: now };
  await db.deadLetters.put(letter);
  await db.outbox.update([row.type, row.id], { hold: 'dead' });
}

/** Puts a dead letter back in the queue. */
export async function retryDeadLetter(db: StoreDatabase, type: string, id: string): Promise<void> {
  await db.deadLetters.delete([type, id]);
  const row = await db.outbox.get([type, id]);
  if (row?.hold === 'dead') {
    delete row.hold;
    await db.outbox.put(row);
  }
}

/** An open conflict settled by the app: its change is no longer held, and the conflict goes. */
export async function releaseConflict(db: StoreDatabase, type: string, id: string, conflictId: number | undefined): Promise<void> {
  await db.outbox.where('[type+id]').equals([type, id]).modify((r) => {
    delete r.hold;
  });
  if (conflictId !== undefined) await db.conflicts.delete(conflictId);
}

/** The outbox state a plan assumed for a resource: a change made meanwhile means plan again. */
export interface PendingAssumption {
  type: string;
  id: string;
  seq: number | undefined;
}

/** Throws `StalePlanError` when a local change arrived after the plan assumed the outbox state it read. */
export async function checkAssumptions(db: StoreDatabase, assumptions: PendingAssumption[]): Promise<void> {
  if (assumptions.length === 0) return;
  // By key range: a page's thousand assumptions of "nothing pending" are one read where the outbox holds none of them.
  const pending = await presentRows(db.outbox, assumptions.map((a) => [a.type, a.id] as [string, string]));
  assumptions.forEach((a, i) => {
    if (pending[i]?.seq !== a.seq) throw new StalePlanError(`${a.type}/${a.id} changed locally while a server change was applied`);
  });
}
