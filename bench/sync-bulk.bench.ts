/**
 * The bulk first sync part of `npm run bench:sync`: N ImagingSelections (default 100,000) first-synced from the
 * package's own server (a child process) into an empty store by `$export`, beside the same first sync by
 * `_history` paging (each twice below 100,000, alternating, medians) and raw Dexie writes of the same rows, all in
 * the same run after an untimed warm-up; the heap growth of the export
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
import { median, now } from './measure.js';
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
  /** Heap figures, MB: the first export's sampled peak above its final database, and the live peak (3b). */
  const heapMb: Record<string, number> = {};

  // 0. Warm-up (not timed): the replication's modules load and its code warms up on a small pull, so neither timed
  //    path pays for it (the first timed run would, and it used to be the export).
  {
    const store = await freshStore('warm-up');
    await store.replicate({ baseUrl: server.url, bulkExport: false, resourceTypes: ['Patient'] }).syncOnce();
    store.close();
  }

  // 1. By $export (chunks of 1,000 resources per write transaction), with the heap sampled, and by _history paging
  //    as today (pages of 100, the default), each into a fresh store. Below 100,000 each path runs twice, in the
  //    order export, _history, _history, export, and the median is reported; at 100,000 and above once each.
  //    Each store's full-text postings (written in the background once a store is quiet) are flushed untimed
  //    before the next run, so no run shares the thread with the previous one's.
  const order: ('export' | 'history')[] = N < 100_000 ? ['export', 'history', 'history', 'export'] : ['export', 'history'];
  const runs: Record<'export' | 'history', number[]> = { export: [], history: [] };
  let exported: Store | undefined;
  for (const [i, path] of order.entries()) {
    const base = heapNow();
    const store = await freshStore(`${path}-${i}`);
    const t = now();
    const options = path === 'export' ? { baseUrl: server.url, batchSize: 1000 } : { baseUrl: server.url, bulkExport: false as const };
    const { value: report, peak } = await peakHeapAbove(base, () => store.replicate(options).syncOnce());
    const ms = now() - t;
    if (report.pulled !== N) throw new Error(`${path} pulled ${report.pulled}, expected ${N}`);
    runs[path].push(ms);
    const retained = heapNow() - base;
    // The heap of the first export only: the store it fills stays open (the raw baseline reads it), so later runs start above it.
    if (path === 'export' && i === 0) heapMb.exportSampledPeak = Math.round((peak - retained) / MB);
    const heap = path === 'export' && i === 0 ? `; heap: peak +${Math.round(peak / MB)} MB, after +${Math.round(retained / MB)} MB (the database itself, in memory), so the sync's own peak ${Math.round((peak - retained) / MB)} MB` : '';
    log(`  first sync by ${path === 'export' ? '$export, chunks of 1000' : '_history, pages of 100'}: ${n(perSecond(N, ms))} resources/s (${(ms / 1000).toFixed(1)} s)${heap}`);
    const f = now();
    await store.flushIndex();
    if (path === 'export') log(`  then its full-text postings (flushIndex): ${((now() - f) / 1000).toFixed(1)} s`);
    if (path === 'export' && exported === undefined) exported = store;
    else store.close();
  }
  for (const path of ['export', 'history'] as const) {
    const ms = median(runs[path]);
    results[path === 'export' ? 'export-1000' : 'history'] = { ms, rate: perSecond(N, ms) };
  }

  // 2. Raw Dexie writes of the rows the export wrote, twice (the median), nothing else running.
  const rawRuns = [await rawWriteMs(exported!, 1000), await rawWriteMs(exported!, 1000)];
  const raw = median(rawRuns);
  results['raw'] = { ms: raw, rate: perSecond(N, raw) };
  log(`  raw Dexie writes of the same rows, 1,000 per transaction: ${n(perSecond(N, raw))} resources/s (median of ${rawRuns.length})`);
  exported?.close();
  // Let the database go, so the live heap below is measured from what is left.
  exported = undefined;
  const e = results['export-1000']!;
  const h = results['history']!;
  log(`  medians: $export ${n(e.rate)}/s, _history ${n(h.rate)}/s, raw writes ${n(results['raw']!.rate)}/s`);
  log(`  export / _history: ${(e.rate / h.rate).toFixed(2)}x (target ≥ 5x); export / raw writes: ${Math.round((e.rate / results['raw']!.rate) * 100)}% (target ≥ 60%); _history / raw writes: ${Math.round((h.rate / results['raw']!.rate) * 100)}%`);

  // 3b. The sync's live heap (not timed): the export once more, into a fresh store, with a full GC every twentieth
  //     of the lines, each sample less the part of the final database already written; the sampled peak above
  //     includes garbage not yet collected, this does not.
  if (gc) {
    // What was freed but is still referenced from pending tasks (closed stores, the baseline's database) goes first.
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 50));
      heapNow();
    }
    const base = heapNow();
    const store = await freshStore('export-live-heap');
    const replication = store.replicate({ baseUrl: server.url, batchSize: 1000 });
    const samples: { done: number; heap: number }[] = [];
    let next = 0;
    const sampling = replication.progress$.subscribe((p) => {
      if (p.phase !== 'pull' || p.done === undefined || p.done < next) return;
      next = p.done + Math.max(1000, Math.round(N / 20));
      samples.push({ done: p.done, heap: heapNow() - base });
    });
    await replication.syncOnce();
    sampling.unsubscribe();
    const database = heapNow() - base;
    const own = Math.max(...samples.map((x) => x.heap - (database * x.done) / N));
    log(`  the export's live heap (a full GC every ${n(Math.max(1000, Math.round(N / 20)))} lines, ${samples.length} samples): at most +${Math.round(own / MB)} MB above the database written so far (target ≤ 300 MB); the database itself +${Math.round(database / MB)} MB`);
    heapMb.exportLivePeak = Math.round(own / MB);
    store.close();
  }

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
  writeFileSync(new URL('bench/results/sync-bulk.json', ROOT), `${JSON.stringify({ date: new Date().toISOString(), resources: N, cpus: os.cpus().length, node: process.version, results, heapMb }, null, 2)}\n`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
log(`done in ${((now() - started) / 1000).toFixed(0)} s`);
