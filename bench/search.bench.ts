/**
 * `npm run bench`: loads generated Patients and ImagingSelections into a store on fake-indexeddb and measures
 * writes and searches beside a raw-Dexie baseline that writes and reads the same rows in the same run.
 *
 * Environment:
 * - `BENCH_SCALE` (default 1): 1 = 100,000 ImagingSelections over 5,000 Patients; 0.1 = 10,000 over 500.
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
import type { HistoryRow, OutboxRow, PostingRow, ResourceRow, SearchIndexRow, TextStatsRow } from '../src/storage/rows.js';
import { StoreDatabase } from '../src/storage/schema.js';
import { key, normaliseText } from '../src/search/index-entry.js';
import { textTerms } from '../src/search/text/index.js';
import { accession, familyCount, familyName, imagingSelection, ISSUED_FROM, ISSUED_SPAN_MS, NOUNS, patient } from './generate.js';
import { countReads, fmtMiB, fmtMs, MemorySampler, median, now, ratio, ReadCounter, timeRuns } from './measure.js';
import { renderDocs, type BenchResult, type QueryResult, type WriteResult } from './report.js';

const IS = 'ImagingSelection';
const SCALE = Number(process.env.BENCH_SCALE ?? '1');
if (!(SCALE > 0)) throw new Error(`BENCH_SCALE must be a positive number, got ${process.env.BENCH_SCALE}`);
const N = Math.round(100_000 * SCALE);
const P = Math.max(20, Math.round(5_000 * SCALE));
const CHUNK = Number(process.env.BENCH_CHUNK ?? '1000');
const SAMPLE = Number(process.env.BENCH_SAMPLE ?? String(Math.min(2_000, Math.max(200, Math.round(N * 0.02)))));
const WRITE_DOCS = process.env.BENCH_DOCS !== '0';
const ROOT = new URL('../', import.meta.url);

const log = (s = ''): void => {
  process.stdout.write(`${s}\n`);
};
const pad = (s: string | number, n: number): string => String(s).padEnd(n);
const padl = (s: string | number, n: number): string => String(s).padStart(n);

const memory = new MemorySampler();
memory.start(200);
const started = now();
const elapsed = (): string => `${((now() - started) / 1000).toFixed(0)} s`;

log(`fhir-offline-store search benchmark: scale ${SCALE} = ${N.toLocaleString('en')} ImagingSelections over ${P.toLocaleString('en')} Patients`);
log(`transaction Bundles of ${CHUNK}; one-by-one sample ${SAMPLE}; ${os.cpus().length} CPUs, ${fmtMiB(os.totalmem())} RAM, node ${process.version}`);
log();

// ---------------------------------------------------------------------------------------------------------
// 1. Store: bulk load in transaction Bundles, then a sample one by one.

const store: Store = await openStore({
  name: 'bench-store',
  indexedDB: new IDBFactory(),
  IDBKeyRange,
  outbox: true,
  clock: steppingClock('2025-06-01T00:00:00.000Z', 1),
  idGenerator: sequentialIds('b'),
});

const putEntry = (r: Resource): BundleEntry => ({ resource: r as BundleEntry['resource'], request: { method: 'PUT', url: `${r.resourceType}/${r.id!}` } });
const bundleOf = (resources: Resource[]): Bundle => ({ resourceType: 'Bundle', type: 'transaction', entry: resources.map(putEntry) });

async function bulkLoad(label: string, count: number, make: (i: number) => Resource): Promise<{ ms: number; chunks: number[] }> {
  let ms = 0;
  const chunks: number[] = [];
  let lastLog = now();
  for (let from = 0; from < count; from += CHUNK) {
    const resources: Resource[] = [];
    for (let i = from; i < Math.min(count, from + CHUNK); i++) resources.push(make(i));
    const bundle = bundleOf(resources);
    const t = now();
    const res = await store.transaction(bundle);
    const d = now() - t;
    if ((res.entry?.length ?? 0) !== resources.length) throw new Error(`${label}: transaction answered ${res.entry?.length} entries for ${resources.length}`);
    ms += d;
    chunks.push(d);
    if (now() - lastLog > 15_000) {
      lastLog = now();
      const done = Math.min(count, from + CHUNK);
      log(`  … ${label} ${done.toLocaleString('en')}/${count.toLocaleString('en')} in ${(ms / 1000).toFixed(0)} s (${((ms / done) * 1000).toFixed(0)} µs each; last chunk ${d.toFixed(0)} ms) [${elapsed()}]`);
    }
  }
  return { ms, chunks };
}

log(`Loading ${P} Patients …`);
const patientLoad = await bulkLoad('Patients', P, (i) => patient(i, P));
log(`Loading ${N} ImagingSelections in transaction Bundles of ${CHUNK} …`);
const selectionLoad = await bulkLoad('ImagingSelections', N, (i) => imagingSelection(i, N, P));
log(`  store bulk: ${(selectionLoad.ms / 1000).toFixed(1)} s, ${((selectionLoad.ms / N) * 1000).toFixed(0)} µs per resource [${elapsed()}]`);

const sampleIds: string[] = [];
let oneByOneMs = 0;
for (let k = 0; k < SAMPLE; k++) {
  const r = imagingSelection(N + k, N, P);
  sampleIds.push(r.id!);
  const t = now();
  const res = await store.handle({ method: 'PUT', url: `${IS}/${r.id!}`, body: r });
  oneByOneMs += now() - t;
  if (res.status !== 201) throw new Error(`one-by-one PUT answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
}
log(`  store one by one (PUT): ${((oneByOneMs / SAMPLE) * 1000).toFixed(0)} µs per resource [${elapsed()}]`);

// ---------------------------------------------------------------------------------------------------------
// 2. Raw Dexie: the same tables and indexes (the store's own schema class, no middleware, no logic), written
//    with the very rows the store wrote, chunk by chunk in one transaction each, then the sample one by one.

const sdb = store.database;
const tables = ['resources', 'history', 'searchIndex', 'outbox', 'postings', 'textStats'] as const;
const storeCounts: Record<string, number> = {};
for (const t of tables) storeCounts[t] = await sdb.table(t).count();

interface RowsOf {
  resources: ResourceRow[];
  history: Omit<HistoryRow, 'seq'>[];
  searchIndex: SearchIndexRow[];
  outbox: OutboxRow[];
  postings: PostingRow[];
}

/** The rows the store holds for these resources (index and posting rows are the ones `write.ts` derives from the row). */
async function rowsOf(type: string, ids: string[]): Promise<RowsOf> {
  const resources = (await sdb.resources.bulkGet(ids.map((id) => [type, id] as [string, string]))).map((r, i) => {
    if (!r) throw new Error(`${type}/${ids[i]} missing from the store`);
    return r;
  });
  const history = (await sdb.history.where('[type+id+versionId]').anyOf(resources.map((r) => [type, r.id, r.versionId])).toArray()).map(({ seq: _seq, ...h }) => h);
  const outbox = (await sdb.outbox.bulkGet(ids.map((id) => [type, id] as [string, string]))).filter((o): o is OutboxRow => o !== undefined);
  const searchIndex: SearchIndexRow[] = [];
  const postings: PostingRow[] = [];
  for (const r of resources) {
    const seen = new Set<string>();
    for (const e of r.index) {
      const k = `${e.param}\u0000${typeof e.value}${String(e.value)}`;
      if (seen.has(k)) continue;
      seen.add(k);
      searchIndex.push({ type, param: e.param, value: e.value, id: r.id, ...(e.high !== undefined ? { high: e.high } : {}) });
    }
    for (const field of ['_text', '_content'] as const) for (const [term, tf] of r.text?.[field]?.terms ?? []) postings.push({ type, field, term, id: r.id, tf });
  }
  return { resources, history, searchIndex, outbox, postings };
}

