/**
 * The replication part of `npm run bench`: a first pull by `_history` of N ImagingSelections (default 10,000) from the
 * package's own server into an empty store, and a push of N local changes in `put`, `post` and `transaction` modes
 * (`put` and `post` with 1 and 6 requests in flight), as resources per second beside a raw-Dexie baseline that
 * writes the same rows in the same run; each push also beside what the server alone accepts of the same requests,
 * replayed by a plain HTTP client with the same concurrency (bench/replay.ts).
 *
 * The server runs in a child process (`src/server/cli.ts serve`), so its work does not share the benchmark's
 * event loop: the figures are what a device sees from a server on the same machine over loopback HTTP.
 *
 * Environment: `BENCH_SYNC_N` (default 10000) resources; `BENCH_DOCS=0` to leave docs/benchmarks.md alone;
 * `BENCH_SYNC_PARTS` (default `pull,push`) the parts to run; `BENCH_SYNC_PUSH_MODES` (default `put,post,transaction`).
 * Speed is reported, never asserted.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Bundle } from 'fhir/r5';
import type { Store } from '../src/index.js';
import { storeDatabase } from '../src/store.js';
import { imagingSelection } from './generate.js';
import { median, now } from './measure.js';
import { freshStore, rawWriteMs, startChildServer } from './sync-parts.js';
import { recording, replay, type RecordedRequest } from './replay.js';
import { renderDocs, type BenchResult, type SyncBenchResult, type SyncFigure } from './report.js';
import { withChromiumSection } from './browser/docs.js';
import { doorbellLatency, type LatencyFigure } from './doorbell-latency.js';

const N = Number(process.env.BENCH_SYNC_N ?? '10000');
if (!(N > 0)) throw new Error(`BENCH_SYNC_N must be a positive number, got ${process.env.BENCH_SYNC_N}`);
const PATIENTS = Math.max(20, Math.round(N / 20));
const ROOT = new URL('../', import.meta.url);
const PARTS = new Set((process.env.BENCH_SYNC_PARTS ?? 'pull,push').split(',').map((p) => p.trim()));
/** The push runs: each mode one request at a time and at the default concurrency (transaction mode: one Bundle at a time). */
const DEFAULT_CONCURRENCY = 6;
const PUSH_RUNS = [
  { mode: 'put', concurrency: 1 },
  { mode: 'put', concurrency: DEFAULT_CONCURRENCY },
  { mode: 'post', concurrency: 1 },
  { mode: 'post', concurrency: DEFAULT_CONCURRENCY },
  { mode: 'transaction', concurrency: 1 },
] as const;
/** `BENCH_SYNC_PUSH_MODES` (default all three): the push modes to run. */
const PUSH_MODES = new Set((process.env.BENCH_SYNC_PUSH_MODES ?? 'put,post,transaction').split(',').map((m) => m.trim()));
/** The targets of issue 14, resources/s, at the default concurrency (or >= 80% of what the server alone accepts). */
const PUSH_TARGETS: Record<string, number | undefined> = { put: 1000, transaction: 2000 };
const WRITE_DOCS = process.env.BENCH_DOCS !== '0';
const log = (s = ''): void => {
  process.stdout.write(`${s}\n`);
};
const n = (x: number): string => x.toLocaleString('en');
const perSecond = (count: number, ms: number): number => Math.round((count / ms) * 1000);


const figures: SyncFigure[] = [];
const latency: LatencyFigure[] = [];
const tmp = mkdtempSync(join(os.tmpdir(), 'fhir-sync-bench-'));
const started = now();
log(`fhir-offline-store sync benchmark: ${n(N)} ImagingSelections; ${os.cpus().length} CPUs, node ${process.version}`);

