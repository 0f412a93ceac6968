/**
 * `npm run bench:sync:browser`: the sync figures of issue 14 (parts 1 and 4) in real Chromium (Debian's
 * /usr/bin/chromium, a persistent profile: IndexedDB on disk, the browser's own fetch), where the Node benchmarks
 * (`npm run bench:sync`) run IndexedDB on the JS thread (fake-indexeddb) and pay for undici's fetch.
 *
 * 1. First sync of N ImagingSelections from the package's server (a child process, preloaded) into a new store of
 *    the page, by `$export` (chunks of 1,000) and by `_history` paging (pages of 1,000, and of 100, the default),
 *    in the order export, history, history, export (history-100 nested inside: each side sees the same warm-up and
 *    disk state); the mean of each. After each export run, the raw Dexie writes of every row it wrote into a fresh
 *    database of the same schema, 1,000 rows of each table per transaction (every table; resources and history
 *    only, as the Node benchmark's baseline).
 * 2. Push of PUSH_N local creates to an empty server, `put` mode with 6 in flight and `transaction` mode (Bundles
 *    of 100, one in flight), timed until the push pass settled every change; the requests it sent are recorded and
 *    replayed by the page's `fetch` with the same concurrency against another empty server: the server alone.
 *
 * Environment: `BENCH_SYNC_BROWSER_N` (default 10000), `BENCH_SYNC_BROWSER_PUSH_N` (default 5000),
 * `BENCH_SYNC_BROWSER_PARTS` (default `pull,push`), `BENCH_SYNC_BROWSER_PAGES100=0` to leave out `_history` by
 * pages of 100. Writes bench/results/sync-chromium.json. Speed is reported, never asserted: a wrong count fails.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { collectErrors, launchChromium, PAGE_BUILD, servePage } from '../test/browser/harness.js';
import { browserFallback } from '../tsup.config.js';
import { imagingSelection } from './generate.js';
import type { FirstSyncFigure, RawFigure, SyncBenchPage } from './sync-chromium-page.js';
import { startChildServer } from './sync-parts.js';

const count = (name: string, fallback: string): number => {
  const v = Number(process.env[name] ?? fallback);
  if (!(Number.isInteger(v) && v > 0)) throw new Error(`${name} must be a positive whole number, got ${process.env[name]}`);
  return v;
};
const N = count('BENCH_SYNC_BROWSER_N', '10000');
const PUSH_N = count('BENCH_SYNC_BROWSER_PUSH_N', '5000');
const PARTS = new Set((process.env.BENCH_SYNC_BROWSER_PARTS ?? 'pull,push').split(',').map((p) => p.trim()));
const PAGES_100 = process.env.BENCH_SYNC_BROWSER_PAGES100 !== '0';
const PATIENTS = Math.max(20, Math.round(N / 20));
/** The default `pushConcurrency`: put mode's requests in flight. Transaction mode sends one Bundle at a time. */
const PUSH_RUNS = [
  { mode: 'put', concurrency: 6 },
  { mode: 'transaction', concurrency: 1 },
] as const;
const ROOT = new URL('../', import.meta.url);

const log = (s = ''): void => void process.stdout.write(`${s}\n`);
const progress = (s: string): void => void process.stderr.write(`${s}\n`);
const n = (x: number): string => x.toLocaleString('en');
const perSecond = (items: number, ms: number): number => Math.round((items / ms) * 1000);
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (a: number, b: number): string => `${Math.round((a / b) * 100)}%`;

/** A first-sync side: its runs (ms) and its mean rate. */
interface Side {
  name: string;
  runs: number[];
  ms: number;
  perSecond: number;
}
const side = (name: string, runs: number[]): Side => ({ name, runs, ms: mean(runs), perSecond: perSecond(N, mean(runs)) });

/** A push figure: the push, and the server alone with the same requests. */
interface PushResult {
  name: string;
  mode: string;
  concurrency: number;
  count: number;
  requests: number;
  ms: number;
  perSecond: number;
  serverMs: number;
  serverPerSecond: number;
}

