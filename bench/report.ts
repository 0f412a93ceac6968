/**
 * Renders docs/benchmarks.md from the saved results of `npm run bench` (bench/results/scale-*.json, one per
 * scale, largest first) and the hand-written analysis in bench/analysis.md.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import type { LatencyFigure } from './doorbell-latency.js';

export interface WriteResult {
  name: string;
  count: number;
  storeMs: number;
  rawMs: number;
  target?: number;
}

export interface QueryResult {
  name: string;
  query: string;
  storeMs: number;
  rawMs: number;
  storeRuns: number;
  /** Matches over all pages (Bundle.total). */
  matched: number;
  /** Entries in the returned page (matches and includes). */
  returned: number;
  /** Rows the raw baseline read. */
  rawRows: number;
  /** `resources` rows the store read (get, getMany, query with values). */
  rowsRead: number;
  /** Index keys the store read (primary keys of searchIndex, postings, resources). */
  keysRead: number;
  cursors: number;
  tableRows: number;
  selective: boolean;
  readsEverything: boolean;
  target?: number;
  /** A suggested fix, measured with raw Dexie on the same rows. */
  fix?: { label: string; ms: number; rows: number };
}

/** One figure of the sync benchmark (bench/sync.bench.ts). */
export interface SyncFigure {
  name: string;
  count: number;
  ms: number;
  perSecond: number;
  /** Raw Dexie writes of the same rows, in the same run. */
  rawPerSecond: number;
  /** Target in resources per second, when the issue set one. */
  target?: number | undefined;
  /**
   * What the server alone accepts of the same requests, replayed by a plain HTTP client with the same concurrency
   * in the same run (pushes only). A target is also met at 80% of it.
   */
  serverPerSecond?: number | undefined;
}

/** Whether a figure meets its target: the rate itself, or (when the server alone was measured) 80% of the server's rate. */
function verdictOf(f: SyncFigure): string {
  if (f.target === undefined) return '';
  const met = f.perSecond >= f.target || (f.serverPerSecond !== undefined && f.perSecond >= 0.8 * f.serverPerSecond);
  return `≥ ${n(f.target)}/s${f.serverPerSecond !== undefined ? ' or ≥ 80% of the server alone' : ''}: ${met ? 'met' : '**missed**'}`;
}

/** The saved result of bench/sync.bench.ts. */
export interface SyncBenchResult {
  date: string;
  resources: number;
  machine: { cpus: number; cpuModel: string; node: string };
  figures: SyncFigure[];
  /** Server-write-to-client latencies of live replication, with server push and with polling (absent in older results). */
  latency?: LatencyFigure[];
  wallSeconds: number;
}

