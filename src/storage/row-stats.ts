import type { Table } from 'dexie';
import { emptyTypeStats, type ResourceRow, type TypeStatsRow } from './rows.js';

/** The table the statistics live in (the store's, or the upgrade transaction's). */
export interface StatsTable {
  typeStats: Table<TypeStatsRow, string>;
}

const FIELDS = ['_text', '_content'] as const;

const isLive = (row: ResourceRow | undefined): boolean => row !== undefined && row.deleted === 0;

/**
 * The change to the per-type statistics kept in the write path, gathered over the rows one transaction replaces:
 * the live count (a count is then one `get`, where counting `[type+deleted]` is linear: ~16 µs per key on disk),
 * the document count and total length per full-text field BM25 needs, and the widest span of each date parameter,
 * one `typeStats` row per type. The one
 * code that keeps them: writes, renames, re-indexing and the schema upgrade all use it. The stored rows are read
 * with the caller's other reads (`read`), so a write never makes a read-then-write round trip of its own for them.
 */
export class StatsDelta {
  private readonly deltas = new Map<string, TypeStatsRow>();

  /** Records that a resource row of `type` was `before` and is now `after` (undefined: no row). */
  add(type: string, before: ResourceRow | undefined, after: ResourceRow | undefined): void {
    const d = this.deltas.get(type) ?? emptyTypeStats(type);
    d.live += (isLive(after) ? 1 : 0) - (isLive(before) ? 1 : 0);
    FIELDS.forEach((field, i) => {
      const old = before?.textLength?.[i] ?? 0;
      const next = after?.textLength?.[i] ?? 0;
      d[field].docs += (next > 0 ? 1 : 0) - (old > 0 ? 1 : 0);
      d[field].length += next - old;
    });
    for (const [param, low, high] of after?.dates ?? []) {
      const span = high === low ? 0 : high - low; // Infinity with an open end
      d.spans ??= {};
      if (!(span <= (d.spans[param] ?? -1))) d.spans[param] = span;
    }
    this.deltas.set(type, d);
  }

  /** Reads the stored statistics of these types, as one bulk get. */
  static read(db: StatsTable, types: readonly string[]): Promise<(TypeStatsRow | undefined)[]> {
    return db.typeStats.bulkGet([...new Set(types)]);
  }

  /** Writes the gathered change on top of `stored` (read by `read` in the same transaction). */
  write(db: StatsTable, stored: readonly (TypeStatsRow | undefined)[]): Promise<unknown> {
    const rows = this.rows(stored);
    return rows.length > 0 ? db.typeStats.bulkPut(rows) : Promise.resolve();
  }

  /** The statistics rows of the types this change touches, on top of the `stored` ones. */
  rows(stored: readonly (TypeStatsRow | undefined)[]): TypeStatsRow[] {
    const byType = new Map(stored.flatMap((r) => (r ? [[r.type, r] as const] : [])));
    return [...this.deltas.values()].map((d): TypeStatsRow => {
      const s = byType.get(d.type) ?? emptyTypeStats(d.type);
      const field = (f: (typeof FIELDS)[number]) => ({ docs: s[f].docs + d[f].docs, length: s[f].length + d[f].length });
      const row: TypeStatsRow = { type: d.type, live: s.live + d.live, _text: field('_text'), _content: field('_content') };
      const spans = { ...s.spans };
      for (const [param, span] of Object.entries(d.spans ?? {})) if (!(span <= (spans[param] ?? -1))) spans[param] = span;
      if (Object.keys(spans).length > 0) row.spans = spans;
      return row;
    });
  }

  /** Reads and writes in one go, for the callers that have no batch of reads to join (renames, re-indexing). */
  async flush(db: StatsTable): Promise<void> {
    if (this.deltas.size === 0) return;
    await this.write(db, await StatsDelta.read(db, [...this.deltas.keys()]));
  }
}