try {
  // 1. First pull: the server holds N selections; an empty store pulls them all (pages of 100, the default,
  //    and of 1,000). Three runs each, a fresh store every run; the median is reported.
  const dataFile = join(tmp, 'selections.ndjson');
  writeFileSync(dataFile, Array.from({ length: N }, (_, i) => JSON.stringify(imagingSelection(i, N, PATIENTS))).join('\n'));
  const server = await startChildServer(dataFile);
  let lastPulled: Store | undefined;
  for (const batchSize of PARTS.has('pull') ? [100, 1000] : []) {
    const runs: number[] = [];
    for (let run = 0; run < 3; run++) {
      lastPulled?.close();
      const store = await freshStore(`pull-${batchSize}-${run}`);
      const t = now();
      // By `_history` paging, what the first pull's target was set on (the first sync by `$export`, the default when
      // the server offers it, is measured by bench/sync-bulk.bench.ts).
      const report = await store.replicate({ baseUrl: server.url, batchSize, bulkExport: false }).syncOnce();
      runs.push(now() - t);
      if (report.pulled !== N) throw new Error(`pulled ${report.pulled}, expected ${N}`);
      lastPulled = store;
    }
    const raw = await rawWriteMs(lastPulled!, batchSize);
    const ms = median(runs);
    figures.push({ name: `first pull by _history, pages of ${batchSize}`, count: N, ms, perSecond: perSecond(N, ms), rawPerSecond: perSecond(N, raw), target: batchSize === 100 ? 1000 : undefined });
    log(`  first pull by _history, pages of ${batchSize}: ${n(perSecond(N, ms))} resources/s (median of 3, ${(ms / 1000).toFixed(1)} s); raw Dexie writes of the same rows: ${n(perSecond(N, raw))} resources/s`);
  }
  lastPulled?.close();
  await server.stop();

  // 2. Push of N local changes (creates) to an empty server, per mode and per concurrency. The store is loaded
  //    once per run (not timed); the push is timed until the outbox is empty. Every request the replication sends
  //    is recorded and then replayed by a plain HTTP client, with the same concurrency, against another fresh
  //    server: what the server alone accepts, the baseline of the push.
  if (PARTS.has('push')) {
    for (const { mode, concurrency } of PUSH_RUNS.filter((r) => PUSH_MODES.has(r.mode))) {
      const store = await freshStore(`push-${mode}-${concurrency}`);
      for (let i = 0; i < N; i += 1000) {
        const entry = Array.from({ length: Math.min(1000, N - i) }, (_, k) => {
          const r = imagingSelection(i + k, N, PATIENTS);
          return { resource: r, request: { method: 'PUT' as const, url: `ImagingSelection/${r.id}` } };
        });
        await store.transaction({ resourceType: 'Bundle', type: 'transaction', entry } as Bundle);
      }
      const raw = await rawWriteMs(store, 100);
      const target = await startChildServer();
      const recorded: RecordedRequest[] = [];
      const replication = store.replicate({ baseUrl: target.url, push: mode, pushConcurrency: concurrency, batchSize: 100, fetch: recording(recorded) });
      // The push ends when its pass has settled (recorded) every change. The pull that follows in the cycle (it
      // first-syncs what was pushed by $export, waiting for the server's job) is not timed.
      let pushEnd: number | undefined;
      const progress = replication.progress$.subscribe((p) => {
        if (p.phase === 'push' && p.done === N) pushEnd ??= now();
      });
      const t = now();
      const report = await replication.syncOnce();
      progress.unsubscribe();
      if (pushEnd === undefined) throw new Error(`the push pass never reported ${N} changes settled`);
      const ms = pushEnd - t;
      if (report.pushed.length !== N || (await storeDatabase(store).outbox.count()) !== 0) throw new Error(`pushed ${report.pushed.length} of ${N}`);
      store.close();
      await target.stop();
      const alone = await startChildServer();
      const serverMs = await replay(recorded, alone.url, target.url, concurrency);
      await alone.stop();
      const inFlight = mode === 'transaction' ? '1 Bundle of 100 in flight' : `${concurrency} request${concurrency > 1 ? 's' : ''} in flight`;
      const figure: SyncFigure = {
        name: `push of ${n(N)} creates, ${mode} mode, ${inFlight}`,
        count: N,
        ms,
        perSecond: perSecond(N, ms),
        rawPerSecond: perSecond(N, raw),
        serverPerSecond: perSecond(N, serverMs),
        target: mode === 'transaction' || concurrency === DEFAULT_CONCURRENCY ? PUSH_TARGETS[mode] : undefined,
      };
      figures.push(figure);
      log(
        `  push, ${mode} mode, ${inFlight}: ${n(figure.perSecond)} resources/s (${(ms / 1000).toFixed(1)} s); the server alone, same ${recorded.filter((r) => r.method !== 'GET').length} requests: ` +
          `${n(figure.serverPerSecond!)} resources/s (${((figure.perSecond / figure.serverPerSecond!) * 100).toFixed(0)}%); raw Dexie writes of the same rows: ${n(figure.rawPerSecond)} resources/s`,
      );
    }
  }

  // 3. Doorbell latency: server writes reaching a store subscribed over a websocket, beside one polling every second.
  const live = await startChildServer();
  try {
    latency.push(...(await doorbellLatency(live.url)));
  } finally {
    await live.stop();
  }
  for (const f of latency) log(`  ${f.name}: median ${f.medianMs.toFixed(0)} ms, p95 ${f.p95Ms.toFixed(0)} ms, max ${f.maxMs.toFixed(0)} ms (${f.count} writes)`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const result: SyncBenchResult = {
  date: new Date().toISOString(),
  resources: N,
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version },
  figures,
  latency,
  wallSeconds: (now() - started) / 1000,
};
mkdirSync(new URL('bench/results/', ROOT), { recursive: true });
writeFileSync(new URL('bench/results/sync.json', ROOT), `${JSON.stringify(result, null, 2)}\n`);
if (WRITE_DOCS) {
  const all = readdirSync(new URL('bench/results/', ROOT))
    .filter((f) => /^scale-.*\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(new URL(`bench/results/${f}`, ROOT), 'utf8')) as BenchResult);
  writeFileSync(new URL("docs/benchmarks.md", ROOT), withChromiumSection(renderDocs(all, result)));
  log('Wrote docs/benchmarks.md and bench/results/sync.json');
}
