/**
 * The page of `bench/sync-chromium.ts` (`npm run bench:sync:browser`): a first sync into a new store on the
 * page's IndexedDB (a persistent profile, on disk), the raw Dexie writes of the rows it wrote, a push of local
 * creates with its requests recorded, and their replay by the page's own `fetch`. Each function is timed here and
 * returns plain values to Node.
 * @module
 */
import type { Bundle } from 'fhir/r5';
import type { Table } from 'dexie';
import { openStore } from '../src/index.js';
import { storeDatabase } from '../src/store.js';
import { StoreDatabase } from '../src/storage/schema.js';
import type { TextRow } from '../src/storage/rows.js';
import { imagingSelection } from './generate.js';
import { recording, replay, type RecordedRequest } from './replay.js';

/** Rows per table in each transaction of the raw baseline: as many as the sync's chunks and pages hold. */
const RAW_CHUNK = 1000;

/** The raw-write baseline of one store's rows: milliseconds and the rows written per table. */
export interface RawFigure {
  ms: number;
  rows: Record<string, number>;
}

/** One timed first sync, and with `raw`, the raw writes of the rows it wrote (every table; resources + history). */
export interface FirstSyncFigure {
  ms: number;
  pulled: number;
  /**
   * When (ms from the start) the first file's progress came (by export: after kick-off and status polls) and when
   * the first `_history` pull began (by export: the catch-up after the files); from `progress$`.
   */
  marks: { files?: number; history?: number };
  /** The requests the sync sent, counted by kind and status (`GET $export 202`, `GET _history 200`, …). */
  requests: Record<string, number>;
  raw?: { all: RawFigure; resourcesAndHistory: RawFigure };
}

/** One timed push: until its push pass settled every change; what the replication sent; what it left behind. */
export interface PushFigure {
  /** Undefined when no progress event reported every change settled (a wrong count: the caller fails). */
  ms?: number;
  pushed: number;
  failed: number;
  conflicts: number;
  outbox: number;
  recorded: RecordedRequest[];
}

/** What a sync's request was for, as far as the caller checks it: the export's parts, a `_history` page, or other. */
function kind(url: string): string {
  if (url.includes('$export')) return '$export';
  if (/\/_bulk\/[^/]+$/.test(url)) return 'export status';
  if (/\.ndjson$/.test(url)) return 'export file';
  if (url.includes('_history')) return '_history';
  return new URL(url).pathname.split('/').pop() ?? url;
}

/** A `fetch` that counts the requests it passes on to the page's `fetch`, by method, {@link kind} and status. */
function counting(into: Record<string, number>): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    const key = `${init?.method ?? 'GET'} ${kind(String(input))} ${res.status}`;
    into[key] = (into[key] ?? 0) + 1;
    return res;
  };
}

/**
 * The rows of `source`'s tables (all, or those named in `only`) written by raw Dexie into a fresh database `name`
 * of the same schema, {@link RAW_CHUNK} rows of each table per transaction; returns the time of the writes only.
 */
async function rawWrites(source: StoreDatabase, name: string, only?: readonly string[]): Promise<RawFigure> {
  const tables: { name: string; auto: boolean; rows: unknown[] }[] = [];
  for (const table of source.tables as Table<Record<string, unknown>>[]) {
    if (only && !only.includes(table.name)) continue;
    const { auto, keyPath } = table.schema.primKey;
    const rows = (await table.toArray()).map((row) => {
      // An auto-incremented key (history's `seq`) is the new database's to assign, as it was the sync's.
      const r = auto && typeof keyPath === 'string' ? Object.fromEntries(Object.entries(row).filter(([k]) => k !== keyPath)) : row;
      // The sync writes text rows pending, their postings left to the background writer; the source was flushed
      // since (so no posting write overlapped a timed run): written back as the sync wrote them.
      if (table.name !== 'texts') return r;
      const { tx: _tx, ...text } = r as unknown as TextRow;
      return { ...text, pending: text.type };
    });
    if (rows.length > 0) tables.push({ name: table.name, auto: auto === true, rows });
  }
  const db = new StoreDatabase(name, { indexedDB, IDBKeyRange });
  await db.open();
  const longest = Math.max(0, ...tables.map((t) => t.rows.length));
  const t = performance.now();
  for (let i = 0; i < longest; i += RAW_CHUNK) {
    const part = tables.filter((x) => x.rows.length > i);
    await db.transaction(
      'rw',
      part.map((x) => db.table(x.name)),
      () =>
        Promise.all(
          part.map((x) => {
            const slice = x.rows.slice(i, i + RAW_CHUNK);
            return x.auto ? db.table(x.name).bulkAdd(slice) : db.table(x.name).bulkPut(slice);
          }),
        ),
    );
  }
  const ms = performance.now() - t;
  db.close();
  return { ms, rows: Object.fromEntries(tables.map((x) => [x.name, x.rows.length])) };
}

