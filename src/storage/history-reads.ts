import Dexie from 'dexie';
import type { HistoryRow } from './rows.js';
import type { StoreDatabase } from './schema.js';

/** A history request: instance (`type` and `id`), type (`type`), or system (neither). */
export interface HistoryQuery {
  type?: string;
  id?: string;
  /** `_since`: versions created at or after this instant (ms). */
  since?: number;
  /** `_at`: versions current at some point in `[low, high]` (ms). */
  at?: { low: number; high: number };
  count: number;
  /** Keyset cursor: continue strictly after (older than) this position. */
  after?: { ts: number; seq: number };
}

/** A page of history, newest first. */
export interface HistoryPage {
  rows: HistoryRow[];
  /** Versions on all pages; counted for the first page only (a range count reads the whole range). */
  total?: number;
  next?: { ts: number; seq: number };
}

const newestFirst = (a: HistoryRow, b: HistoryRow): number => b.ts - a.ts || (b.seq ?? 0) - (a.seq ?? 0);

const isBefore = (row: HistoryRow, after: { ts: number; seq: number } | undefined): boolean =>
  after === undefined || row.ts < after.ts || (row.ts === after.ts && (row.seq ?? 0) < after.seq);

/**
 * Reads one page of history, newest first, deletions included. Pages are keyset-paged on `(ts, seq)`, so a
 * `next` link stays right while new versions are written.
 * @see https://hl7.org/fhir/R5/http.html#history
 */
async function queryHistory(db: StoreDatabase, q: HistoryQuery): Promise<HistoryPage> {
  if (q.at !== undefined || q.id !== undefined) return pageInMemory(await candidates(db, q), q);

  // Type and system history without _at read straight off the [type+ts+seq] / [ts+seq] indexes.
  const since = q.since ?? -Infinity;
  const upper = q.after ? [q.after.ts, q.after.seq] : [Infinity, Dexie.maxKey];
  const collection =
    q.type !== undefined
      ? db.history.where('[type+ts+seq]').between([q.type, since, Dexie.minKey], [q.type, ...upper], true, false)
      : db.history.where('[ts+seq]').between([since, Dexie.minKey], upper, true, false);
  const rows = await collection.reverse().limit(q.count + 1).toArray();
  if (q.after !== undefined) return page(rows, q.count, undefined);
  const totalRange =
    q.type !== undefined
      ? db.history.where('[type+ts+seq]').between([q.type, since, Dexie.minKey], [q.type, Infinity, Dexie.maxKey])
      : db.history.where('[ts+seq]').between([since, Dexie.minKey], [Infinity, Dexie.maxKey]);
  const total = await totalRange.count();
  return page(rows, q.count, total);
}

async function candidates(db: StoreDatabase, q: HistoryQuery): Promise<HistoryRow[]> {
  let rows: HistoryRow[];
  if (q.id !== undefined && q.type !== undefined) {
    rows = await db.history
      .where('[type+id+versionId]')
      .between([q.type, q.id, Dexie.minKey], [q.type, q.id, Dexie.maxKey])
      .toArray();
  } else if (q.type !== undefined) {
    rows = await db.history.where('[type+ts+seq]').between([q.type, -Infinity, Dexie.minKey], [q.type, Infinity, Dexie.maxKey]).toArray();
  } else {
    // Through the time index, not the table: a sequence marker (`storage/evict.ts`) is a key and no row.
    rows = await db.history.where('[ts+seq]').between([-Infinity, Dexie.minKey], [Infinity, Dexie.maxKey]).toArray();
  }
  rows.sort(newestFirst);
  if (q.since !== undefined) rows = rows.filter((r) => r.ts >= q.since!);
  if (q.at !== undefined) rows = currentDuring(rows, q.at.low, q.at.high);
  return rows;
}

/**
 * Versions current at some point in `[low, high]`: those written inside it, plus for each resource the newest
 * version written before `low` (it was current when the period began). Rows arrive newest first.
 */
function currentDuring(rows: HistoryRow[], low: number, high: number): HistoryRow[] {
  const seenBefore = new Set<string>();
  const out: HistoryRow[] = [];
  for (const r of rows) {
    if (r.ts > high) continue;
    if (r.ts >= low) {
      out.push(r);
      continue;
    }
    const key = `${r.type}/${r.id}`;
    if (seenBefore.has(key)) continue;
    seenBefore.add(key);
    // A resource deleted before the period began was not current during it.
    if (r.method !== 'DELETE') out.push(r);
  }
  return out;
}

function pageInMemory(rows: HistoryRow[], q: HistoryQuery): HistoryPage {
  const rest = rows.filter((r) => isBefore(r, q.after));
  return page(rest.slice(0, q.count + 1), q.count, rows.length);
}

function page(rows: HistoryRow[], count: number, total: number | undefined): HistoryPage {
  const shown = rows.slice(0, count);
  const last = shown[shown.length - 1];
  const result: HistoryPage = { rows: shown, ...(total !== undefined ? { total } : {}) };
  if (rows.length > count && last) result.next = { ts: last.ts, seq: last.seq ?? 0 };
  return result;
}

/**
 * Reads a history page and stamps it in one read transaction, so that no write can commit in between: every
 * version older than the stamp is on the page (or on a later page of it), and every version not on it is
 * newer. Replication relies on this when it uses the first page's `Bundle.meta.lastUpdated` as the server's
 * clock for the next `_since`.
 */
export function queryHistoryStamped(db: StoreDatabase, q: HistoryQuery, stamp: () => string): Promise<{ page: HistoryPage; stamp: string }> {
  return db.transaction('r', [db.history, db.resources], async () => ({ page: await queryHistory(db, q), stamp: stamp() }));
}
