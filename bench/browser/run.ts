/**
 * `npm run bench:browser`: the store against raw IndexedDB in real Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core; never a downloaded browser), on a persistent profile on disk (an incognito context keeps
 * IndexedDB in memory), both in the same page and the same run, alternating sides. Saves
 * bench/browser/results/<n>.json per size and redraws the plots and the Chromium section of docs/benchmarks.md.
 *
 * Environment:
 * - `BENCH_BROWSER_N`: sizes, comma-separated (default `10000,50000`; e.g. `2000` while developing);
 * - `BENCH_BROWSER_100K=1`: add 100,000;
 * - `BENCH_BROWSER_CREATES` (default 100): selections created one by one;
 * - `BENCH_BROWSER_PROFILE=create`: print a CPU profile of the single creates (where the time goes);
 * - `BENCH_BROWSER_BUDGET_MS` (default 3000): measured time per side and read, beyond the 5 runs each gets;
 * - `BENCH_BROWSER_DOCS=0`: leave docs/ alone;
 * - `BENCH_COMMIT`: name the code measured when it is not a git checkout.
 * @module
 */
import { execFileSync, execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Page } from 'playwright-core';
import { PAGE_BUILD } from '../../test/browser/harness.js';
import { browserFallback } from '../../tsup.config.js';
import { patientCount } from './data.js';
import { renderChromiumDocs } from './docs.js';
import { serve } from './serve.js';
import type { BenchApi, MeasureInfo, Side, Timed } from './protocol.js';
import type { BrowserResult, PairFigure, QueryFigure } from './result.js';
import { median } from './stats.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ROOT = new URL('../../', import.meta.url);
const CHUNK = 500;
const SLICE = 10_000;
const MIN_RUNS = 5;
const MAX_RUNS = 15;

const sizes = (process.env.BENCH_BROWSER_N ?? '10000,50000').split(',').map((s) => Number(s.trim()));
if (process.env.BENCH_BROWSER_100K === '1') sizes.push(100_000);
if (sizes.some((n) => !Number.isInteger(n) || n < 100)) throw new Error(`BENCH_BROWSER_N: whole numbers of at least 100, got ${process.env.BENCH_BROWSER_N}`);
const CREATES = Number(process.env.BENCH_BROWSER_CREATES ?? '100');
const BUDGET_MS = Number(process.env.BENCH_BROWSER_BUDGET_MS ?? '3000');

/** `BENCH_BROWSER_PROFILE=create`: a CPU profile of the single creates (both sides), its top functions printed. */
const PROFILE_CREATES = process.env.BENCH_BROWSER_PROFILE === 'create';

const log = (s = ''): void => void process.stdout.write(`${s}\n`);

/**
 * Starts the page's CPU profiler (Chrome DevTools Protocol); the function it returns stops it and describes where
 * the time went: self time per function, the top 25, with `(idle)` the time the page waited (on IndexedDB).
 */
