/**
 * The bulk first sync part of `npm run bench:sync`: N ImagingSelections (default 100,000) first-synced from the
 * package's own server (a child process) into an empty store by `$export`, beside the same first sync by
 * `_history` paging and raw Dexie writes of the same rows, all in the same run; the heap growth of the export
 * sync; and a sync interrupted at half its files, then resumed, counting the finished files downloaded again.
 *
 * Environment: `BENCH_BULK_N` (default 100000). Speed is reported, never asserted. Run with `--expose-gc` for
 * the heap figures (the npm script does).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Store } from '../src/index.js';
import { storeDatabase } from '../src/store.js';
import { imagingSelection } from './generate.js';
import { now } from './measure.js';
import { freshStore, rawWriteMs, startChildServer } from './sync-parts.js';

const N = Number(process.env.BENCH_BULK_N ?? '100000');
if (!(N > 0)) throw new Error(`BENCH_BULK_N must be a positive number, got ${process.env.BENCH_BULK_N}`);
const PATIENTS = Math.max(20, Math.round(N / 20));
const ROOT = new URL('../', import.meta.url);
const gc = (globalThis as { gc?: () => void }).gc;
const log = (s = ''): void => void process.stdout.write(`${s}\n`);
const n = (x: number): string => x.toLocaleString('en');
const perSecond = (count: number, ms: number): number => Math.round((count / ms) * 1000);
const MB = 1024 * 1024;


/** Samples the heap every 100 ms while `work` runs: the peak above `base`. */
async function peakHeapAbove<T>(base: number, work: () => Promise<T>): Promise<{ value: T; peak: number }> {
  let peak = process.memoryUsage().heapUsed;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 100);
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    return { value, peak: peak - base };
  } finally {
    clearInterval(timer);
  }
}

const heapNow = (): number => {
  gc?.();
  return process.memoryUsage().heapUsed;
};

