/**
 * Memory and time of `store.export()` and `store.import()`: a store of N ImagingSelections (default 20,000, each
 * updated once, so 2N versions) exported to a directory and imported from it into an empty store, at N/4 and N in
 * the same run. The live heap is sampled after a full GC during each operation (every other export piece, every
 * 8th import piece of 256 KB). Reported beside same-run baselines: the heap of the whole history read at once
 * (what an export without paging would hold), and the time and retained heap of writing the same versions by
 * transaction Bundles of 1,000. A live heap that stays the same from N/4 to N means memory bounded by the page.
 *
 * Run: `node --expose-gc --import tsx bench/export.bench.ts` (`BENCH_EXPORT_N`, default 20000). Figures are
 * reported, never asserted. The stores are fake-indexeddb (in memory), so the imported store's own rows stay
 * on the heap: they are reported as retained, not as the import's transient memory.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import type { Bundle } from 'fhir/r5';
import { openStore, type ExportSource, type Store } from '../src/index.js';
import { directorySource } from '../src/server/export-dir.js';
import { storeDatabase } from '../src/store.js';
import { imagingSelection } from './generate.js';

const N = Number(process.env.BENCH_EXPORT_N ?? '20000');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const MB = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MB`;
const heap = (): number => process.memoryUsage().heapUsed;
const settled = (): number => {
  gc();
  gc();
  return heap();
};

const open = (name: string): Promise<Store> =>
  openStore({ name, indexedDB: new IDBFactory(), IDBKeyRange, persistence: 'optional', clock: () => new Date('2025-01-01T00:00:00Z') });

async function fill(store: Store, n: number): Promise<void> {
  for (let from = 0; from < n; from += 1000) {
    const batch = Array.from({ length: Math.min(1000, n - from) }, (_, k) => imagingSelection(from + k, n, Math.max(20, n / 20)));
    const tx = (status: string): Bundle => ({ resourceType: 'Bundle', type: 'transaction', entry: batch.map((r) => ({ resource: { ...r, status } as never, request: { method: 'PUT', url: `ImagingSelection/${r.id}` } })) });
    await store.transaction(tx('available'));
    await store.transaction(tx('unknown'));
  }
  await store.flushIndex();
}

interface Figures {
  n: number;
  bytes: number;
  /** Live heap (sampled after a GC) above the heap before, at its highest during the export. */
  exportLive: number;
  /** The whole history read at once (the baseline an export without paging would hold). */
  wholeStore: number;
  /** Live heap during the import above the heap after it, at its highest (the store itself only grows). */
  importTransient: number;
  /** Heap the imported store keeps (fake-indexeddb is in memory), and what the same data kept when written normally. */
  importRetained: number;
  fillRetained: number;
  ms: { fill: number; export: number; import: number };
}

/** Samples the live heap (after a full GC) every `every` calls. */
function sampler(every: number): { tick: () => void; max: () => number } {
  let calls = 0;
  let max = 0;
  return {
    tick() {
      if (++calls % every !== 0) return;
      max = Math.max(max, settled());
    },
    max: () => max,
  };
}

async function measure(n: number): Promise<Figures> {
  const dir = mkdtempSync(join(os.tmpdir(), 'fhir-export-bench-'));
  const f0 = settled();
  let t = performance.now();
  const source = await open(`source-${n}`);
  await fill(source, n);
  const fillMs = performance.now() - t;
  const fillRetained = settled() - f0;

  // Export into files, the live heap sampled every other piece (a piece is a page of 500 versions).
  let bytes = 0;
  const before = settled();
  const exportHeap = sampler(2);
  t = performance.now();
  const fds = new Map<string, number>();
  for await (const chunk of source.export()) {
    exportHeap.tick();
    let fd = fds.get(chunk.file);
    if (fd === undefined) fds.set(chunk.file, (fd = openSync(join(dir, chunk.file), 'w')));
    writeSync(fd, chunk.text);
    bytes += chunk.text.length;
  }
  for (const fd of fds.values()) closeSync(fd);
  const exportMs = performance.now() - t;
  const exportLive = Math.max(0, exportHeap.max() - before);

  // The baseline: every version in memory at once.
  const b0 = settled();
  const all = await storeDatabase(source).history.toArray();
  const wholeStore = settled() - b0;
  if (all.length !== 2 * n) throw new Error('unexpected history size');
  all.length = 0;
  source.close();

  // Import from the files (256 KB pieces), the live heap sampled every 8th piece.
  const target = await open(`target-${n}`);
  const files = directorySource(dir);
  const importHeap = sampler(8);
  const sampled: ExportSource = {
    async *read(file) {
      for await (const piece of files.read(file)) {
        importHeap.tick();
        yield piece;
      }
    },
  };
  const i0 = settled();
  t = performance.now();
  const summary = await target.import(sampled);
  const importMs = performance.now() - t;
  if (summary.versions !== 2 * n) throw new Error(`imported ${summary.versions} versions`);
  const after = settled();
  target.close();
  rmSync(dir, { recursive: true, force: true });
  return { n, bytes, exportLive, wholeStore, importTransient: Math.max(0, importHeap.max() - after), importRetained: after - i0, fillRetained, ms: { fill: fillMs, export: exportMs, import: importMs } };
}

const report = (f: Figures): void =>
  console.log(
    `${f.n.toLocaleString('en')} resources (${(2 * f.n).toLocaleString('en')} versions, export ${MB(f.bytes)}): ` +
      `export live heap +${MB(f.exportLive)} (whole history read at once: +${MB(f.wholeStore)}); ` +
      `import transient +${MB(f.importTransient)}, retained by the in-memory target ${MB(f.importRetained)} (the same data written by transactions: ${MB(f.fillRetained)}); ` +
      `writing it by transactions ${(f.ms.fill / 1000).toFixed(1)} s, export ${(f.ms.export / 1000).toFixed(1)} s, import ${(f.ms.import / 1000).toFixed(1)} s`,
  );
// Each size is printed as soon as it is measured.
const small = await measure(Math.round(N / 4));
report(small);
const large = await measure(N);
report(large);
const r = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(2) : 'n/a');
console.log(
  `ratios at ${large.n.toLocaleString('en')} / at ${small.n.toLocaleString('en')} (the store grew 4x): export live heap ${r(large.exportLive, small.exportLive)}, whole history ${r(large.wholeStore, small.wholeStore)}; ` +
    `at ${large.n.toLocaleString('en')}: export live heap / whole history ${r(large.exportLive, large.wholeStore)}, import time / writing by transactions ${r(large.ms.import, large.ms.fill)}, ` +
    `import retained / written retained ${r(large.importRetained, large.fillRetained)}`,
);
