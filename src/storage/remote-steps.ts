import type { Resource } from 'fhir/r5';
import type { ConflictRow, RemoteVersionRow, RowText } from './rows.js';
import type { StoreDatabase } from './schema.js';
import { applyServerVersions, applyWrite, applyWrites } from './write-batch.js';
import type { WriteResult, WriteSpec } from './write.js';
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

/** Consecutive server versions, written with one bulk write (a pulled page is mostly that). */
type ServerVersions = Extract<RemoteStep, { kind: 'remote' }>[];

/**
 * How server versions are written: the lean path (`applyServerVersions`), or the general one every write takes.
 * @see https://hl7.org/fhir/R5/http.html#history
 */
export type ServerVersionPath = 'lean' | 'general';

/**
 * Applies planned server-change steps inside an open read-write transaction (a pulled page, or the answer to a
 * push). Server versions never enter the outbox; a local version on top does. Runs of consecutive server
 * versions take the lean path unless `path` says otherwise (both store the same rows; the tests compare them).
 */
export async function applyRemoteSteps(db: StoreDatabase, steps: RemoteStep[], now: number, path: ServerVersionPath = 'lean'): Promise<WriteResult[]> {
  const results: WriteResult[] = [];
  let run: ServerVersions = [];
  for (const step of steps) {
    if (step.kind === 'remote') {
      run.push(step);
      continue;
    }
    results.push(...(await writeServerVersions(db, run, now, path)));
    run = [];
    results.push(...(await applyStep(db, step, now)));
  }
  results.push(...(await writeServerVersions(db, run, now, path)));
  return results;
}

/** Writes server versions as remote-origin versions and remembers each as the base of the next local change. */
async function writeServerVersions(db: StoreDatabase, run: ServerVersions, now: number, path: ServerVersionPath): Promise<WriteResult[]> {
  if (run.length === 0) return [];
  const specs = run.map((step) => writeSpec(step, 'remote'));
  const written = await (path === 'lean' ? applyServerVersions(db, specs, now) : applyWrites(db, specs, now, true));
  // A server deletion of a resource this device no longer holds writes nothing: what was evicted stays evicted.
  const unheld = run.flatMap((step, i): [string, string][] => (written[i]!.noop ? [[step.type, step.id]] : []));
  const marks = unheld.length > 0 ? new Map((await db.remote.bulkGet(unheld)).map((r, i) => [unheld[i]!.join('/'), r?.evicted])) : undefined;
  await db.remote.bulkPut(
    run.map((step, i): RemoteVersionRow => {
      const evicted = marks?.get(`${step.type}/${step.id}`);
      return {
        type: step.type,
        id: step.id,
        version: step.version,
        localVersion: written[i]!.versionId,
        deleted: !step.prepared,
        ...(step.lastUpdated ? { lastUpdated: step.lastUpdated } : {}),
        ...(evicted ? { evicted } : {}),
      };
    }),
  );
  const dropped = run.filter((step) => step.dropPending).map((step) => [step.type, step.id] as [string, string]);
  if (dropped.length > 0) {
    await db.outbox.bulkDelete(dropped);
    await db.deadLetters.bulkDelete(dropped);
  }
  return written;
}

async function applyStep(db: StoreDatabase, step: Exclude<RemoteStep, { kind: 'remote' }>, now: number): Promise<WriteResult[]> {
  if (step.kind === 'conflict') {
    await db.conflicts.add(step.conflict);
    await db.outbox.update([step.conflict.type, step.conflict.resourceId], { hold: 'conflict' });
    return [];
  }
  if (step.kind === 'refresh-conflict') {
    await db.conflicts.where('[type+resourceId]').equals([step.type, step.id]).modify((c) => {
      c.remoteVersion = step.version;
      if (step.remote) c.remote = step.remote;
      else delete c.remote;
    });
    return [];
  }
  const result = await applyWrite(db, writeSpec(step, 'local'), now, true);
  // The local version goes to the server based on the version just received.
  await db.outbox.update([step.type, step.id], { baseVersion: step.version, op: step.prepared ? 'update' : 'delete' });
  return [result];
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