/** Where an export run's time went: the job (kick-off, status polls), its files (download and writes), the catch-up. */
interface ExportPhases {
  jobMs: number;
  filesMs: number;
  catchUpMs: number;
}

/** Calls `window.syncBench[name](...args)` in the page; arguments and result cross as JSON-like values. */
type Call = <K extends keyof SyncBenchPage>(name: K, ...args: Parameters<SyncBenchPage[K]>) => Promise<Awaited<ReturnType<SyncBenchPage[K]>>>;

const built = await build({ entryPoints: [fileURLToPath(new URL('sync-chromium-page.ts', import.meta.url))], ...PAGE_BUILD, plugins: [browserFallback] });
const js = built.outputFiles[0]?.text;
if (!js) throw new Error('esbuild produced no page script');

const tmp = mkdtempSync(join(os.tmpdir(), 'fhir-sync-chromium-'));
const pages = await servePage(js);
const browser = await launchChromium();
const errors: string[] = [];
const started = performance.now();
const loadBefore = os.loadavg();
let firstSync: { sides: Side[]; raw: { all: Side; resourcesAndHistory: Side; rows: Record<string, number> }; exportPhases: ExportPhases[] } | undefined;
const pushes: PushResult[] = [];
let chromium = 'unknown';
try {
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.setDefaultTimeout(3_600_000);
  collectErrors(page, errors);
  await page.goto(`${pages.origin}/`);
  await page.waitForFunction(() => 'syncBench' in window);
  // The full version (the user agent's is reduced to 156.0.0.0).
  chromium = ((await (await browser.context.newCDPSession(page)).send('Browser.getVersion')).product.split('/')[1]) ?? 'unknown';
  const call: Call = (name, ...args) =>
    page.evaluate(([k, a]) => (window as unknown as { syncBench: Record<string, (...x: unknown[]) => unknown> }).syncBench[k]!(...a), [name, args] as const) as never;
  log(`fhir-offline-store sync benchmark in Chromium ${chromium}: first sync of ${n(N)}, push of ${n(PUSH_N)}; ${os.cpus().length} CPUs, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);

  if (PARTS.has('pull')) firstSync = await firstSyncPart(call);
  if (PARTS.has('push')) for (const run of PUSH_RUNS) pushes.push(await pushPart(call, run.mode, run.concurrency));
} catch (e) {
  if (errors.length > 0) progress(`page errors:\n  ${errors.join('\n  ')}`);
  throw e;
} finally {
  await browser.close();
  await pages.close();
  rmSync(tmp, { recursive: true, force: true });
}

const result = {
  date: new Date().toISOString(),
  resources: N,
  pushResources: PUSH_N,
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, chromium, loadBefore, loadAfter: os.loadavg() },
  ...(firstSync ? { firstSync } : {}),
  push: pushes,
  // Uncaught errors and console errors of the page, if any: read them before the figures.
  pageErrors: errors,
  wallSeconds: (performance.now() - started) / 1000,
};
mkdirSync(new URL('bench/results/', ROOT), { recursive: true });
writeFileSync(new URL('bench/results/sync-chromium.json', ROOT), `${JSON.stringify(result, null, 2)}\n`);
printTables();
if (errors.length > 0) log(`\nWARNING: the page logged ${errors.length} error(s):\n  ${errors.join('\n  ')}`);
log(`Wrote bench/results/sync-chromium.json (${result.wallSeconds.toFixed(0)} s; load after ${result.machine.loadAfter.map((l) => l.toFixed(2)).join(' ')})`);

/** Part 1: the first syncs in the order export, history, history, export, and the raw writes after each export. */
async function firstSyncPart(call: Call): Promise<NonNullable<typeof firstSync>> {
  const dataFile = join(tmp, 'selections.ndjson');
  writeFileSync(dataFile, Array.from({ length: N }, (_, i) => JSON.stringify(imagingSelection(i, N, PATIENTS))).join('\n'));
  const server = await startChildServer(dataFile, ['--max-old-space-size=8192']);
  try {
    const histories = PAGES_100 ? [1000, 100] : [1000];
    const order: { by: 'export' | 'history'; batchSize: number }[] = [
      { by: 'export', batchSize: 1000 },
      ...histories.map((b) => ({ by: 'history' as const, batchSize: b })),
      ...[...histories].reverse().map((b) => ({ by: 'history' as const, batchSize: b })),
      { by: 'export', batchSize: 1000 },
    ];
    const runs = new Map<string, number[]>();
    const raws: { all: RawFigure; resourcesAndHistory: RawFigure }[] = [];
    const exportPhases: ExportPhases[] = [];
    for (const [i, { by, batchSize }] of order.entries()) {
      const key = `${by}-${batchSize}`;
      const raw = by === 'export' ? (raws.length === 0 ? 'all-first' : 'rh-first') : undefined;
      const r: FirstSyncFigure = await call('firstSync', server.url, by, batchSize, `sync-${i}-${key}`, raw);
      if (r.pulled !== N) throw new Error(`first sync by ${key} pulled ${r.pulled}, expected ${N}`);
      const sent = (k: string): number => Object.entries(r.requests).reduce((c, [q, x]) => c + (q.slice(q.indexOf(' ') + 1, q.lastIndexOf(' ')) === k ? x : 0), 0);
      if (by === 'export' ? sent('export file') === 0 : sent('$export') + sent('export file') > 0) {
        throw new Error(`first sync by ${key} did not go that way: ${JSON.stringify(r.requests)}`);
      }
      if (i < 2 || (PAGES_100 && i === 2)) progress(`  requests of ${key}: ${JSON.stringify(r.requests)}`);
      runs.set(key, [...(runs.get(key) ?? []), r.ms]);
      const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
      const { files, history } = r.marks;
      const split = by === 'export' && files !== undefined && history !== undefined ? ` (job: kick-off and polls ${s(files)}, files ${s(history - files)}, catch-up _history ${s(r.ms - history)})` : '';
      if (by === 'export' && split !== '') exportPhases.push({ jobMs: files!, filesMs: history! - files!, catchUpMs: r.ms - history! });
      progress(`  run ${i + 1}, ${key}: ${s(r.ms)}, ${n(perSecond(N, r.ms))} resources/s${split}`);
      if (r.raw) {
        if (r.raw.resourcesAndHistory.rows.resources !== N) throw new Error(`the raw baseline read ${r.raw.resourcesAndHistory.rows.resources} resource rows, expected ${N}`);
        raws.push(r.raw);
        progress(`    raw writes: every table ${(r.raw.all.ms / 1000).toFixed(2)} s (${JSON.stringify(r.raw.all.rows)}), resources + history ${(r.raw.resourcesAndHistory.ms / 1000).toFixed(2)} s`);
      }
    }
    const sides = [...runs.entries()].map(([key, ms]) => side(key, ms));
    return {
      sides,
      raw: {
        all: side('raw-all', raws.map((r) => r.all.ms)),
        resourcesAndHistory: side('raw-resources-history', raws.map((r) => r.resourcesAndHistory.ms)),
        rows: raws[0]?.all.rows ?? {},
      },
      exportPhases,
    };
  } finally {
    await server.stop();
  }
}

/** Part 4: one push run and its replay by the page's fetch against a fresh server. */
async function pushPart(call: Call, mode: 'put' | 'transaction', concurrency: number): Promise<PushResult> {
  const target = await startChildServer();
  let r: Awaited<ReturnType<SyncBenchPage['push']>>;
  try {
    r = await call('push', target.url, mode, concurrency, PUSH_N, `push-${mode}-${concurrency}`);
  } finally {
    await target.stop();
  }
  if (r.pushed !== PUSH_N || r.failed !== 0 || r.conflicts !== 0 || r.outbox !== 0) {
    throw new Error(`push, ${mode} mode: pushed ${r.pushed} of ${PUSH_N} (${r.failed} failed, ${r.conflicts} conflicts, ${r.outbox} left in the outbox)`);
  }
  if (r.ms === undefined) throw new Error(`push, ${mode} mode: no progress event reported ${PUSH_N} changes settled`);
  const writes = r.recorded.filter((q) => q.method !== 'GET');
  const alone = await startChildServer();
  let serverMs: number;
  try {
    serverMs = await call('replayRequests', r.recorded, alone.url, target.url, concurrency);
  } finally {
    await alone.stop();
  }
  const inFlight = mode === 'transaction' ? '1 Bundle of 100 in flight' : `${concurrency} requests in flight`;
  const figure: PushResult = {
    name: `push of ${n(PUSH_N)} creates, ${mode} mode, ${inFlight}`,
    mode,
    concurrency,
    count: PUSH_N,
    requests: writes.length,
    ms: r.ms,
    perSecond: perSecond(PUSH_N, r.ms),
    serverMs,
    serverPerSecond: perSecond(PUSH_N, serverMs),
  };
  progress(`  ${figure.name}: ${n(figure.perSecond)} resources/s (${(r.ms / 1000).toFixed(2)} s); the server alone, same ${writes.length} requests: ${n(figure.serverPerSecond)} resources/s (${pct(figure.perSecond, figure.serverPerSecond)})`);
  return figure;
}

function printTables(): void {
  if (firstSync) {
    const { sides, raw } = firstSync;
    const get = (key: string): Side | undefined => sides.find((s) => s.name === key);
    const label: Record<string, string> = { 'export-1000': '`$export`, chunks of 1,000', 'history-1000': '`_history`, pages of 1,000', 'history-100': '`_history`, pages of 100 (default)' };
    log();
    log(`| first sync of ${n(N)} ImagingSelections, Chromium on disk | resources/s | runs (s) | of raw writes, every table | of raw writes, resources + history |`);
    log('|---|---|---|---|---|');
    for (const s of sides) log(`| ${label[s.name] ?? s.name} | ${n(s.perSecond)} | ${s.runs.map((ms) => (ms / 1000).toFixed(2)).join(', ')} | ${pct(s.perSecond, raw.all.perSecond)} | ${pct(s.perSecond, raw.resourcesAndHistory.perSecond)} |`);
    log(`| raw Dexie writes of the same rows, every table (${Object.entries(raw.rows).map(([t, c]) => `${t} ${n(c)}`).join(', ')}) | ${n(raw.all.perSecond)} | ${raw.all.runs.map((ms) => (ms / 1000).toFixed(2)).join(', ')} | | |`);
    log(`| raw Dexie writes, resources + history rows only | ${n(raw.resourcesAndHistory.perSecond)} | ${raw.resourcesAndHistory.runs.map((ms) => (ms / 1000).toFixed(2)).join(', ')} | | |`);
    const exp = get('export-1000');
    if (exp) {
      for (const h of sides.filter((s) => s.name.startsWith('history'))) log(`export / ${label[h.name] ?? h.name}: ${(exp.perSecond / h.perSecond).toFixed(2)}x (target ≥ 5x)`);
      log(`export / raw writes: ${pct(exp.perSecond, raw.all.perSecond)} of every table, ${pct(exp.perSecond, raw.resourcesAndHistory.perSecond)} of resources + history (target ≥ 60%)`);
      const ph = firstSync.exportPhases;
      if (ph.length > 0) {
        const m = (f: (p: ExportPhases) => number): string => `${(mean(ph.map(f)) / 1000).toFixed(2)} s`;
        log(`export runs, mean: job (kick-off, status polls) ${m((p) => p.jobMs)}, files (download, writes) ${m((p) => p.filesMs)}, catch-up _history ${m((p) => p.catchUpMs)}`);
      }
    }
  }
  if (pushes.length > 0) {
    log();
    log(`| push of ${n(PUSH_N)} creates, Chromium | requests | resources/s | server alone (page's fetch), resources/s | share |`);
    log('|---|---|---|---|---|');
    for (const p of pushes) log(`| ${p.mode} mode, ${p.mode === 'transaction' ? 'Bundles of 100, 1 in flight' : `${p.concurrency} in flight`} | ${n(p.requests)} | ${n(p.perSecond)} | ${n(p.serverPerSecond)} | ${pct(p.perSecond, p.serverPerSecond)} (target ≥ 80%) |`);
  }
}