async function startProfile(page: Page): Promise<() => Promise<string>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  return async () => {
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map<string, number>();
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const deltas = profile.timeDeltas ?? [];
    (profile.samples ?? []).forEach((id, i) => {
      const f = byId.get(id)!.callFrame;
      const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop() ?? ''}:${f.lineNumber + 1}`;
      self.set(name, (self.get(name) ?? 0) + (deltas[i] ?? 0) / 1000);
    });
    const total = [...self.values()].reduce((a, b) => a + b, 0);
    const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
    return [`  CPU profile of the single creates: ${fmt(total)} ms sampled`, ...top.map(([name, ms]) => `    ${fmt(ms).padStart(8)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${name}`)].join('\n');
  };
}
const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

/** The page script: bench/browser/page.ts and the store's source, bundled as the package's browser build is. */
async function bundle(): Promise<string> {
  const out = await build({
    entryPoints: [new URL('bench/browser/page.ts', ROOT).pathname],
    ...PAGE_BUILD,
    plugins: [browserFallback],
  });
  const js = out.outputFiles[0]?.text;
  if (!js) throw new Error('esbuild produced no page script');
  return js;
}

function commit(): string {
  if (process.env.BENCH_COMMIT) return process.env.BENCH_COMMIT;
  const head = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  const dirty = execSync('git status --porcelain -- src', { encoding: 'utf8' }).trim() !== '';
  return dirty ? `${head} (src/ modified)` : head;
}

function chromiumVersion(): string {
  return execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

/** Calls the page's API. */
const call = <K extends keyof BenchApi>(page: Page, name: K, ...args: Parameters<BenchApi[K]>): Promise<Awaited<ReturnType<BenchApi[K]>>> =>
  page.evaluate(
    ([n, a]) => (globalThis as unknown as { bench: Record<string, (...xs: unknown[]) => Promise<unknown>> }).bench[n]!(...a),
    [name, args] as [string, unknown[]],
  ) as Promise<Awaited<ReturnType<BenchApi[K]>>>;

/** Both sides' order alternates call by call, so neither always runs on the other's leftovers. */
const order = (k: number): Side[] => (k % 2 === 0 ? ['store', 'raw'] : ['raw', 'store']);

async function bulk(page: Page, kind: 'Patient' | 'ImagingSelection', count: number, label: string): Promise<[number, number][]> {
  const chunks: [number, number][] = [];
  let lastLog = Date.now();
  for (let from = 0, k = 0; from < count; from += CHUNK, k++) {
    const to = Math.min(count, from + CHUNK);
    const t: Record<Side, number> = { store: 0, raw: 0 };
    for (const side of order(k)) t[side] = await call(page, 'load', side, kind, from, to);
    chunks.push([t.store, t.raw]);
    if (Date.now() - lastLog > 20_000 || to === count) {
      lastLog = Date.now();
      const s = chunks.reduce((a, c) => a + c[0], 0) / to;
      const r = chunks.reduce((a, c) => a + c[1], 0) / to;
      log(`  ${label} ${to.toLocaleString('en')}/${count.toLocaleString('en')}: store ${fmt(s)} ms, raw ${fmt(r)} ms per resource`);
    }
  }
  return chunks;
}

const perResource = (chunks: [number, number][], from: number, to: number): PairFigure => {
  const slice = chunks.slice(Math.floor(from / CHUNK), Math.ceil(to / CHUNK));
  const count = Math.min(to, chunks.length * CHUNK) - from;
  return { store: slice.reduce((a, c) => a + c[0], 0) / count, raw: slice.reduce((a, c) => a + c[1], 0) / count };
};

const key = (ids: string[], ordered: boolean): string => (ordered ? ids : [...ids].sort()).join(',');

/** A read, both ways: a warm-up each, the answers compared, then alternating runs. */
async function measure(page: Page, m: MeasureInfo): Promise<QueryFigure> {
  const warm: Record<Side, Timed> = { store: await call(page, 'run', m.name, 'store'), raw: await call(page, 'run', m.name, 'raw') };
  if (key(warm.store.ids, m.ordered) !== key(warm.raw.ids, m.ordered)) {
    throw new Error(
      `${m.name}: the store's answer differs from raw IndexedDB's (${warm.store.ids.length} vs ${warm.raw.ids.length} ids)\n` +
        `  store: ${warm.store.ids.slice(0, 12).join(', ')}\n  raw:   ${warm.raw.ids.slice(0, 12).join(', ')}`,
    );
  }
  const runs: Record<Side, number[]> = { store: [], raw: [] };
  const slow = warm.store.ms * m.reps > 1_000;
  const min = slow ? 3 : MIN_RUNS;
  let spent = 0;
  for (let k = 0; runs.store.length < min || (runs.store.length < MAX_RUNS && spent < BUDGET_MS); k++) {
    for (const side of order(k)) {
      const r = await call(page, 'run', m.name, side);
      runs[side].push(r.ms);
      if (side === 'store') spent += r.ms * m.reps;
    }
  }
  const answer = m.name.startsWith('_count=0') ? Number(warm.raw.ids[0]?.split('=')[1]) : warm.raw.ids.length;
  return { name: m.name, query: m.query, ...(m.note ? { note: m.note } : {}), rawPlan: m.rawPlan, answer, store: median(runs.store), raw: median(runs.raw), storeRuns: runs.store, rawRuns: runs.raw };
}

async function runSize(script: string, n: number): Promise<BrowserResult> {
  const started = Date.now();
  const patients = patientCount(n);
  log(`\n${n.toLocaleString('en')} ImagingSelections over ${patients.toLocaleString('en')} Patients, transactions of ${CHUNK}, ${CREATES} single creates`);
  const profile = mkdtempSync(join(tmpdir(), 'bench-browser-'));
  const server = await serve(script);
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 30_000 });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(0);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.origin);
    await page.waitForFunction(() => 'bench' in globalThis);
    const opened = await call(page, 'open', n);
    if (!opened.isolated) log('  (the page is not cross-origin isolated: performance.now() steps by 100 µs)');
    if (!opened.buckets) log('  (no storage buckets in this Chromium: disk bytes per side are not measured)');

    const patientChunks = await bulk(page, 'Patient', patients, 'Patients');
    const chunks = await bulk(page, 'ImagingSelection', n, 'ImagingSelections');
    const slice = Math.min(SLICE, n);
    const selections = perResource(chunks, 0, n);
    const postingsMs = await call(page, 'flushIndex');
    const withPostings = { store: selections.store + postingsMs / n, raw: selections.raw };
    log(`  full-text postings written after the load: ${fmt(postingsMs / n)} ms per resource; load with them: store ${fmt(withPostings.store)} ms, raw ${fmt(withPostings.raw)} ms`);

    const creates: Record<Side, number[]> = { store: [], raw: [] };
    const profiler = PROFILE_CREATES ? await startProfile(page) : undefined;
    for (let k = 0; k < CREATES; k++) for (const side of ['store', 'raw'] as const) creates[side].push(await call(page, 'create', side, k));
    log(`  single create: store ${fmt(median(creates.store))} ms, raw ${fmt(median(creates.raw))} ms (medians of ${CREATES})`);
    if (profiler) log(await profiler());

    const queries: QueryFigure[] = [];
    for (const m of await call(page, 'measures')) {
      const q = await measure(page, m);
      queries.push(q);
      log(`  ${m.name.padEnd(40)} ${String(q.answer).padStart(6)} rows  store ${fmt(q.store).padStart(7)} ms  raw ${fmt(q.raw).padStart(7)} ms  ${(q.store / q.raw).toFixed(1)}x`);
    }
    const disk = await call(page, 'disk');
    if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
    const resources = patients + n + CREATES;
    const result: BrowserResult = {
      n,
      patients,
      chunk: CHUNK,
      commit: commit(),
      date: new Date().toISOString(),
      chromium: chromiumVersion(),
      cpus: cpus().length,
      seconds: 0,
      load: {
        selections,
        withPostings,
        patients: perResource(patientChunks, 0, patients),
        first: perResource(chunks, 0, slice),
        last: perResource(chunks, n - slice, n),
        sliceSize: slice,
        chunks,
      },
      create: { store: median(creates.store), raw: median(creates.raw), count: CREATES },
      queries,
      profileBytes: 0,
    };
    if (disk) result.disk = { store: disk.store / resources, raw: disk.raw / resources, resources, storeBytes: disk.store, rawBytes: disk.raw };
    await context.close();
    result.profileBytes = dirBytes(profile);
    result.seconds = Math.round((Date.now() - started) / 1000);
    if (result.disk) log(`  disk: store ${result.disk.store.toFixed(0)} B, raw ${result.disk.raw.toFixed(0)} B per resource; profile ${(result.profileBytes / 2 ** 20).toFixed(0)} MiB`);
    log(`  ${result.seconds} s`);
    return result;
  } finally {
    await context.close().catch(() => {});
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const script = await bundle();
log(`fhir-offline-store in ${chromiumVersion()} (on-disk profile) against raw IndexedDB; ${cpus().length} CPUs`);
const resultsDir = new URL('bench/browser/results/', ROOT);
mkdirSync(resultsDir, { recursive: true });
for (const n of sizes) {
  const result = await runSize(script, n);
  writeFileSync(new URL(`${n}.json`, resultsDir), `${JSON.stringify(result, null, 1)}\n`);
}
if (process.env.BENCH_BROWSER_DOCS !== '0') log(renderChromiumDocs());
