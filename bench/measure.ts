/**
 * Small measuring helpers for the benchmark: a clock, medians, a memory sampler and a Dexie DBCore
 * middleware that counts the rows a store reads.
 * @module
 */
import type { DBCore, DBCoreGetManyRequest, DBCoreGetRequest, DBCoreQueryRequest, DBCoreOpenCursorRequest } from 'dexie';
import type Dexie from 'dexie';
import { performance } from 'node:perf_hooks';

export const now = (): number => performance.now();

const gc = (globalThis as { gc?: (o?: { type: 'minor' | 'major' }) => void }).gc;
/**
 * A scavenge before each timed run (with --expose-gc), so that no run pays for garbage another one left in the
 * young generation: queries of a few ms are otherwise dominated by whose turn the GC lands on.
 */
const settle = (): void => gc?.({ type: 'minor' });

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Times `fn`: a warm-up run (unless `warmMs` gives the time of one already made), then at least `minRuns` runs
 * and more until `maxRuns` or `budgetMs` of measured time. A run slower than a second cuts the runs to three;
 * a warm-up slower than `singleAboveMs` is taken as the only run (a query that slow is reported, not refined).
 */
export async function timeRuns(
  fn: () => Promise<unknown>,
  opts: { minRuns?: number; maxRuns?: number; budgetMs?: number; warmMs?: number; singleAboveMs?: number } = {},
): Promise<{ median: number; runs: number[] }> {
  const { maxRuns = 15, budgetMs = 5_000, singleAboveMs = 20_000 } = opts;
  let { minRuns = 5 } = opts;
  let warm = opts.warmMs;
  if (warm === undefined) {
    const w = now();
    await fn();
    warm = now() - w;
  }
  if (warm > singleAboveMs) return { median: warm, runs: [warm] };
  if (warm > 1_000) minRuns = Math.min(minRuns, 3);
  const runs: number[] = [];
  let spent = 0;
  while (runs.length < minRuns || (runs.length < maxRuns && spent < budgetMs)) {
    settle();
    const t = now();
    await fn();
    const d = now() - t;
    runs.push(d);
    spent += d;
    if (runs.length >= minRuns && spent > budgetMs * 4) break;
  }
  return { median: median(runs), runs };
}

/**
 * Times two functions alternately (a, b, a, b, …) so that both see the same machine noise (other processes,
 * GC pressure): one warm-up each (a's may be given as `warmMs`), then runs until both have `minRuns` and either
 * `maxRuns` or `budgetMs` of measured time. An `a` slower than `singleAboveMs` is measured once (its warm-up).
 */
export async function timePair(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  opts: { minRuns?: number; maxRuns?: number; budgetMs?: number; warmMs?: number; singleAboveMs?: number } = {},
): Promise<{ a: { median: number; runs: number[] }; b: { median: number; runs: number[] } }> {
  const { maxRuns = 15, budgetMs = 6_000, singleAboveMs = 20_000 } = opts;
  let { minRuns = 7 } = opts;
  const time = async (f: () => Promise<unknown>): Promise<number> => {
    settle();
    const t = now();
    await f();
    return now() - t;
  };
  const warmA = opts.warmMs ?? (await time(a));
  await time(b);
  if (warmA > singleAboveMs) return { a: { median: warmA, runs: [warmA] }, b: await timeRuns(b, { warmMs: 0 }) };
  if (warmA > 1_000) minRuns = Math.min(minRuns, 3);
  const ra: number[] = [];
  const rb: number[] = [];
  let spent = 0;
  while (ra.length < minRuns || (ra.length < maxRuns && spent < budgetMs)) {
    const x = await time(a);
    const y = await time(b);
    ra.push(x);
    rb.push(y);
    spent += x + y;
    if (ra.length >= minRuns && spent > budgetMs * 4) break;
  }
  return { a: { median: median(ra), runs: ra }, b: { median: median(rb), runs: rb } };
}

/** Samples rss and heapUsed every `everyMs`, keeping the maxima. */
export class MemorySampler {
  maxRss = 0;
  maxHeap = 0;
  private timer: NodeJS.Timeout | undefined;
  start(everyMs = 200): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }
  sample(): void {
    const m = process.memoryUsage();
    if (m.rss > this.maxRss) this.maxRss = m.rss;
    if (m.heapUsed > this.maxHeap) this.maxHeap = m.heapUsed;
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sample();
  }
}

/** What a store read through Dexie, per table: full rows (values) and bare keys. */
export class ReadCounter {
  rows = new Map<string, number>();
  keys = new Map<string, number>();
  cursors = new Map<string, number>();
  reset(): void {
    this.rows.clear();
    this.keys.clear();
    this.cursors.clear();
  }
  addCursor(table: string): void {
    this.cursors.set(table, (this.cursors.get(table) ?? 0) + 1);
  }
  addRows(table: string, n: number): void {
    this.rows.set(table, (this.rows.get(table) ?? 0) + n);
  }
  addKeys(table: string, n: number): void {
    this.keys.set(table, (this.keys.get(table) ?? 0) + n);
  }
  rowsOf(table: string): number {
    return this.rows.get(table) ?? 0;
  }
  keysOf(table: string): number {
    return this.keys.get(table) ?? 0;
  }
}

/**
 * Installs a DBCore middleware on `db` that counts what `get`, `getMany`, `query` and cursors return, then
 * closes and reopens the database (Dexie builds its middleware stack on open).
 */
export async function countReads(db: Dexie, counter: ReadCounter): Promise<void> {
  db.use({
    stack: 'dbcore',
    name: 'bench-read-counter',
    create: (down: DBCore): DBCore => ({
      ...down,
      table: (name) => {
        const t = down.table(name);
        return {
          ...t,
          get: async (req: DBCoreGetRequest) => {
            const v = await t.get(req);
            if (v !== undefined) counter.addRows(name, 1);
            return v;
          },
          getMany: async (req: DBCoreGetManyRequest) => {
            const vs = await t.getMany(req);
            counter.addRows(name, vs.filter((v) => v !== undefined).length);
            return vs;
          },
          query: async (req: DBCoreQueryRequest) => {
            const res = await t.query(req);
            if (req.values) counter.addRows(name, res.result.length);
            else counter.addKeys(name, res.result.length);
            return res;
          },
          openCursor: (req: DBCoreOpenCursorRequest) => {
            // Rows walked by a cursor are not counted one by one; cursor opens are, so a scan by cursor shows.
            counter.addCursor(name);
            return t.openCursor(req);
          },
        };
      },
    }),
  });
  db.close();
  await db.open();
}

export const fmtMs = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
export const fmtUs = (ms: number): string => `${(ms * 1000).toFixed(0)} µs`;
export const fmtMiB = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
export const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');
