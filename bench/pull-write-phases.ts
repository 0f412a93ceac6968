/**
 * Where the time of writing pulled server versions goes, per resource, in-process (no HTTP): validation, index
 * entries and text documents (`prepare`), the commit of chunks of server versions, and raw Dexie writes of the
 * rows they stored. Environment: `BENCH_N` (default 5000), `BENCH_CHUNK` (default 1000).
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import type { Resource } from 'fhir/r5';
import { openStore, sequentialIds, steppingClock } from '../src/index.js';
import { storeDatabase, syncContextOf } from '../src/store.js';
import { StoreDatabase } from '../src/storage/schema.js';
import { serverChanges } from '../src/storage/replica-mutations.js';
import type { RemoteStep } from '../src/storage/remote-steps.js';
import { imagingSelection } from './generate.js';
import { now } from './measure.js';

const N = Number(process.env.BENCH_N ?? '5000');
const CHUNK = Number(process.env.BENCH_CHUNK ?? '1000');
const log = (s: string): void => void process.stdout.write(`${s}\n`);
const us = (ms: number): string => `${((ms / N) * 1000).toFixed(0)} µs/resource`;

const resources = Array.from({ length: N }, (_, i) => {
  const r = imagingSelection(i, N, Math.max(20, N / 20)) as Resource;
  return { ...r, meta: { versionId: '1', lastUpdated: '2025-01-01T00:00:00.000Z' } } as Resource;
});
const store = await openStore({ name: 'phases', indexedDB: new IDBFactory(), IDBKeyRange, clock: steppingClock('2025-06-01T00:00:00.000Z', 1), idGenerator: sequentialIds('b') });
const ctx = syncContextOf(store);
await ctx.ready();

let t = now();
const prepared = resources.map((r) => {
  const p = ctx.prepare(r);
  if ('error' in p) throw new Error(p.error);
  return p;
});
const prepareMs = now() - t;
log(`prepare (validate + index + text): ${us(prepareMs)}`);

// The general path into a second store, chunk by chunk in turn with the lean one (same load for both).
const general = await openStore({ name: 'phases-general', indexedDB: new IDBFactory(), IDBKeyRange, clock: steppingClock('2025-06-01T00:00:00.000Z', 1), idGenerator: sequentialIds('b') });
const generalCtx = syncContextOf(general);
let heldMs = 0;
let commitMs = 0;
let generalMs = 0;
for (let i = 0; i < N; i += CHUNK) {
  const slice = prepared.slice(i, i + CHUNK);
  const steps: RemoteStep[] = slice.map((p) => ({ kind: 'remote', type: p.resource.resourceType, id: p.resource.id!, version: '1', lastUpdated: '2025-01-01T00:00:00.000Z', prepared: p, dropPending: false }));
  const assumes = slice.map((p) => ({ type: p.resource.resourceType, id: p.resource.id!, seq: undefined }));
  for (const path of ['lean', 'general'] as const) {
    const c = path === 'lean' ? ctx : generalCtx;
    t = now();
    await c.storage.heldAndPending(assumes.map((a) => [a.type, a.id]));
    if (path === 'lean') heldMs += now() - t;
    await c.storage.commit(() => ({ assumes, mutations: [serverChanges(steps, path)] }));
    if (path === 'lean') commitMs += now() - t;
    else generalMs += now() - t;
  }
}
log(`held+pending reads: ${us(heldMs)}; lean commits incl. those: ${us(commitMs)}; general path: ${us(generalMs)} (lean / general ${(commitMs / generalMs).toFixed(2)})`);
general.close();

const db = storeDatabase(store);
const rows = await db.resources.toArray();
const history = (await db.history.toArray()).map(({ seq: _seq, ...h }) => h);
const texts = await db.texts.toArray();
const remote = await db.remote.toArray();
const raw = new StoreDatabase('raw', { indexedDB: new IDBFactory(), IDBKeyRange });
await raw.open();
t = now();
for (let i = 0; i < N; i += CHUNK) {
  await raw.transaction('rw', [raw.resources, raw.history], async () => {
    await raw.resources.bulkPut(rows.slice(i, i + CHUNK));
    await raw.history.bulkAdd(history.slice(i, i + CHUNK));
  });
}
const rawMs = now() - t;
t = now();
for (let i = 0; i < N; i += CHUNK) {
  await raw.transaction('rw', [raw.texts, raw.remote], async () => {
    await raw.texts.bulkPut(texts.slice(i, i + CHUNK));
    await raw.remote.bulkPut(remote.slice(i, i + CHUNK));
  });
}
const rawExtraMs = now() - t;
log(`raw resources+history: ${us(rawMs)}; raw texts+remote on top: ${us(rawExtraMs)}`);
log(`commit / raw: ${(commitMs / rawMs).toFixed(2)}x; (prepare + commit) / raw: ${((prepareMs + commitMs) / rawMs).toFixed(2)}x`);
store.close();
raw.close();
