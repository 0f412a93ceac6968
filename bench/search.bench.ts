/**
 * `npm run bench`: loads generated Patients and ImagingSelections into a store on fake-indexeddb and measures
 * writes and searches beside a raw-Dexie baseline that writes and reads the same rows in the same run.
 *
 * Environment:
 * - `BENCH_SCALE` (default 1): 1 = 100,000 ImagingSelections over 5,000 Patients, about 13 minutes and a 10 GB
 *   heap on a 2-core machine (the store's and the baseline's databases are both in memory); 0.1 = 10,000 over 500,
 *   about a minute.
 * - `BENCH_NO_OBSERVABILITY=1`: experiment, Dexie's Observability middleware removed from both databases.
 * - `BENCH_SKIP=sort`: leave out the queries whose name contains one of these words (comma-separated).
 * - `BENCH_CHUNK` (default 1000): resources per transaction Bundle (and per raw transaction).
 * - `BENCH_SAMPLE`: resources written one by one (default 2% of the selections, 200…2,000).
 * - `BENCH_DOCS` (default 1): 0 to leave docs/benchmarks.md alone.
 *
 * Figures are medians of several runs; speed is never asserted, only reported as ratios against the
 * baseline measured in the same process, since these machines are noisy.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import Dexie from 'dexie';
import type { Bundle, BundleEntry, Resource } from 'fhir/r5';
import { openStore, sequentialIds, steppingClock, type Store } from '../src/index.js';
import { storeDatabase } from '../src/store.js';
import type { ResourceRow } from '../src/storage/rows.js';
import { StoreDatabase } from '../src/storage/schema.js';
import { rowIndex } from '../src/storage/resource-row.js';
import { key, normaliseText } from '../src/search/parameters/index-entry.js';
import { detectLayout } from './layout.js';
import { textTerms } from '../src/search/text/index.js';
import { accession, familyCount, familyName, imagingSelection, ISSUED_FROM, ISSUED_SPAN_MS, NOUNS, patient } from './generate.js';
import { countReads, fmtMiB, fmtMs, MemorySampler, median, now, ratio, ReadCounter, timePair, timeRuns } from './measure.js';
import { renderDocs, type BenchResult, type QueryResult, type WriteResult } from './report.js';
import { withChromiumSection } from './browser/docs.js';

const IS = 'ImagingSelection';
const SCALE = Number(process.env.BENCH_SCALE ?? '1');
if (!(SCALE > 0)) throw new Error(`BENCH_SCALE must be a positive number, got ${process.env.BENCH_SCALE}`);
const N = Math.round(100_000 * SCALE);
const P = Math.max(20, Math.round(5_000 * SCALE));
const CHUNK = Number(process.env.BENCH_CHUNK ?? '1000');
const SAMPLE = Number(process.env.BENCH_SAMPLE ?? String(Math.min(2_000, Math.max(200, Math.round(N * 0.02)))));
const WRITE_DOCS = process.env.BENCH_DOCS !== '0';
const NO_OBSERVABILITY = process.env.BENCH_NO_OBSERVABILITY === '1';
/** Queries to leave out, by a word of their name (e.g. `sort`): for scales where one would run for hours. */
const SKIP = (process.env.BENCH_SKIP ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
const ROOT = new URL('../', import.meta.url);

const log = (s = ''): void => {
  process.stdout.write(`${s}\n`);
};
const pad = (s: string | number, n: number): string => String(s).padEnd(n);
const padl = (s: string | number, n: number): string => String(s).padStart(n);
const n = (x: number): string => x.toLocaleString('en');
const us = (totalMs: number, count: number): string => `${Math.round((totalMs / count) * 1000)} µs`;

const memory = new MemorySampler();
memory.start(200);
const started = now();
const elapsed = (): string => `${((now() - started) / 1000).toFixed(0)} s`;

log(`fhir-offline-store search benchmark: scale ${SCALE} = ${N.toLocaleString('en')} ImagingSelections over ${P.toLocaleString('en')} Patients`);
log(`transaction Bundles of ${CHUNK}; one-by-one sample ${SAMPLE}; ${os.cpus().length} CPUs, ${fmtMiB(os.totalmem())} RAM, node ${process.version}`);
log();

// ---------------------------------------------------------------------------------------------------------
// 1. Writes. The store loads transaction Bundles of CHUNK resources; after each one, the raw-Dexie baseline
//    writes the very rows the store wrote for that chunk (current, history, index, posting, outbox and text
//    statistics rows) into its own database with the same tables and indexes (the store's schema class, no
//    store logic), in one transaction. Store and baseline alternate chunk by chunk, so both run at the same
//    database size and heap size (fake-indexeddb and the GC get slower as they grow). Then a sample is
//    written one by one, the same way.

const deps = { indexedDB: new IDBFactory(), IDBKeyRange };
const store: Store = await openStore({
  name: 'bench-store',
  ...deps,
  outbox: true,
  clock: steppingClock('2025-06-01T00:00:00.000Z', 1),
  idGenerator: sequentialIds('b'),
});
const sdb = storeDatabase(store);
// `let`: dropped before measuring the store's own heap (a deleted fake-indexeddb database is freed only then).
let raw = new StoreDatabase('bench-raw', { indexedDB: new IDBFactory(), IDBKeyRange });
if (NO_OBSERVABILITY) {
  // Experiment: without Dexie's liveQuery bookkeeping (see docs/benchmarks.md), in both databases.
  sdb.unuse({ stack: 'dbcore', name: 'Observability' });
  sdb.close();
  await sdb.open();
  raw.unuse({ stack: 'dbcore', name: 'Observability' });
}
await raw.open();
const layout = await detectLayout(sdb);
const rawLayout = await detectLayout(raw);
if (rawLayout.name !== layout.name) throw new Error('the baseline database does not have the store layout');
let rawTables = layout.writeTables.map((t) => raw.table(t));
log(`Storage layout: ${layout.name}; a write touches ${layout.writeTables.join(', ')}`);

const putEntry = (r: Resource): BundleEntry => ({ resource: r as BundleEntry['resource'], request: { method: 'PUT', url: `${r.resourceType}/${r.id!}` } });
const bundleOf = (resources: Resource[]): Bundle => ({ resourceType: 'Bundle', type: 'transaction', entry: resources.map(putEntry) });

/**
 * Runs a bulk call per slice of at most 1,000 rows, inside the caller's transaction. Both ends are slower in
 * fake-indexeddb: one call of 60,000 rows costs ~39 µs a row against ~15 µs in slices of 200–5,000 (its request
 * queue is an array it `shift()`s), and calls under 50 rows pay Dexie's per-key liveQuery bookkeeping.
 */
async function inSlices<T>(rows: T[], put: (xs: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) await put(rows.slice(i, i + 1000));
}

interface LoadStats {
  storeMs: number;
  rawMs: number;
  /** Paired per-chunk times, store and raw. */
  chunks: [number, number][];
  /** Rows written per table (the baseline's copy of the store's). */
  rows: Record<string, number>;
}

/** Writes rows into the baseline database in one transaction, table by table, each in slices. */
async function rawWrite(rows: Record<string, Record<string, unknown>[]>): Promise<void> {
  await raw.transaction('rw', rawTables, async () => {
    for (const name of layout.writeTables) {
      const t = raw.table(name);
      // history's key is generated (++seq), as in the store.
      await inSlices(rows[name] ?? [], (xs) => (name === 'history' ? t.bulkAdd(xs) : t.bulkPut(xs)));
    }
  });
}

async function bulkLoad(label: string, count: number, make: (i: number) => Resource): Promise<LoadStats> {
  const stats: LoadStats = { storeMs: 0, rawMs: 0, chunks: [], rows: {} };
  let lastLog = now();
  for (let from = 0; from < count; from += CHUNK) {
    const resources: Resource[] = [];
    for (let i = from; i < Math.min(count, from + CHUNK); i++) resources.push(make(i));
    const type = resources[0]!.resourceType;
    const bundle = bundleOf(resources);
    let t = now();
    const res = await store.transaction(bundle);
    const storeMs = now() - t;
    if ((res.entry?.length ?? 0) !== resources.length) throw new Error(`${label}: transaction answered ${res.entry?.length} entries for ${resources.length}`);

    const rows = await layout.rowsOf(sdb, type, resources.map((r) => r.id!));
    for (const [k, v] of Object.entries(rows)) if (k !== 'textStats' && k !== 'typeStats') stats.rows[k] = (stats.rows[k] ?? 0) + v.length;
    t = now();
    await rawWrite(rows);
    const rawMs = now() - t;
    stats.storeMs += storeMs;
    stats.rawMs += rawMs;
    stats.chunks.push([storeMs, rawMs]);
    const done = Math.min(count, from + CHUNK);
    if (now() - lastLog > 20_000 || done === count) {
      lastLog = now();
      log(
        `  ${label} ${n(done)}/${n(count)}: store ${us(stats.storeMs, done)}, raw ${us(stats.rawMs, done)} per resource ` +
          `(last chunk ${storeMs.toFixed(0)} / ${rawMs.toFixed(0)} ms) [${elapsed()}]`,
      );
    }
  }
  return stats;
}

log(`Loading ${n(P)} Patients, then ${n(N)} ImagingSelections, in transaction Bundles of ${n(CHUNK)}; the baseline writes the same rows after each …`);
const patientLoad = await bulkLoad('Patients', P, (i) => patient(i, P));
const selectionLoad = await bulkLoad('ImagingSelections', N, (i) => imagingSelection(i, N, P));

log(`Writing ${n(SAMPLE)} ImagingSelections one by one (PUT), the baseline likewise …`);
const sampleIds: string[] = [];
let oneByOneMs = 0;
let rawOneByOneMs = 0;
for (let k = 0; k < SAMPLE; k++) {
  const r = imagingSelection(N + k, N, P);
  sampleIds.push(r.id!);
  let t = now();
  const res = await store.handle({ method: 'PUT', url: `${IS}/${r.id!}`, body: r });
  oneByOneMs += now() - t;
  if (res.status !== 201) throw new Error(`one-by-one PUT answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
  const rows = await layout.rowsOf(sdb, IS, [r.id!]);
  t = now();
  await rawWrite(rows);
  rawOneByOneMs += now() - t;
}
log(`  store ${us(oneByOneMs, SAMPLE)}, raw ${us(rawOneByOneMs, SAMPLE)} per resource [${elapsed()}]`);

const tables = layout.writeTables;
const storeCounts: Record<string, number> = {};
const rawCounts: Record<string, number> = {};
for (const t of tables) storeCounts[t] = await sdb.table(t).count();
for (const t of tables) rawCounts[t] = await raw.table(t).count();
for (const t of tables) {
  if (rawCounts[t] !== storeCounts[t]) throw new Error(`baseline wrote ${rawCounts[t]} ${t} rows, the store holds ${storeCounts[t]}: not the same rows`);
}
log(`  same rows in both databases: ${tables.map((t) => `${t} ${n(storeCounts[t]!)}`).join(', ')}`);

// ---------------------------------------------------------------------------------------------------------
// 3. Queries: store.search beside raw Dexie reading the same rows from the same kind of index.

const counter = new ReadCounter();
await countReads(sdb, counter);
const TOTAL = N + SAMPLE;

const rows = (type: string, param: string, lower: string | number, upper: string | number): Promise<ResourceRow[]> => layout.rows(raw, type, param, lower, upper);
const load = (type: string, ids: string[]): Promise<ResourceRow[]> => layout.byIds(raw, type, ids);

// Query values, chosen from the generator's distributions.
const accValue = accession(123, N);
const accExpected = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => accession(i, N) === accValue).length;
const family = familyName(7 % familyCount(P));
const noun = NOUNS[17]!;
const nounTerm = [...textTerms(noun).keys()][0]!;
const day = 86_400_000;
const rangeFrom = ISSUED_FROM + 425 * day; // 2024-03-01
const rangeTo = rangeFrom + 10 * day;
const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const month = iso(rangeFrom).slice(0, 7);
const monthFrom = rangeFrom;
const monthTo = Date.UTC(new Date(rangeFrom).getUTCFullYear(), new Date(rangeFrom).getUTCMonth() + 1, 1);
if (rangeTo > ISSUED_FROM + ISSUED_SPAN_MS) throw new Error('date range out of the data');

interface QuerySpec {
  name: string;
  query: string;
  /** Selective: matches under 5% of rows through an indexed parameter. */
  selective: boolean;
  raw: () => Promise<number>;
  target?: number;
  /** What a suggested fix would cost, measured with raw Dexie on the same rows. */
  fix?: { label: string; run: () => Promise<number> };
}

const tokenKey = key.systemCode('http://bench.example.org/accession', accValue);
const patientRefs = (rows: ResourceRow[]): string[] =>
  rows.flatMap((r) => rowIndex(r).filter((e) => e.param === 'subject' && typeof e.value === 'string' && e.value.startsWith(key.ref('Patient/'))).map((e) => String(e.value).slice(key.ref('Patient/').length)));

let nextUrl: string | undefined;
const queries: QuerySpec[] = [
  {
    name: 'token (identifier, ~50 rows)',
    query: `identifier=http://bench.example.org/accession|${accValue}`,
    selective: true,
    target: 2,
    raw: async () => (await rows(IS, 'identifier', tokenKey, tokenKey)).length,
  },
  {
    name: 'date range (issued ge&lt, 10 days)',
    query: `issued=ge${iso(rangeFrom)}&issued=lt${iso(rangeTo)}`,
    selective: true,
    raw: async () => (await rows(IS, 'issued', rangeFrom, rangeTo - 1)).length,
    fix: {
      label: 'intersect the keys of both clauses (high ≥ from, low < to), then load',
      run: async () => {
        const ge = new Set(await layout.ids(raw, IS, 'issued', rangeFrom, Infinity, 'high'));
        const lt = (await layout.ids(raw, IS, 'issued', -Infinity, rangeTo - 1)).filter((id) => ge.has(id));
        return (await load(IS, lt)).length;
      },
    },
  },
  {
    name: `date month (issued=${month})`,
    query: `issued=${month}`,
    selective: true,
    raw: async () => (await rows(IS, 'issued', monthFrom, monthTo - 1)).length,
  },
  {
    name: 'chain (subject:Patient.family)',
    query: `subject:Patient.family=${family}`,
    selective: true,
    raw: async () => {
      const fam = key.string(normaliseText(family));
      const pids = await layout.ids(raw, 'Patient', 'family', fam, `${fam}\uffff`);
      const found = new Map<string, ResourceRow>();
      for (const pid of pids) for (const r of await rows(IS, 'subject', key.ref(`Patient/${pid}`), key.ref(`Patient/${pid}`))) found.set(r.id, r);
      return found.size;
    },
  },
  {
    name: '_include=ImagingSelection:subject',
    query: `identifier=http://bench.example.org/accession|${accValue}&_include=ImagingSelection:subject`,
    selective: true,
    raw: async () => {
      const matches = await rows(IS, 'identifier', tokenKey, tokenKey);
      const pats = await load('Patient', patientRefs(matches));
      return matches.length + pats.length;
    },
  },
  {
    name: `_text=${noun}`,
    query: `_text=${noun}`,
    selective: true,
    raw: async () => {
      return (await layout.termRows(raw, IS, '_text', nounTerm)).length;
    },
  },
  {
    name: '_sort=-issued&_count=20 (page 1)',
    query: '_sort=-issued&_count=20',
    selective: false,
    raw: async () => {
      return (await load(IS, await layout.datePage(raw, IS, 'issued', true, 0, 20))).length;
    },
  },
  {
    name: '_sort=-issued&_count=20 (page 2)',
    query: 'NEXT',
    selective: false,
    raw: async () => {
      return (await load(IS, await layout.datePage(raw, IS, 'issued', true, 20, 20))).length;
    },
  },
];

async function runStore(q: QuerySpec): Promise<Bundle> {
  if (q.query === 'NEXT') {
    if (!nextUrl) throw new Error('no next link from page 1');
    const res = await store.handle({ method: 'GET', url: nextUrl });
    if (res.status !== 200) throw new Error(`next page answered ${res.status}`);
    return res.body as Bundle;
  }
  return store.search(IS, q.query);
}

const skipped = queries.filter((q) => SKIP.some((w) => q.name.includes(w))).map((q) => q.name);
const queryResults: QueryResult[] = [];
log();
log(`Queries over ${TOTAL.toLocaleString('en')} ImagingSelections (median ms of 7–15 runs after a warm-up, store and baseline alternating) …`);
for (const q of queries) {
  if (skipped.includes(q.name)) {
    log(`  ${pad(q.name, 40)} skipped (BENCH_SKIP)`);
    continue;
  }
  counter.reset();
  const t0 = now();
  const first = await runStore(q);
  const firstMs = now() - t0;
  const rowsRead = counter.rowsOf('resources');
  const keysRead = [...counter.keys.values()].reduce((a, b) => a + b, 0);
  const cursors = [...counter.cursors.values()].reduce((a, b) => a + b, 0);
  if (q.query === '_sort=-issued&_count=20') nextUrl = first.link?.find((l) => l.relation === 'next')?.url;
  const matched = (first.entry ?? []).filter((e) => e.search?.mode === 'match').length;
  const included = (first.entry ?? []).filter((e) => e.search?.mode === 'include').length;
  const total = first.total ?? matched;
  const rawRows = await q.raw();
  // Store and baseline alternate run by run, so both see the same noise from the machine.
  const { a: storeTime, b: rawTime } = await timePair(() => runStore(q), q.raw, { warmMs: firstMs });
  const fixTime = q.fix ? await timeRuns(q.fix.run, { budgetMs: 2_000 }) : undefined;
  const fixRows = q.fix ? await q.fix.run() : undefined;
  const fraction = total / TOTAL;
  const result: QueryResult = {
    name: q.name,
    query: q.query === 'NEXT' ? '(next link of page 1)' : q.query,
    storeMs: storeTime.median,
    rawMs: rawTime.median,
    storeRuns: storeTime.runs.length,
    matched: total,
    returned: matched + included,
    rawRows,
    rowsRead,
    keysRead,
    cursors,
    tableRows: TOTAL,
    selective: q.selective && fraction < 0.05,
    readsEverything: rowsRead >= TOTAL,
    ...(q.target !== undefined ? { target: q.target } : {}),
    ...(q.fix && fixTime ? { fix: { label: q.fix.label, ms: fixTime.median, rows: fixRows! } } : {}),
  };
  queryResults.push(result);
  log(`  ${pad(q.name, 40)} store ${padl(fmtMs(result.storeMs), 8)} ms  raw ${padl(fmtMs(result.rawMs), 7)} ms  ${padl(ratio(result.storeMs, result.rawMs), 8)}  matched ${padl(total, 6)}  read ${padl(rowsRead, 6)} rows [${elapsed()}]`);
}
if (queryResults[0]!.matched !== accExpected) throw new Error(`token search matched ${queryResults[0]!.matched}, expected ${accExpected}`);

// ---------------------------------------------------------------------------------------------------------
// 4. Memory retained by the store alone: drop the baseline's database and collect (needs --expose-gc).

const gc = (globalThis as { gc?: () => void }).gc;
/** The heap in use after two full collections, when gc is exposed. */
const heapAfterGc = (): number | undefined => {
  if (!gc) return undefined;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const bothHeapBytes = heapAfterGc();
raw.close();
await raw.delete();
raw = undefined as unknown as StoreDatabase;
rawTables = [];
const storeHeapBytes = heapAfterGc();
memory.stop();

// ---------------------------------------------------------------------------------------------------------
// 5. Report.

const writes: WriteResult[] = [
  { name: `ImagingSelection bulk (transaction Bundle of ${CHUNK})`, count: N, storeMs: selectionLoad.storeMs, rawMs: selectionLoad.rawMs, target: 1.5 },
  { name: 'ImagingSelection one by one (PUT)', count: SAMPLE, storeMs: oneByOneMs, rawMs: rawOneByOneMs },
  { name: `Patient bulk (transaction Bundle of ${CHUNK})`, count: P, storeMs: patientLoad.storeMs, rawMs: patientLoad.rawMs },
];

// BENCH_COMMIT names the code measured when it is not a git checkout (e.g. an exported snapshot).
let commit = process.env.BENCH_COMMIT ?? 'unknown';
if (!process.env.BENCH_COMMIT) {
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execSync('git status --porcelain -- src', { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    if (dirty) commit += ' + uncommitted src changes';
  } catch {
    /* not a git checkout */
  }
}

const chunkStore = selectionLoad.chunks.map((c) => c[0]);
const chunkRaw = selectionLoad.chunks.map((c) => c[1]);
const chunkRatioMedian = median(selectionLoad.chunks.map(([a, b]) => a / b));
const result: BenchResult = {
  date: new Date().toISOString(),
  commit,
  variant: NO_OBSERVABILITY ? 'no-observability' : 'default',
  layout: layout.name,
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` },
  versions: {
    dexie: Dexie.semVer,
    fakeIndexedDb: (JSON.parse(readFileSync(new URL('node_modules/fake-indexeddb/package.json', ROOT), 'utf8')) as { version: string }).version,
  },
  scale: SCALE,
  selections: N,
  patients: P,
  chunk: CHUNK,
  sample: SAMPLE,
  rowsPerSelection: Object.fromEntries(Object.entries(selectionLoad.rows).map(([k, v]) => [k, v / N])),
  tableRows: storeCounts,
  writes,
  queries: queryResults,
  ...(skipped.length > 0 ? { skipped } : {}),
  peakRssBytes: memory.maxRss,
  peakHeapBytes: memory.maxHeap,
  ...(storeHeapBytes !== undefined ? { storeHeapBytes } : {}),
  ...(bothHeapBytes !== undefined ? { bothHeapBytes } : {}),
  wallSeconds: (now() - started) / 1000,
  chunkRatioMedian,
  chunkMs: {
    store: { first: chunkStore[0] ?? 0, median: median(chunkStore), last: chunkStore[chunkStore.length - 1] ?? 0 },
    raw: { first: chunkRaw[0] ?? 0, median: median(chunkRaw), last: chunkRaw[chunkRaw.length - 1] ?? 0 },
  },
};

log();
log(`Scale ${SCALE}: ${n(N)} ImagingSelections, ${n(P)} Patients${NO_OBSERVABILITY ? "; EXPERIMENT: Dexie's Observability middleware removed from both databases" : ''}`);
log();
log(`Writes, per resource                                   store        raw Dexie    ratio    target`);
for (const w of writes) {
  const r = w.storeMs / w.rawMs;
  log(`  ${pad(w.name, 50)} ${padl(((w.storeMs / w.count) * 1000).toFixed(0), 7)} µs  ${padl(((w.rawMs / w.count) * 1000).toFixed(0), 7)} µs  ${padl(r.toFixed(2) + 'x', 7)}  ${w.target ? `≤ ${w.target}x ${r <= w.target ? 'MET' : 'MISSED'}` : ''}`);
}
log(`  rows per ImagingSelection: ${Object.entries(result.rowsPerSelection).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')} (+ text statistics)`);
const cm = result.chunkMs;
log(`  per-chunk ratio store/raw: median ${chunkRatioMedian.toFixed(2)}x (the total ratio above includes GC pauses, which land on whichever side is running)`);
log(`  chunk of ${CHUNK}, store / raw: first ${fmtMs(cm.store.first)} / ${fmtMs(cm.raw.first)} ms, median ${fmtMs(cm.store.median)} / ${fmtMs(cm.raw.median)} ms, last ${fmtMs(cm.store.last)} / ${fmtMs(cm.raw.last)} ms`);
log();
log(`Queries (median ms)                        store       raw    ratio  matched  rows read  keys read  selective  reads all?  target`);
for (const q of queryResults) {
  const r = q.storeMs / q.rawMs;
  const target = q.target ? `≤ ${q.target}x ${r <= q.target ? 'MET' : 'MISSED'}` : '';
  const all = q.readsEverything ? (q.selective ? 'YES (violation)' : 'yes') : 'no';
  log(`  ${pad(q.name, 40)} ${padl(fmtMs(q.storeMs), 8)} ${padl(fmtMs(q.rawMs), 8)} ${padl(ratio(q.storeMs, q.rawMs), 8)} ${padl(q.matched, 8)} ${padl(q.rowsRead, 10)} ${padl(q.keysRead, 10)}  ${pad(q.selective ? 'yes' : 'no', 9)}  ${pad(all, 10)}  ${target}`);
  if (q.fix) log(`      suggested fix, raw Dexie: ${q.fix.label}: ${fmtMs(q.fix.ms)} ms, ${q.fix.rows} rows`);
}
log();
log(`Peak memory: rss ${fmtMiB(memory.maxRss)}, heapUsed ${fmtMiB(memory.maxHeap)} (sampled every 200 ms; store and baseline databases both in memory)`);
if (bothHeapBytes !== undefined) log(`Heap after GC with both databases: ${fmtMiB(bothHeapBytes)}`);
if (storeHeapBytes !== undefined) log(`Heap retained by the store alone after loading (baseline deleted, after GC): ${fmtMiB(storeHeapBytes)}`);
log(`Wall time ${result.wallSeconds.toFixed(0)} s at scale ${SCALE}`);

mkdirSync(new URL('bench/results/', ROOT), { recursive: true });
const resultName = `scale-${SCALE}${NO_OBSERVABILITY ? '-no-observability' : ''}.json`;
writeFileSync(new URL(`bench/results/${resultName}`, ROOT), `${JSON.stringify(result, null, 2)}\n`);
if (WRITE_DOCS) {
  const all = readdirSync(new URL('bench/results/', ROOT))
    .filter((f) => /^scale-.*\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(new URL(`bench/results/${f}`, ROOT), 'utf8')) as BenchResult);
  writeFileSync(new URL('docs/benchmarks.md', ROOT), withChromiumSection(renderDocs(all)));
  log(`Wrote docs/benchmarks.md and bench/results/${resultName}`);
} else {
  log(`Wrote bench/results/${resultName}`);
}
store.close();
