/**
 * The replication part of `npm run bench`: a first pull of N ImagingSelections (default 10,000) from the
 * package's own server into an empty store, and a push of N local changes in `put` and `transaction` modes,
 * as resources per second beside a raw-Dexie baseline that writes the same rows in the same run.
 *
 * The server runs in a child process (`src/server/cli.ts serve`), so its work does not share the benchmark's
 * event loop: the figures are what a device sees from a server on the same machine over loopback HTTP.
 *
 * Environment: `BENCH_SYNC_N` (default 10000) resources; `BENCH_DOCS=0` to leave docs/benchmarks.md alone.
 * Speed is reported, never asserted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import type { Bundle } from 'fhir/r5';
import { openStore, sequentialIds, steppingClock, type Store } from '../src/index.js';
import { storeDatabase } from '../src/store.js';
import { StoreDatabase } from '../src/storage/schema.js';
import { imagingSelection } from './generate.js';
import { median, now } from './measure.js';
import { renderDocs, type BenchResult, type SyncBenchResult, type SyncFigure } from './report.js';
import { withChromiumSection } from './browser/docs.js';
import { doorbellLatency, type LatencyFigure } from './doorbell-latency.js';

const N = Number(process.env.BENCH_SYNC_N ?? '10000');
if (!(N > 0)) throw new Error(`BENCH_SYNC_N must be a positive number, got ${process.env.BENCH_SYNC_N}`);
const PATIENTS = Math.max(20, Math.round(N / 20));
const ROOT = new URL('../', import.meta.url);
const WRITE_DOCS = process.env.BENCH_DOCS !== '0';
const log = (s = ''): void => {
  process.stdout.write(`${s}\n`);
};
const n = (x: number): string => x.toLocaleString('en');
const perSecond = (count: number, ms: number): number => Math.round((count / ms) * 1000);

/** The package's server in a child process, optionally preloaded from an NDJSON file. */
async function startChildServer(data?: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('src/server/cli.ts', ROOT)), 'serve', '--port', '0', ...(data ? ['--data', data] : [])], {
    cwd: fileURLToPath(ROOT),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening at (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const freshStore = (name: string): Promise<Store> =>
  openStore({ name, indexedDB: new IDBFactory(), IDBKeyRange, clock: steppingClock('2025-06-01T00:00:00.000Z', 1), idGenerator: sequentialIds('b') });

/**
 * The baseline: raw Dexie writes of the rows `store` holds (current rows and history rows, as replication wrote
 * them) into a fresh database of the same schema, `page` resources per transaction, as a pull commits pages.
 */
async function rawWriteMs(store: Store, page: number): Promise<number> {
  const resources = await storeDatabase(store).resources.toArray();
  const history = (await storeDatabase(store).history.toArray()).map(({ seq: _seq, ...h }) => h);
  const db = new StoreDatabase('raw-baseline', { indexedDB: new IDBFactory(), IDBKeyRange });
  await db.open();
  const t = now();
  for (let i = 0; i < resources.length; i += page) {
    await db.transaction('rw', [db.resources, db.history], async () => {
      await db.resources.bulkPut(resources.slice(i, i + page));
      await db.history.bulkAdd(history.slice(i, i + page));
    });
  }
  const ms = now() - t;
  db.close();
  return ms;
}

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
  for (const batchSize of [100, 1000]) {
    const runs: number[] = [];
    for (let run = 0; run < 3; run++) {
      lastPulled?.close();
      const store = await freshStore(`pull-${batchSize}-${run}`);
      const t = now();
      const report = await store.replicate({ baseUrl: server.url, batchSize }).syncOnce();
      runs.push(now() - t);
      if (report.pulled !== N) throw new Error(`pulled ${report.pulled}, expected ${N}`);
      lastPulled = store;
    }
    const raw = await rawWriteMs(lastPulled!, batchSize);
    const ms = median(runs);
    figures.push({ name: `first pull, pages of ${batchSize}`, count: N, ms, perSecond: perSecond(N, ms), rawPerSecond: perSecond(N, raw), target: batchSize === 100 ? 1000 : undefined });
    log(`  first pull, pages of ${batchSize}: ${n(perSecond(N, ms))} resources/s (median of 3, ${(ms / 1000).toFixed(1)} s); raw Dexie writes of the same rows: ${n(perSecond(N, raw))} resources/s`);
  }
  lastPulled?.close();
  await server.stop();

  // 2. Push of N local changes (creates) to an empty server, in put mode and in transaction mode. The store is
  //    loaded once per mode (not timed); the push is timed until the outbox is empty.
  for (const mode of ['put', 'transaction'] as const) {
    const target = await startChildServer();
    const store = await freshStore(`push-${mode}`);
    for (let i = 0; i < N; i += 1000) {
      const entry = Array.from({ length: Math.min(1000, N - i) }, (_, k) => {
        const r = imagingSelection(i + k, N, PATIENTS);
        return { resource: r, request: { method: 'PUT' as const, url: `ImagingSelection/${r.id}` } };
      });
      await store.transaction({ resourceType: 'Bundle', type: 'transaction', entry } as Bundle);
    }
    const raw = await rawWriteMs(store, 100);
    const t = now();
    const report = await store.replicate({ baseUrl: target.url, push: mode, batchSize: 100 }).syncOnce();
    const ms = now() - t;
    if (report.pushed.length !== N || (await storeDatabase(store).outbox.count()) !== 0) throw new Error(`pushed ${report.pushed.length} of ${N}`);
    figures.push({ name: `push of ${n(N)} creates, ${mode} mode (batches of 100)`, count: N, ms, perSecond: perSecond(N, ms), rawPerSecond: perSecond(N, raw) });
    log(`  push, ${mode} mode: ${n(perSecond(N, ms))} resources/s (${(ms / 1000).toFixed(1)} s); raw Dexie writes of the same rows: ${n(perSecond(N, raw))} resources/s`);
    store.close();
    await target.stop();
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
