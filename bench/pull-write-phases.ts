/**
 * Where the time of writing pulled server versions goes, per resource, in-process (Node, fake-indexeddb, no HTTP):
 * validation, index entries and text documents (`prepare`), the commits of chunks of server versions by the lean
 * path and by the general path with the reads of before (each side into its own new store, in the order lean,
 * general, general, lean, its postings flushed before the next side runs), and raw Dexie writes of the rows they
 * stored. Environment: `BENCH_N` (default 5000), `BENCH_CHUNK` (default 1000), `BENCH_IDS=uuid` (random ids, whose
 * key ranges fill after the first chunks, instead of the generator's `is<n>`). Speed is reported, never asserted.
 */
import { randomUUID } from 'node:crypto';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import type { Resource } from 'fhir/r5';
import { openStore, sequentialIds, steppingClock, type Store } from '../src/index.js';
import { storeDatabase, syncContextOf } from '../src/store.js';
import { StoreDatabase } from '../src/storage/schema.js';
import { imagingSelection } from './generate.js';
import { commitServerVersions } from './pull-write-commits.js';
import { now } from './measure.js';

const N = Number(process.env.BENCH_N ?? '5000');
const CHUNK = Number(process.env.BENCH_CHUNK ?? '1000');
const log = (s: string): void => void process.stdout.write(`${s}\n`);
const us = (ms: number, runs = 1): string => `${((ms / runs / N) * 1000).toFixed(0)} µs`;

const UUIDS = process.env.BENCH_IDS === 'uuid';
const resources = Array.from(
  { length: N },
  (_, i) => ({ ...imagingSelection(i, N, Math.max(20, N / 20)), ...(UUIDS ? { id: randomUUID() } : {}), meta: { versionId: '1', lastUpdated: '2025-01-01T00:00:00.000Z' } }) as Resource,
);
const fresh = (name: string): Promise<Store> => openStore({ name, indexedDB: new IDBFactory(), IDBKeyRange, clock: steppingClock('2025-06-01T00:00:00.000Z', 1), idGenerator: sequentialIds('b') });

/** Prepares every resource, then commits them in chunks by `path`; the store is left open for the raw baseline. */
async function side(path: 'lean' | 'general'): Promise<{ prepareMs: number; commitMs: number; store: Store }> {
  const store = await fresh(path);
  const ctx = syncContextOf(store);
  await ctx.ready();
  let t = now();
  const prepared = resources.map((r) => {
    const p = ctx.prepare(r);
    if ('error' in p) throw new Error(p.error);
    return p;
  });
  const prepareMs = now() - t;
  t = now();
  await commitServerVersions(store, prepared, CHUNK, path);
  const commitMs = now() - t;
  await store.flushIndex();
  return { prepareMs, commitMs, store };
}

const total = { lean: { prepareMs: 0, commitMs: 0 }, general: { prepareMs: 0, commitMs: 0 } };
let last: Store | undefined;
for (const path of ['lean', 'general', 'general', 'lean'] as const) {
  const r = await side(path);
  total[path].prepareMs += r.prepareMs;
  total[path].commitMs += r.commitMs;
  last?.close();
  last = r.store;
}

// Raw: the current and history rows the last side stored, written again into a new database (what the sync bench's
// baseline writes), then the texts and remote rows on top.
const db = storeDatabase(last!);
const rows = await db.resources.toArray();
const history = (await db.history.toArray()).map(({ seq: _seq, ...h }) => h);
const texts = await db.texts.toArray();
const remote = await db.remote.toArray();
last!.close();
const raw = new StoreDatabase('raw', { indexedDB: new IDBFactory(), IDBKeyRange });
await raw.open();
let t = now();
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
raw.close();
const prepareMs = (total.lean.prepareMs + total.general.prepareMs) / 2;
log(`${N} pulled ImagingSelections${UUIDS ? ' with random ids' : ''}, chunks of ${CHUNK}, per resource (2 runs per side):`);
log(`  prepare (validate + index keys + text documents): ${us(prepareMs, 2)}`);
log(`  commits, general path with the reads of before: ${us(total.general.commitMs, 2)}; lean path: ${us(total.lean.commitMs, 2)} (lean / general ${(total.lean.commitMs / total.general.commitMs).toFixed(2)}x)`);
log(`  raw resources + history rows: ${us(rawMs)}; raw texts + remote rows on top: ${us(rawExtraMs)}`);
log(`  (prepare + lean commit) / raw: ${((prepareMs / 2 + total.lean.commitMs / 2) / rawMs).toFixed(2)}x`);