const tmp = mkdtempSync(join(os.tmpdir(), 'fhir-bulk-bench-'));
const started = now();
log(`fhir-offline-store bulk first sync benchmark: ${n(N)} ImagingSelections; ${os.cpus().length} CPUs, node ${process.version}${gc ? '' : ' (no --expose-gc: heap figures are rough)'}`);
try {
  const dataFile = join(tmp, 'selections.ndjson');
  writeFileSync(dataFile, Array.from({ length: N }, (_, i) => JSON.stringify(imagingSelection(i, N, PATIENTS))).join('\n'));
  const t0 = now();
  const server = await startChildServer(dataFile, ['--max-old-space-size=8192']);
  log(`  server loaded ${n(N)} in ${((now() - t0) / 1000).toFixed(1)} s`);
  const results: Record<string, { ms: number; rate: number }> = {};

  // 1. By $export (chunks of 1,000 resources per write transaction), with the heap sampled.
  let exported: Store | undefined;
  for (const batchSize of [1000]) {
    const base = heapNow();
    const store = await freshStore(`export-${batchSize}`);
    const t = now();
    const { value: report, peak } = await peakHeapAbove(base, () => store.replicate({ baseUrl: server.url, batchSize }).syncOnce());
    const ms = now() - t;
    if (report.pulled !== N) throw new Error(`export pulled ${report.pulled}, expected ${N}`);
    const retained = heapNow() - base;
    results[`export-${batchSize}`] = { ms, rate: perSecond(N, ms) };
    log(`  first sync by $export, chunks of ${batchSize}: ${n(perSecond(N, ms))} resources/s (${(ms / 1000).toFixed(1)} s); heap: peak +${Math.round(peak / MB)} MB, after +${Math.round(retained / MB)} MB (the database itself, in memory), so the sync's own peak ${Math.round((peak - retained) / MB)} MB`);
    // The full-text postings the sync left for later (written in the background once the store is quiet).
    const f = now();
    await store.flushIndex();
    log(`  then its full-text postings (flushIndex): ${((now() - f) / 1000).toFixed(1)} s`);
    exported?.close();
    exported = store;
  }

  // 2. By _history paging, as today (pages of 100, the default).
  {
    const store = await freshStore('history');
    const t = now();
    const report = await store.replicate({ baseUrl: server.url, bulkExport: false }).syncOnce();
    const ms = now() - t;
    if (report.pulled !== N) throw new Error(`_history pulled ${report.pulled}, expected ${N}`);
    results['history'] = { ms, rate: perSecond(N, ms) };
    log(`  first sync by _history, pages of 100: ${n(perSecond(N, ms))} resources/s (${(ms / 1000).toFixed(1)} s)`);
    store.close();
  }

  // 3. Raw Dexie writes of the rows the export wrote.
  const raw = await rawWriteMs(exported!, 1000);
  results['raw'] = { ms: raw, rate: perSecond(N, raw) };
  log(`  raw Dexie writes of the same rows, 1,000 per transaction: ${n(perSecond(N, raw))} resources/s`);
  exported?.close();
  const e = results['export-1000']!;
  log(`  export / _history: ${(e.rate / results['history']!.rate).toFixed(2)}x (target ≥ 5x); export / raw writes: ${Math.round((e.rate / results['raw']!.rate) * 100)}% (target ≥ 60%)`);

  // 4. Interrupted at half its files (the download of the middle file is cut), then resumed.
  {
    const store = await freshStore('interrupted');
    const downloads: string[] = [];
    let files = 0;
    let cut = false;
    let total = 0;
    const interrupting: typeof fetch = async (input, init) => {
      const url = String(input);
      const res = await fetch(input, init);
      if (/\/_bulk\/[^/]+$/.test(url) && res.status === 200) {
        total = ((await res.clone().json()) as { output: unknown[] }).output.length;
      }
      if (!/\.ndjson$/.test(url)) return res;
      downloads.push(url);
      if (cut || ++files <= Math.floor(total / 2)) return res;
      cut = true;
      // Half the file's bytes, then the connection "drops".
      const bytes = new Uint8Array(await res.arrayBuffer());
      let pulls = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (pulls++ === 0) c.enqueue(bytes.subarray(0, bytes.length >> 1));
          else c.error(new TypeError('terminated'));
        },
      });
      return new Response(body, { status: 200, headers: res.headers });
    };
    const rep = store.replicate({ baseUrl: server.url, batchSize: 1000, fetch: interrupting, retry: { maxAttempts: 1 } });
    await rep.syncOnce().then(
      () => {
        throw new Error('the interrupted sync did not fail');
      },
      () => undefined,
    );
    const before = [...downloads];
    const finished = (await storeDatabase(store).checkpoints.get(`${server.url}|$export`))?.bulk?.done ?? [];
    const t = now();
    const report = await store.replicate({ baseUrl: server.url, batchSize: 1000, fetch: interrupting }).syncOnce();
    const resumed = downloads.slice(before.length);
    const again = resumed.filter((u) => finished.includes(u));
    const count = await storeDatabase(store).resources.count();
    log(
      `  interrupted at half: ${finished.length} of ${total} files finished before the cut; the resume downloaded ${resumed.length} (${again.length} finished ones again), wrote ${n(report.pulled)} in ${((now() - t) / 1000).toFixed(1)} s; ${n(count)} resources held (expected ${n(N)})`,
    );
    if (count !== N || again.length !== 0) throw new Error('the resume lost or re-downloaded data');
    store.close();
  }
  await server.stop();
  mkdirSync(new URL('bench/results/', ROOT), { recursive: true });
  writeFileSync(new URL('bench/results/sync-bulk.json', ROOT), `${JSON.stringify({ date: new Date().toISOString(), resources: N, cpus: os.cpus().length, node: process.version, results }, null, 2)}\n`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
log(`done in ${((now() - started) / 1000).toFixed(0)} s`);
