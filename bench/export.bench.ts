/**
 * Memory of `store.export()` and `store.import()`: a store of N ImagingSelections (default 20,000, each updated
 * once, so 2N versions) exported to a directory and imported from it into an empty store, with the heap sampled
 * at every piece. Reported per size, in the same run: the transient heap (peak during the operation minus the
 * heap after it, after a GC), beside what the whole store costs to hold in memory at once (`history.toArray()`,
 * the baseline an export that read everything at once would need), and the ratio of the transient heap at N to
 * that at N/4: about 1 means the memory is bounded by the page size, about 4 would mean it grows with the store.
 *
 * Run: `node --expose-gc --import tsx bench/export.bench.ts` (`BENCH_EXPORT_N`, default 20000). Figures are
 * reported, never asserted. The stores are fake-indexeddb (in memory), so the imported store's own rows stay
 * on the heap: they are counted as retained, not transient.
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
  exportTransient: number;
  importTransient: number;
  importRetained: number;
  wholeStore: number;
  ms: { export: number; import: number };
}

async function measure(n: number): Promise<Figures> {
  const dir = mkdtempSync(join(os.tmpdir(), 'fhir-export-bench-'));
  const source = await open(`source-${n}`);
  await fill(source, n);

  // Export into files, sampling the heap at each piece.
  let bytes = 0;
  let peak = 0;
  const before = settled();
  let t = performance.now();
  const fds = new Map<string, number>();
  for await (const chunk of source.export()) {
    peak = Math.max(peak, heap());
    let fd = fds.get(chunk.file);
    if (fd === undefined) fds.set(chunk.file, (fd = openSync(join(dir, chunk.file), 'w')));
    writeSync(fd, chunk.text);
    bytes += chunk.text.length;
  }
  for (const fd of fds.values()) closeSync(fd);
  const exportMs = performance.now() - t;
  const exportTransient = peak - Math.max(before, settled());

  // The baseline: every version in memory at once.
  const b0 = settled();
  const all = await storeDatabase(source).history.toArray();
  const wholeStore = settled() - b0;
  if (all.length !== 2 * n) throw new Error('unexpected history size');
  all.length = 0;
  source.close();

  // Import from the files, sampling the heap at each piece read.
  const target = await open(`target-${n}`);
  const files = directorySource(dir);
  let importPeak = 0;
  const sampled: ExportSource = {
    async *read(file) {
      for await (const piece of files.read(file)) {
        importPeak = Math.max(importPeak, heap());
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
  return { n, bytes, exportTransient, importTransient: Math.max(0, importPeak - after), importRetained: after - i0, wholeStore, ms: { export: exportMs, import: importMs } };
}

const small = await measure(Math.round(N / 4));
const large = await measure(N);
for (const f of [small, large]) {
  console.log(
    `${f.n.toLocaleString('en')} resources (${(2 * f.n).toLocaleString('en')} versions, export ${MB(f.bytes)}): ` +
      `export transient heap ${MB(f.exportTransient)}, import transient heap ${MB(f.importTransient)} (retained by the in-memory target store: ${MB(f.importRetained)}); ` +
      `whole history in memory at once: ${MB(f.wholeStore)}; export ${(f.ms.export / 1000).toFixed(1)} s, import ${(f.ms.import / 1000).toFixed(1)} s`,
  );
}
console.log(
  `transient heap at ${large.n.toLocaleString('en')} / at ${small.n.toLocaleString('en')}: export ${(large.exportTransient / small.exportTransient).toFixed(2)}, import ${(large.importTransient / small.importTransient).toFixed(2)} ` +
    `(the store grew 4x); export transient / whole history at ${large.n.toLocaleString('en')}: ${(large.exportTransient / large.wholeStore).toFixed(2)}`,
);