/**
 * A first sync from `baseUrl` into a new store `name`, by `$export` or by `_history` paging, timed; with `raw`,
 * then the raw writes of its rows into two new databases (every table; resources and history only), in an order
 * that alternates with `raw`'s parity. The postings the sync left pending are written before this returns, so they
 * never overlap the next timed run.
 */
async function firstSync(baseUrl: string, by: 'export' | 'history', batchSize: number, name: string, raw?: 'all-first' | 'rh-first'): Promise<FirstSyncFigure> {
  const store = await openStore({ name });
  // Counted so the caller can tell the sync went the way asked (the export falls back to _history silently).
  const requests: Record<string, number> = {};
  const replication = store.replicate({ baseUrl, batchSize, fetch: counting(requests), ...(by === 'history' ? { bulkExport: false } : {}) });
  // The export's progress events carry `done` from its first file on; a type's `_history` pull starts with one without.
  const marks: FirstSyncFigure['marks'] = {};
  let t = 0;
  const phases = replication.progress$.subscribe((p) => {
    if (p.phase !== 'pull') return;
    if (p.done === undefined) marks.history ??= performance.now() - t;
    else if (marks.history === undefined) marks.files ??= performance.now() - t;
  });
  t = performance.now();
  const report = await replication.syncOnce();
  const ms = performance.now() - t;
  phases.unsubscribe();
  await store.flushIndex();
  let rawFigure: FirstSyncFigure['raw'];
  if (raw) {
    const db = storeDatabase(store);
    const all = (): Promise<RawFigure> => rawWrites(db, `${name}-raw-all`);
    const rh = (): Promise<RawFigure> => rawWrites(db, `${name}-raw-rh`, ['resources', 'history']);
    rawFigure = raw === 'all-first' ? { all: await all(), resourcesAndHistory: await rh() } : { resourcesAndHistory: await rh(), all: await all() };
  }
  store.close();
  return { ms, pulled: report.pulled, marks, requests, ...(rawFigure ? { raw: rawFigure } : {}) };
}

/**
 * Loads a new store `name` with `n` local creates (transaction Bundles of 1,000 PUTs; not timed), then pushes them
 * to `baseUrl` in `mode` with `concurrency` in flight, Bundles or batches of 100, timed until the push pass has
 * settled every change (the pull that follows the push, an export whose job is waited for, is not push time).
 * Every request the replication sends is recorded.
 */
async function push(baseUrl: string, mode: 'put' | 'transaction', concurrency: number, n: number, name: string): Promise<PushFigure> {
  const store = await openStore({ name });
  const patients = Math.max(20, Math.round(n / 20));
  for (let i = 0; i < n; i += 1000) {
    const entry = Array.from({ length: Math.min(1000, n - i) }, (_, k) => {
      const r = imagingSelection(i + k, n, patients);
      return { resource: r, request: { method: 'PUT' as const, url: `ImagingSelection/${r.id}` } };
    });
    await store.transaction({ resourceType: 'Bundle', type: 'transaction', entry } as Bundle);
  }
  // The loading's postings are written now, not in the background of the timed push.
  await store.flushIndex();
  const recorded: RecordedRequest[] = [];
  const replication = store.replicate({ baseUrl, push: mode, pushConcurrency: concurrency, batchSize: 100, fetch: recording(recorded) });
  let ms: number | undefined;
  let t = 0;
  const progress = replication.progress$.subscribe((p) => {
    if (ms === undefined && p.phase === 'push' && p.done === n) ms = performance.now() - t;
  });
  t = performance.now();
  try {
    const report = await replication.syncOnce();
    const outbox = await storeDatabase(store).outbox.count();
    await store.flushIndex();
    return { ...(ms !== undefined ? { ms } : {}), pushed: report.pushed.length, failed: report.failed.length, conflicts: report.conflicts.length, outbox, recorded };
  } finally {
    progress.unsubscribe();
    store.close();
  }
}

/** {@link replay} from the page: the recorded writes sent again by the page's `fetch`; milliseconds. */
function replayRequests(requests: RecordedRequest[], base: string, recordedBase: string, concurrency: number): Promise<number> {
  return replay(requests, base, recordedBase, concurrency);
}

/** What the page offers Node, as `window.syncBench`. */
export const syncBench = { firstSync, push, replayRequests };
export type SyncBenchPage = typeof syncBench;

(window as unknown as { syncBench: SyncBenchPage }).syncBench = syncBench;