const raw = new StoreDatabase('bench-raw', { indexedDB: new IDBFactory(), IDBKeyRange });
await raw.open();
const rawTables = [raw.resources, raw.history, raw.searchIndex, raw.outbox, raw.postings, raw.textStats];
const stats = new Map<string, TextStatsRow>();
function addStats(rows: RowsOf): TextStatsRow[] {
  const touched = new Set<string>();
  for (const r of rows.resources) {
    for (const field of ['_text', '_content'] as const) {
      const doc = r.text?.[field];
      if (!doc) continue;
      const k = `${r.type}|${field}`;
      const s = stats.get(k) ?? { type: r.type, field, docs: 0, length: 0 };
      s.docs += 1;
      s.length += doc.length;
      stats.set(k, s);
      touched.add(k);
    }
  }
  return [...touched].map((k) => ({ ...stats.get(k)! }));
}

async function rawBulk(type: string, count: number, idOf: (i: number) => string): Promise<{ ms: number; rowsPerResource: Record<string, number> }> {
  let ms = 0;
  const totals: Record<string, number> = { resources: 0, history: 0, searchIndex: 0, outbox: 0, postings: 0 };
  for (let from = 0; from < count; from += CHUNK) {
    const ids: string[] = [];
    for (let i = from; i < Math.min(count, from + CHUNK); i++) ids.push(idOf(i));
    const rows = await rowsOf(type, ids);
    const textStats = addStats(rows);
    for (const k of Object.keys(totals)) totals[k]! += rows[k as keyof RowsOf].length;
    const t = now();
    await raw.transaction('rw', rawTables, async () => {
      await raw.resources.bulkPut(rows.resources);
      await raw.history.bulkAdd(rows.history as HistoryRow[]);
      await raw.searchIndex.bulkPut(rows.searchIndex);
      await raw.outbox.bulkPut(rows.outbox);
      await raw.postings.bulkPut(rows.postings);
      await raw.textStats.bulkPut(textStats);
    });
    ms += now() - t;
  }
  const rowsPerResource = Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, v / count]));
  return { ms, rowsPerResource };
}

