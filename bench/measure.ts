/**
 * Small measuring helpers for the benchmark: a clock, medians, a memory sampler and a Dexie DBCore
 * middleware that counts the rows a store reads.
 * @module
 */
import type { DBCore, DBCoreGetManyRequest, DBCoreGetRequest, DBCoreQueryRequest, DBCoreOpenCursorRequest } from 'dexie';
import type Dexie from 'dexie';
import { performance } from 'node:perf_hooks';

export const now = (): number => performance.now();

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Times `fn`: one warm-up run, then at least `minRuns` runs and more until `maxRuns` or `budgetMs` of
 * measured time. Returns the median and every run.
 */
export async function timeRuns(fn: () => Promise<unknown>, opts: { minRuns?: number; maxRuns?: number; budgetMs?: number } = {}): Promise<{ median: number; runs: number[] }> {
  const { minRuns = 5, maxRuns = 15, budgetMs = 5_000 } = opts;
  await fn();
  const runs: number[] = [];
  let spent = 0;
  while (runs.length < minRuns || (runs.length < maxRuns && spent < budgetMs)) {
    const t = now();
    await fn();
    const d = now() - t;
    runs.push(d);
    spent += d;
    if (runs.length >= minRuns && spent > budgetMs * 4) break; // a very slow query: do not run it forever
  }
  return { median: median(runs), runs };
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
