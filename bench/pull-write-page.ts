/**
 * The page of `bench/pull-write-chromium.ts`: commits the same server versions by the lean path and by the general
 * path with the reads of before, into two stores, chunk by chunk in turn.
 */
import type { Resource } from 'fhir/r5';
import { openStore } from '../src/index.js';
import { storeDatabase, syncContextOf } from '../src/store.js';
import { serverChanges } from '../src/storage/replica-mutations.js';
import type { PreparedResource, RemoteStep } from '../src/storage/remote-steps.js';

async function pullWrite(resources: Resource[], chunk: number): Promise<{ prepareMs: number; leanMs: number; generalMs: number; rows: [number, number] }> {
  const stamp = Date.now();
  const lean = await openStore({ name: `lean-${stamp}` });
  const general = await openStore({ name: `general-${stamp}` });
  const leanCtx = syncContextOf(lean);
  const generalCtx = syncContextOf(general);
  await leanCtx.ready();
  let t = performance.now();
  const prepared = resources.map((r) => {
    const p = leanCtx.prepare(r);
    if ('error' in p) throw new Error(p.error);
    return p;
  });
  const prepareMs = performance.now() - t;
  const db = storeDatabase(general);
  let leanMs = 0;
  let generalMs = 0;
  for (let i = 0; i < prepared.length; i += chunk) {
    const slice: PreparedResource[] = prepared.slice(i, i + chunk);
    const keys = slice.map((p): [string, string] => [p.resource.resourceType, p.resource.id!]);
    const steps: RemoteStep[] = slice.map((p) => ({ kind: 'remote', type: p.resource.resourceType, id: p.resource.id!, version: '1', lastUpdated: '2025-01-01T00:00:00.000Z', prepared: p, dropPending: false }));
    t = performance.now();
    await leanCtx.storage.heldAndPending(keys);
    await leanCtx.storage.commit(() => ({ assumes: keys.map(([type, id]) => ({ type, id, seq: undefined })), mutations: [serverChanges(steps, 'lean')] }));
    leanMs += performance.now() - t;
    t = performance.now();
    // The reads of before: held and pending by bulkGet, then the assumptions' outbox rows by bulkGet in the commit.
    await db.transaction('r', [db.remote, db.outbox], () => Promise.all([db.remote.bulkGet(keys), db.outbox.bulkGet(keys)]));
    await generalCtx.storage.commit(() => ({
      verify: async () => void (await db.outbox.bulkGet(keys)),
      mutations: [serverChanges(steps, 'general')],
    }));
    generalMs += performance.now() - t;
  }
  const rows: [number, number] = [await storeDatabase(lean).resources.count(), await db.resources.count()];
  lean.close();
  general.close();
  return { prepareMs, leanMs, generalMs, rows };
}

(window as unknown as { pullWrite: typeof pullWrite }).pullWrite = pullWrite;
