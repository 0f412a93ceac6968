/**
 * The page of `bench/pull-write-chromium.ts`: commits server versions into a new store by one path, the lean one or
 * the general one with the reads of before, and times the commits.
 */
import type { Resource } from 'fhir/r5';
import { openStore } from '../src/index.js';
import { storeDatabase, syncContextOf } from '../src/store.js';
import { serverChanges } from '../src/storage/replica-mutations.js';
import type { PreparedResource, RemoteStep } from '../src/storage/remote-steps.js';

async function pullWrite(resources: Resource[], chunk: number, path: 'lean' | 'general'): Promise<{ prepareMs: number; commitMs: number; rows: number }> {
  const store = await openStore({ name: `${path}-${Date.now()}` });
  const ctx = syncContextOf(store);
  await ctx.ready();
  let t = performance.now();
  const prepared = resources.map((r) => {
    const p = ctx.prepare(r);
    if ('error' in p) throw new Error(p.error);
    return p;
  });
  const prepareMs = performance.now() - t;
  const db = storeDatabase(store);
  t = performance.now();
  for (let i = 0; i < prepared.length; i += chunk) {
    const slice: PreparedResource[] = prepared.slice(i, i + chunk);
    const keys = slice.map((p): [string, string] => [p.resource.resourceType, p.resource.id!]);
    const steps: RemoteStep[] = slice.map((p) => ({ kind: 'remote', type: p.resource.resourceType, id: p.resource.id!, version: '1', lastUpdated: '2025-01-01T00:00:00.000Z', prepared: p, dropPending: false }));
    if (path === 'lean') {
      await ctx.storage.heldAndPending(keys);
      await ctx.storage.commit(() => ({ assumes: keys.map(([type, id]) => ({ type, id, seq: undefined })), mutations: [serverChanges(steps, 'lean')] }));
    } else {
      // The reads of before: held and pending by bulkGet, then the assumptions' outbox rows by bulkGet in the commit.
      await db.transaction('r', [db.remote, db.outbox], () => Promise.all([db.remote.bulkGet(keys), db.outbox.bulkGet(keys)]));
      await ctx.storage.commit(() => ({ verify: async () => void (await db.outbox.bulkGet(keys)), mutations: [serverChanges(steps, 'general')] }));
    }
  }
  const commitMs = performance.now() - t;
  const rows = await db.resources.count();
  // The postings the commits left pending are written before the next side runs, so they never overlap it.
  await store.flushIndex();
  store.close();
  return { prepareMs, commitMs, rows };
}

(window as unknown as { pullWrite: typeof pullWrite }).pullWrite = pullWrite;
