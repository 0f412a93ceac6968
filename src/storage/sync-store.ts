import type { Resource } from 'fhir/r5';
import type { ConflictRow, DeadLetterRow, OutboxRow, RemoteVersionRow, RowText } from './rows.js';
import type { StoreDatabase } from './schema.js';
import { applyWrite, StalePlanError, type WriteResult, type WriteSpec } from './write.js';
import { applyWrites } from './write-batch.js';
import type { IndexEntry } from '../search/parameters/index-entry.js';

/** A resource ready to be written: validated and indexed outside the transaction. */
export interface PreparedResource {
  resource: Resource;
  index: IndexEntry[];
  text: RowText;
}

/** One step of applying a server change locally, planned outside the transaction. */
export type RemoteStep =
  /** Write the server's version (or its deletion) as a remote-origin version and remember it as the base. */
  | { kind: 'remote'; type: string; id: string; version: string; lastUpdated?: string; prepared?: PreparedResource; dropPending?: boolean }
  /** Write a local version on top (a merge or a kept local edit): it is pushed next, based on `version`. */
  | { kind: 'local'; type: string; id: string; version: string; prepared?: PreparedResource }
  /** Keep both sides for the user: the local change waits until the conflict is resolved. */
  | { kind: 'conflict'; conflict: ConflictRow }
  /** A newer server version of a resource with an open conflict: the conflict now compares with it. */
  | { kind: 'refresh-conflict'; type: string; id: string; version: string; remote?: Resource };

/** The outbox state a plan assumed for a resource: a change made meanwhile means plan again. */
export interface PendingAssumption {
  type: string;
  id: string;
  seq: number | undefined;
}

/** Every table applying server changes touches. */
const syncTables = (db: StoreDatabase) => [...db.writeTables, db.conflicts, db.checkpoints];

/**
 * Applies planned steps in one read-write transaction (a pulled page, or the answer to a push). Remote writes
 * never enter the outbox. Throws `StalePlanError` when a local change arrived after the plan was made.
 */
export async function applyRemoteSteps(
  db: StoreDatabase,
  steps: RemoteStep[],
  assumptions: PendingAssumption[],
  now: number,
  hooks: { before?: () => Promise<void>; after?: () => Promise<void> } = {},
): Promise<WriteResult[]> {
  return db.transaction('rw', syncTables(db), async () => {
    if (hooks.before) await hooks.before();
    const pending = await db.outbox.bulkGet(assumptions.map((a) => [a.type, a.id] as [string, string]));
    assumptions.forEach((a, i) => {
      if (pending[i]?.seq !== a.seq) throw new StalePlanError(`${a.type}/${a.id} changed locally while a server change was applied`);
    });
    const results: WriteResult[] = [];
    // Consecutive server versions are written with one bulk write (a pulled page is mostly that).
    let run: Extract<RemoteStep, { kind: 'remote' }>[] = [];
    const flush = async (): Promise<void> => {
      if (run.length === 0) return;
      const written = await applyWrites(db, run.map((step) => writeSpec(step, 'remote')), now, true);
      results.push(...written);
      await db.remote.bulkPut(
        run.map((step, i): RemoteVersionRow => ({
          type: step.type,
          id: step.id,
          version: step.version,
          localVersion: written[i]!.versionId,
          deleted: !step.prepared,
          ...(step.lastUpdated ? { lastUpdated: step.lastUpdated } : {}),
        })),
      );
      const dropped = run.filter((step) => step.dropPending).map((step) => [step.type, step.id] as [string, string]);
      if (dropped.length > 0) {
        await db.outbox.bulkDelete(dropped);
        await db.deadLetters.bulkDelete(dropped);
      }
      run = [];
    };
    for (const step of steps) {
      if (step.kind === 'remote') {
        run.push(step);
        continue;
      }
      await flush();
      if (step.kind === 'conflict') {
        await db.conflicts.add(step.conflict);
        await db.outbox.update([step.conflict.type, step.conflict.resourceId], { hold: 'conflict' });
      } else if (step.kind === 'refresh-conflict') {
        await db.conflicts.where('[type+resourceId]').equals([step.type, step.id]).modify((c) => {
          c.remoteVersion = step.version;
          if (step.remote) c.remote = step.remote;
          else delete c.remote;
        });
      } else {
        results.push(await applyWrite(db, writeSpec(step, 'local'), now, true));
        // The local version goes to the server based on the version just received.
        await db.outbox.update([step.type, step.id], { baseVersion: step.version, op: step.prepared ? 'update' : 'delete' });
      }
    }
    await flush();
    if (hooks.after) await hooks.after();
    return results.filter((r) => !r.noop);
  });
}

function writeSpec(step: { type: string; id: string; prepared?: PreparedResource }, origin: 'local' | 'remote'): WriteSpec {
  return {
    type: step.type,
    id: step.id,
    kind: step.prepared ? 'put' : 'delete',
    origin,
    ...(step.prepared ? { resource: step.prepared.resource, index: step.prepared.index, text: step.prepared.text } : {}),
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

/** Number of changes waiting to be pushed (not counting open conflicts and dead letters). */
export async function pendingCount(db: StoreDatabase): Promise<number> {
  return db.outbox.filter((r) => r.hold === undefined).count();
}

/** Marks rows as sent (before the request), so a create later deleted is still sent as a delete. */
export async function markSent(db: StoreDatabase, rows: OutboxRow[], now: number): Promise<void> {
  await db.transaction('rw', db.outbox, async () => {
    for (const r of rows) await db.outbox.update([r.type, r.id], { sentAt: now });
  });
}

/**
 * Records that the server confirmed a pushed change: its version becomes the base of the next change, and the
 * outbox row goes unless the resource changed again while the push was in flight (a later sequence number).
 */
export async function acknowledge(db: StoreDatabase, row: OutboxRow, version: string | undefined, lastUpdated?: string): Promise<void> {
  await db.transaction('rw', [db.outbox, db.remote], async () => {
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
  });
}

/**
 * Records that the server holds `localVersion`'s content as `version` (a push whose answer was lost): it becomes
 * the base of the change still pending, which goes next with `If-Match` on it.
 */
export async function adoptVersion(db: StoreDatabase, row: OutboxRow, version: string, localVersion: number, deleted: boolean): Promise<void> {
  await db.transaction('rw', [db.outbox, db.remote], async () => {
    await db.remote.put({ type: row.type, id: row.id, version, localVersion, deleted });
    const cur = await db.outbox.get([row.type, row.id]);
    if (cur) await db.outbox.update([row.type, row.id], { baseVersion: version, op: cur.op === 'create' && !deleted ? 'update' : cur.op });
  });
}

/** Parks a change the server refused, with its answer; the queue moves on. */
export async function deadLetter(db: StoreDatabase, row: OutboxRow, status: number, outcome: unknown, now: number): Promise<void> {
  await db.transaction('rw', [db.outbox, db.deadLetters], async () => {
    const letter: DeadLetterRow = { type: row.type, id: row.id, op: row.op, status, outcome, at: now };
    await db.deadLetters.put(letter);
    await db.outbox.update([row.type, row.id], { hold: 'dead' });
  });
}

/** Puts a dead letter back in the queue. */
export async function retryDeadLetter(db: StoreDatabase, type: string, id: string): Promise<void> {
  await db.transaction('rw', [db.outbox, db.deadLetters], async () => {
    await db.deadLetters.delete([type, id]);
    const row = await db.outbox.get([type, id]);
    if (row?.hold === 'dead') {
      delete row.hold;
      await db.outbox.put(row);
    }
  });
}