log(`Raw Dexie baseline: writing the same rows …`);
const rawPatients = await rawBulk('Patient', P, (i) => `p${i}`);
const rawSelections = await rawBulk(IS, N, (i) => `is${i}`);
log(`  raw bulk: ${(rawSelections.ms / 1000).toFixed(1)} s, ${((rawSelections.ms / N) * 1000).toFixed(0)} µs per resource [${elapsed()}]`);

let rawOneByOneMs = 0;
for (const id of sampleIds) {
  const rows = await rowsOf(IS, [id]);
  const textStats = addStats(rows);
  const t = now();
  await raw.transaction('rw', rawTables, async () => {
    await raw.resources.put(rows.resources[0]!);
    await raw.history.add(rows.history[0] as HistoryRow);
    await raw.searchIndex.bulkPut(rows.searchIndex);
    if (rows.outbox[0]) await raw.outbox.put(rows.outbox[0]);
    await raw.postings.bulkPut(rows.postings);
    await raw.textStats.bulkPut(textStats);
  });
  rawOneByOneMs += now() - t;
}
log(`  raw one by one: ${((rawOneByOneMs / SAMPLE) * 1000).toFixed(0)} µs per resource [${elapsed()}]`);

const rawCounts: Record<string, number> = {};
for (const t of tables) rawCounts[t] = await raw.table(t).count();
for (const t of tables) {
  if (rawCounts[t] !== storeCounts[t]) throw new Error(`baseline wrote ${rawCounts[t]} ${t} rows, the store holds ${storeCounts[t]}: not the same rows`);
}
log(`  same rows in both: ${tables.map((t) => `${t} ${storeCounts[t]!.toLocaleString('en')}`).join(', ')}`);

// ---------------------------------------------------------------------------------------------------------
// 3. Queries: store.search beside raw Dexie reading the same rows from the same kind of index.

const counter = new ReadCounter();
await countReads(sdb, counter);
const TOTAL = N + SAMPLE;

const rangeIds = async (type: string, param: string, lower: string | number, upper: string | number): Promise<string[]> =>
  (await raw.searchIndex.where('[type+param+value+id]').between([type, param, lower, Dexie.minKey], [type, param, upper, Dexie.maxKey], true, true).primaryKeys()).map((k) => k[3]);
const load = async (type: string, ids: string[]): Promise<ResourceRow[]> =>
  (await raw.resources.bulkGet([...new Set(ids)].map((id) => [type, id] as [string, string]))).filter((r): r is ResourceRow => r !== undefined && r.deleted === 0);

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
}

const tokenKey = key.systemCode('http://bench.example.org/accession', accValue);
const patientRefs = (rows: ResourceRow[]): string[] =>
  rows.flatMap((r) => r.index.filter((e) => e.param === 'subject' && typeof e.value === 'string' && e.value.startsWith(key.ref('Patient/'))).map((e) => String(e.value).slice(key.ref('Patient/').length)));

