/**
 * The page of `bench/pull-write-chromium.ts`: commits server versions into a new store by one path, the lean one or
 * the general one with the reads of before, and times the commits.
 */
import type { Resource } from 'fhir/r5';
import { openStore } from '../src/index.js';
import { storeDatabase, syncContextOf } from '../src/store.js';
import { commitServerVersions } from './pull-write-commits.js';

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
  await commitServerVersions(store, prepared, chunk, path);
  const commitMs = performance.now() - t;
  const rows = await db.resources.count();
  // The postings the commits left pending are written before the next side runs, so they never overlap it.
  await store.flushIndex();
  store.close();
  return { prepareMs, commitMs, rows };
}

(window as unknown as { pullWrite: typeof pullWrite }).pullWrite = pullWrite;