/** The replication figures: first pull and push, in resources per second beside raw Dexie writes. */
function syncSection(r: SyncBenchResult): string {
  const lines = [
    '## Replication',
    '',
    `${n(r.resources)} ImagingSelections (the generator above) over loopback HTTP with this package's server running in a ` +
      `child process (\`bench/sync.bench.ts\`, ${r.date.slice(0, 10)}, ${r.machine.cpus} × ${r.machine.cpuModel}, node ${r.machine.node}, ` +
      `${r.wallSeconds.toFixed(0)} s). The first pull, by \`_history\` paging (the first sync by \`$export\` is measured by \`bench/sync-bulk.bench.ts\`, see docs/sync.md), goes into an empty store (median of 3 runs, a fresh store each); the push sends ` +
      `${n(r.resources)} local creates to an empty server until the outbox is empty (timed until the push pass has settled every change; the pull that follows, which first-syncs what was pushed by $export, is not timed). The raw ` +
      'baseline writes the rows the replication wrote (current and history rows) with raw Dexie `bulkPut`/`bulkAdd`, one transaction ' +
      'per page or batch, in the same run. The server-alone baseline replays the requests the push sent, recorded, against another ' +
      'fresh server with a plain HTTP client and the same number in flight: the most a push could reach. ' +
      'Android FHIR SDK users report about 7 resources/s for a first sync on phones.',
    '',
    '| what | resources/s | the server alone, same requests, resources/s | share of the server alone | raw Dexie writes of the same rows, resources/s | share of the raw rate | target |',
    '|---|---|---|---|---|---|---|',
  ];
  const share = (part: number, whole: number | undefined): string => (whole ? `${((part / whole) * 100).toFixed(0)}%` : '');
  for (const f of r.figures) {
    const server = f.serverPerSecond === undefined ? '' : n(f.serverPerSecond);
    lines.push(`| ${f.name} | ${n(f.perSecond)} | ${server} | ${share(f.perSecond, f.serverPerSecond)} | ${n(f.rawPerSecond)} | ${share(f.perSecond, f.rawPerSecond)} | ${verdictOf(f)} |`);
  }
  lines.push('');
  if (r.latency !== undefined && r.latency.length > 0) {
    const poll = r.latency.find((f) => f.targetMs === undefined);
    lines.push(
      'Live replication, a change made on the server until it is in the store (`bench/doorbell-latency.ts`): one store subscribed ' +
        'over a websocket (each notification a doorbell for the `_history` pull), one polling, both live in the same run against the ' +
        'same server; the writes are spaced by a random 0–0.5 s.',
      '',
      '| live mode | writes | median | p95 | max | median vs polling | target |',
      '|---|---|---|---|---|---|---|',
    );
    for (const f of r.latency) {
      const verdict = f.targetMs === undefined ? '' : `≤ ${n(f.targetMs)} ms: ${f.maxMs <= f.targetMs ? 'met' : '**missed**'}`;
      const vs = poll && f !== poll ? `${(f.medianMs / poll.medianMs).toFixed(2)}x` : '';
      lines.push(`| ${f.name} | ${f.count} | ${f.medianMs.toFixed(0)} ms | ${f.p95Ms.toFixed(0)} ms | ${f.maxMs.toFixed(0)} ms | ${vs} | ${verdict} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

export interface ChunkTimes {
  first: number;
  median: number;
  last: number;
}

export interface BenchResult {
  date: string;
  commit: string;
  /** `default`, or `no-observability`: Dexie's Observability middleware removed from both databases (BENCH_NO_OBSERVABILITY=1). */
  variant: 'default' | 'no-observability';
  /** Storage layout measured (bench/layout.ts); absent in results from before the field existed: index tables. */
  layout?: string;
  machine: { cpus: number; cpuModel: string; memGiB: number; node: string; platform: string };
  versions: { dexie: string; fakeIndexedDb: string };
  scale: number;
  selections: number;
  patients: number;
  chunk: number;
  sample: number;
  rowsPerSelection: Record<string, number>;
  tableRows: Record<string, number>;
  writes: WriteResult[];
  queries: QueryResult[];
  /** Queries left out of this run (BENCH_SKIP). */
  skipped?: string[];
  peakRssBytes: number;
  peakHeapBytes: number;
  /** Heap retained by the store alone after loading (baseline deleted, after GC), when run with --expose-gc. */
  storeHeapBytes?: number;
  /** Heap after GC with the store and the baseline database both loaded. */
  bothHeapBytes?: number;
  wallSeconds: number;
  /** Median over the Bundles of store time / raw time for the same rows. */
  chunkRatioMedian?: number;
  chunkMs: { store: ChunkTimes; raw: ChunkTimes };
}

const title = (r: BenchResult): string =>
  `${n(r.selections)} ImagingSelections (scale ${r.scale}), commit ${r.commit}${r.variant === 'no-observability' ? ", experiment: without Dexie's Observability middleware" : ''}`;

const n = (x: number): string => x.toLocaleString('en');
const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const us = (totalMs: number, count: number): string => n(Math.round((totalMs / count) * 1000));
const mib = (b: number): string => `${n(Math.round(b / 2 ** 20))} MiB`;
const verdict = (r: number, target: number): string => (r <= target ? `met (≤ ${target}x)` : `**missed** (≤ ${target}x)`);

/** The lines that open a `### title` section with a table: its header row and its alignment row. */
const tableStart = (title: string, header: string, align: string): string[] => ['', `### ${title}`, '', header, align];

function section(r: BenchResult): string {
  const lines: string[] = [];
  lines.push(`## ${title(r)}`);
  lines.push('');
  lines.push(
    `Run ${r.date.slice(0, 16).replace('T', ' ')} UTC at commit ${r.commit}; ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memGiB} GiB, node ${r.machine.node}, ` +
      `${r.machine.platform}; dexie ${r.versions.dexie}, fake-indexeddb ${r.versions.fakeIndexedDb}. ` +
      `Storage layout: ${r.layout ?? 'index tables (searchIndex, postings)'}. ${n(r.selections)} ImagingSelections over ${n(r.patients)} Patients, transaction Bundles of ${n(r.chunk)}, ${n(r.sample)} written one by one; whole run ${n(Math.round(r.wallSeconds))} s.`,
  );
  lines.push(...tableStart('Writes (per resource, indexing included)', '| write | resources | store | raw Dexie, same rows | ratio | target |', '|---|---:|---:|---:|---:|---|'));
  for (const w of r.writes) {
    const ratio = w.storeMs / w.rawMs;
    lines.push(`| ${w.name} | ${n(w.count)} | ${us(w.storeMs, w.count)} µs | ${us(w.rawMs, w.count)} µs | ${ratio.toFixed(2)}x | ${w.target ? verdict(ratio, w.target) : ''} |`);
  }
  lines.push('');
  lines.push(
    `Rows per ImagingSelection: ${Object.entries(r.rowsPerSelection)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ')} (+ text statistics). ${r.chunkRatioMedian !== undefined ? `Median per-Bundle ratio store/raw: ${r.chunkRatioMedian.toFixed(2)}x. ` : ''}Time per Bundle of ${n(r.chunk)}, store / raw: first ${ms(r.chunkMs.store.first)} / ${ms(r.chunkMs.raw.first)} ms, ` +
      `median ${ms(r.chunkMs.store.median)} / ${ms(r.chunkMs.raw.median)} ms, last ${ms(r.chunkMs.store.last)} / ${ms(r.chunkMs.raw.last)} ms. ` +
      `Table sizes after loading: ${Object.entries(r.tableRows)
        .map(([k, v]) => `${k} ${n(v)}`)
        .join(', ')}.`,
  );
  lines.push(...tableStart('Queries (median ms over several warm runs)', '| query | store | raw Dexie | ratio | matched | resource rows read by the store | index keys read | selective (< 5%) | reads every row? | target |', '|---|---:|---:|---:|---:|---:|---:|---|---|---|'));
  for (const q of r.queries) {
    const ratio = q.storeMs / q.rawMs;
    const all = q.readsEverything ? (q.selective ? '**yes: violation**' : 'yes') : 'no';
    lines.push(
      `| ${q.name}<br>\`${q.query}\` | ${ms(q.storeMs)} | ${ms(q.rawMs)} | ${ratio.toFixed(2)}x | ${n(q.matched)} (${((q.matched / q.tableRows) * 100).toFixed(2)}%) | ${n(q.rowsRead)} of ${n(q.tableRows)} | ${n(q.keysRead)} | ${q.selective ? 'yes' : 'no'} | ${all} | ${q.target ? verdict(ratio, q.target) : ''} |`,
    );
  }
  if (r.skipped?.length) {
    lines.push('');
    lines.push(`Not run at this scale (BENCH_SKIP): ${r.skipped.join('; ')}.`);
  }
  for (const q of r.queries.filter((x) => x.fix)) {
    lines.push('');
    lines.push(`Suggested fix for “${q.name}”, measured with raw Dexie on the same rows: ${q.fix!.label}: ${ms(q.fix!.ms)} ms (${n(q.fix!.rows)} rows).`);
  }
  lines.push('');
  lines.push(
    `Peak memory (sampled every 200 ms, store and baseline databases both in memory): rss ${mib(r.peakRssBytes)}, heapUsed ${mib(r.peakHeapBytes)}.` +
      (r.bothHeapBytes !== undefined ? ` Heap after GC with both databases: ${mib(r.bothHeapBytes)}.` : '') +
      (r.storeHeapBytes !== undefined ? ` Heap retained by the store alone after loading (baseline database deleted, after GC): ${mib(r.storeHeapBytes)}.` : ''),
  );
  lines.push('');
  return lines.join('\n');
}

/** The saved sync result (bench/results/sync.json), when there is one. */
function readSyncResult(): SyncBenchResult | undefined {
  const file = new URL('./results/sync.json', import.meta.url);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SyncBenchResult) : undefined;
}

function targets(r: BenchResult): string {
  const token = r.queries[0]!;
  const bulk = r.writes[0]!;
  const violations = r.queries.filter((q) => q.selective && q.readsEverything);
  const tokenRatio = token.storeMs / token.rawMs;
  const bulkRatio = bulk.storeMs / bulk.rawMs;
  return [
    `| target (${title(r)}) | measured | verdict |`,
    '|---|---|---|',
    `| token search returning ~50 rows within 2x raw \`where().equals()\` | ${ms(token.storeMs)} ms vs ${ms(token.rawMs)} ms = ${tokenRatio.toFixed(2)}x | ${tokenRatio <= 2 ? 'met' : '**missed**'} |`,
    `| bulk load (transaction Bundle) within 1.5x raw Dexie writing the same rows | ${us(bulk.storeMs, bulk.count)} µs vs ${us(bulk.rawMs, bulk.count)} µs per resource = ${bulkRatio.toFixed(2)}x | ${bulkRatio <= 1.5 ? 'met' : '**missed**'} |`,
    `| no selective query reads every row | ${violations.length === 0 ? 'none does' : violations.map((q) => `${q.name}: ${n(q.rowsRead)} rows`).join('; ')} | ${violations.length === 0 ? 'met' : '**missed**'} |`,
    '',
  ].join('\n');
}

export function renderDocs(all: BenchResult[], sync: SyncBenchResult | undefined = readSyncResult()): string {
  // Largest scale first; the default variant before experiments.
  const results = [...all].sort((a, b) => b.scale - a.scale || (a.variant === 'default' ? -1 : 1));
  const analysisFile = new URL('./analysis.md', import.meta.url);
  const analysis = existsSync(analysisFile) ? readFileSync(analysisFile, 'utf8').trim() : '';
  const out: string[] = [];
  out.push('# Benchmarks');
  out.push('');
  out.push('<!-- Generated by `npm run bench` from bench/results/*.json and bench/analysis.md; edit those, not this file. -->');
  out.push('');
  out.push(
    'What a store on fake-indexeddb costs in Node, beside a raw-Dexie baseline measured in the same run: the same ' +
      'tables and indexes (`StoreDatabase`, no middleware, no logic), written with the very rows the store wrote, and ' +
      'read through the same kind of index. Speed is never asserted in tests; ratios against the same-run baseline ' +
      'are what to compare, since these machines are noisy. The absolute numbers are fake-indexeddb’s, not a browser’s ' +
      '(see architecture.md, "Chromium IndexedDB on disk: the cost model", for Chromium).',
  );
  out.push('');
  out.push('## How to run');
  out.push('');
  out.push('```sh');
  out.push('npm run bench                              # scale 1: 100,000 ImagingSelections over 5,000 Patients, ~13 min, ~10 GB heap');
  out.push('BENCH_SCALE=0.1 npm run bench              # 10,000 over 500: ~1 min, ~2 GB heap');
  out.push('BENCH_NO_OBSERVABILITY=1 npm run bench     # experiment: without Dexie\'s Observability middleware');
  out.push('npm run bench:sync                        # only the replication figures (BENCH_SYNC_N, default 10,000)');
  out.push('npm run bench:sync:browser                # the first sync and the push in Chromium on disk (bench/sync-chromium.ts)');
  out.push('node --import tsx bench/render-docs.ts    # rebuild this page from the saved results');
  out.push('```');
  out.push('');
  out.push(
    'Other knobs: `BENCH_CHUNK` (resources per transaction Bundle, default 1000), `BENCH_SAMPLE` (resources written ' +
      'one by one, default 2% of the selections, 200…2,000), `BENCH_SKIP` (leave out queries by a word of their name), ' +
      '`BENCH_COMMIT` (name the code measured when it is not a git checkout), `BENCH_DOCS=0` (do not rewrite this page). ' +
      'The full 100,000 run with the `_sort` pages does not finish in reasonable time at present (see below). Each run saves ' +
      '`bench/results/scale-<scale>.json` and rebuilds this page from every saved scale. The data generator ' +
      '(`bench/generate.ts`) is seeded: ~2.2 KB ImagingSelections with 3 instances, a unique DICOM UID identifier and an ' +
      'accession number shared by exactly 50 selections, one of 20 DICOM codes, `issued` uniform over 2023–2024, ' +
      '`subject` uniform over the Patients (10 Patients per family name), and a narrative naming one of 50 findings.',
  );
  out.push('');
  out.push('## Targets');
  out.push('');
  for (const r of results) out.push(targets(r));
  if (analysis) {
    out.push(analysis);
    out.push('');
  }
  for (const r of results) out.push(section(r));
  if (sync) out.push(syncSection(sync));
  return `${out.join('\n').trim()}\n`;
}