let nextUrl: string | undefined;
const queries: QuerySpec[] = [
  {
    name: 'token (identifier, ~50 rows)',
    query: `identifier=http://bench.example.org/accession|${accValue}`,
    selective: true,
    target: 2,
    raw: async () => (await load(IS, await rangeIds(IS, 'identifier', tokenKey, tokenKey))).length,
  },
  {
    name: 'date range (issued ge&lt, 10 days)',
    query: `issued=ge${iso(rangeFrom)}&issued=lt${iso(rangeTo)}`,
    selective: true,
    raw: async () => (await load(IS, await rangeIds(IS, 'issued', rangeFrom, rangeTo - 1))).length,
  },
  {
    name: `date month (issued=${month})`,
    query: `issued=${month}`,
    selective: true,
    raw: async () => (await load(IS, await rangeIds(IS, 'issued', monthFrom, monthTo - 1))).length,
  },
  {
    name: 'chain (subject:Patient.family)',
    query: `subject:Patient.family=${family}`,
    selective: true,
    raw: async () => {
      const fam = key.string(normaliseText(family));
      const pids = [...new Set(await rangeIds('Patient', 'family', fam, `${fam}\uffff`))];
      const ids: string[] = [];
      for (const pid of pids) ids.push(...(await rangeIds(IS, 'subject', key.ref(`Patient/${pid}`), key.ref(`Patient/${pid}`))));
      return (await load(IS, ids)).length;
    },
  },
  {
    name: '_include=ImagingSelection:subject',
    query: `identifier=http://bench.example.org/accession|${accValue}&_include=ImagingSelection:subject`,
    selective: true,
    raw: async () => {
      const rows = await load(IS, await rangeIds(IS, 'identifier', tokenKey, tokenKey));
      const pats = await load('Patient', patientRefs(rows));
      return rows.length + pats.length;
    },
  },
  {
    name: `_text=${noun}`,
    query: `_text=${noun}`,
    selective: true,
    raw: async () => {
      const postings = await raw.postings.where('[type+field+term+id]').between([IS, '_text', nounTerm, Dexie.minKey], [IS, '_text', nounTerm, Dexie.maxKey]).primaryKeys();
      return (await load(IS, postings.map((k) => k[3]))).length;
    },
  },
  {
    name: '_sort=-issued&_count=20 (page 1)',
    query: '_sort=-issued&_count=20',
    selective: false,
    raw: async () => {
      const pks = await raw.searchIndex.where('[type+param+value+id]').between([IS, 'issued', -Infinity, Dexie.minKey], [IS, 'issued', Infinity, Dexie.maxKey]).reverse().limit(20).primaryKeys();
      return (await load(IS, pks.map((k) => k[3]))).length;
    },
  },
  {
    name: '_sort=-issued&_count=20 (page 2)',
    query: 'NEXT',
    selective: false,
    raw: async () => {
      const pks = await raw.searchIndex.where('[type+param+value+id]').between([IS, 'issued', -Infinity, Dexie.minKey], [IS, 'issued', Infinity, Dexie.maxKey]).reverse().offset(20).limit(20).primaryKeys();
      return (await load(IS, pks.map((k) => k[3]))).length;
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

const queryResults: QueryResult[] = [];
log();
log(`Queries over ${TOTAL.toLocaleString('en')} ImagingSelections (median ms of several runs after a warm-up) …`);
for (const q of queries) {
  counter.reset();
  const first = await runStore(q);
  const rowsRead = counter.rowsOf('resources');
  const keysRead = counter.keysOf('searchIndex') + counter.keysOf('postings') + counter.keysOf('resources');
  const cursors = [...counter.cursors.values()].reduce((a, b) => a + b, 0);
  if (q.query === '_sort=-issued&_count=20') nextUrl = first.link?.find((l) => l.relation === 'next')?.url;
  const matched = (first.entry ?? []).filter((e) => e.search?.mode === 'match').length;
  const included = (first.entry ?? []).filter((e) => e.search?.mode === 'include').length;
  const total = first.total ?? matched;
  const rawRows = await q.raw();
  const storeTime = await timeRuns(() => runStore(q), { budgetMs: 4_000 });
  const rawTime = await timeRuns(q.raw, { budgetMs: 2_000 });
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
  };
  queryResults.push(result);
  log(`  ${pad(q.name, 40)} store ${padl(fmtMs(result.storeMs), 8)} ms  raw ${padl(fmtMs(result.rawMs), 7)} ms  ${padl(ratio(result.storeMs, result.rawMs), 8)}  matched ${padl(total, 6)}  read ${padl(rowsRead, 6)} rows [${elapsed()}]`);
}
if (queryResults[0]!.matched !== accExpected) throw new Error(`token search matched ${queryResults[0]!.matched}, expected ${accExpected}`);

memory.stop();

// ---------------------------------------------------------------------------------------------------------
// 4. Report.

const writes: WriteResult[] = [
  { name: `ImagingSelection bulk (transaction Bundle of ${CHUNK})`, count: N, storeMs: selectionLoad.ms, rawMs: rawSelections.ms, target: 1.5 },
  { name: 'ImagingSelection one by one (PUT)', count: SAMPLE, storeMs: oneByOneMs, rawMs: rawOneByOneMs },
  { name: `Patient bulk (transaction Bundle of ${CHUNK})`, count: P, storeMs: patientLoad.ms, rawMs: rawPatients.ms },
];

let commit = 'unknown';
try {
  commit = execSync('git rev-parse --short HEAD', { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  const dirty = execSync('git status --porcelain -- src', { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  if (dirty) commit += ' + uncommitted src changes';
} catch {
  /* not a git checkout */
}

const result: BenchResult = {
  date: new Date().toISOString(),
  commit,
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
  rowsPerSelection: rawSelections.rowsPerResource,
  tableRows: storeCounts,
  writes,
  queries: queryResults,
  peakRssBytes: memory.maxRss,
  peakHeapBytes: memory.maxHeap,
  wallSeconds: (now() - started) / 1000,
  chunkMsMedian: median(selectionLoad.chunks),
  chunkMsFirst: selectionLoad.chunks[0] ?? 0,
  chunkMsLast: selectionLoad.chunks[selectionLoad.chunks.length - 1] ?? 0,
};

log();
log(`Writes, per resource                                   store        raw Dexie    ratio    target`);
for (const w of writes) {
  const r = w.storeMs / w.rawMs;
  log(`  ${pad(w.name, 50)} ${padl(((w.storeMs / w.count) * 1000).toFixed(0), 7)} µs  ${padl(((w.rawMs / w.count) * 1000).toFixed(0), 7)} µs  ${padl(r.toFixed(2) + 'x', 7)}  ${w.target ? `≤ ${w.target}x ${r <= w.target ? 'MET' : 'MISSED'}` : ''}`);
}
log(`  rows per ImagingSelection: ${Object.entries(result.rowsPerSelection).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
log(`  bulk chunk time: first ${fmtMs(result.chunkMsFirst)} ms, median ${fmtMs(result.chunkMsMedian)} ms, last ${fmtMs(result.chunkMsLast)} ms`);
log();
log(`Queries (median ms)                        store       raw    ratio  matched  rows read  keys read  selective  reads all?  target`);
for (const q of queryResults) {
  const r = q.storeMs / q.rawMs;
  const target = q.target ? `≤ ${q.target}x ${r <= q.target ? 'MET' : 'MISSED'}` : '';
  const all = q.readsEverything ? (q.selective ? 'YES (violation)' : 'yes') : 'no';
  log(`  ${pad(q.name, 40)} ${padl(fmtMs(q.storeMs), 8)} ${padl(fmtMs(q.rawMs), 8)} ${padl(ratio(q.storeMs, q.rawMs), 8)} ${padl(q.matched, 8)} ${padl(q.rowsRead, 10)} ${padl(q.keysRead, 10)}  ${pad(q.selective ? 'yes' : 'no', 9)}  ${pad(all, 10)}  ${target}`);
}
log();
log(`Peak memory: rss ${fmtMiB(memory.maxRss)}, heapUsed ${fmtMiB(memory.maxHeap)} (sampled every 200 ms; both databases are in memory)`);
log(`Wall time ${result.wallSeconds.toFixed(0)} s at scale ${SCALE}`);

mkdirSync(new URL('bench/results/', ROOT), { recursive: true });
const resultFile = new URL(`bench/results/scale-${SCALE}.json`, ROOT);
writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`);
if (WRITE_DOCS) {
  const all = readdirSync(new URL('bench/results/', ROOT))
    .filter((f) => /^scale-.*\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(new URL(`bench/results/${f}`, ROOT), 'utf8')) as BenchResult)
    .sort((a, b) => b.scale - a.scale);
  writeFileSync(new URL('docs/benchmarks.md', ROOT), renderDocs(all));
  log(`Wrote docs/benchmarks.md and bench/results/scale-${SCALE}.json`);
}
store.close();
raw.close();
