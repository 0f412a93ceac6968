import type { ResourceRow, TextStatsRow, TypeCountRow } from './rows.js';
import type { StoreDatabase } from './schema.js';

const FIELDS = ['_text', '_content'] as const;
type StatsKey = [string, '_text' | '_content'];

/** The stored statistics one change touches, read before it is applied (with the batch's other reads). */
export interface StoredStats {
  text: (TextStatsRow | undefined)[];
  counts: (TypeCountRow | undefined)[];
}

const isLive = (row: ResourceRow | undefined): boolean => row !== undefined && row.deleted === 0;

/**
 * The change to the per-type statistics kept in the write path, gathered over the rows one transaction replaces:
 * the live count per type (`typeCounts`: a count is one `get`, where counting `[type+deleted]` is linear) and the
 * document count and total length per type and full-text field BM25 needs (`textStats`). The one code that keeps
 * both: writes, renames, re-indexing and the schema upgrade all use it. The stored rows are read with the
 * caller's other reads (`read`), so a write never makes a read-then-write round trip of its own for them.
 */
export class StatsDelta {
  private readonly text = new Map<string, TextStatsRow>();
  private readonly counts = new Map<string, TypeCountRow>();

  /** Records that a resource row of `type` was `before` and is now `after` (undefined: no row). */
  add(type: string, before: ResourceRow | undefined, after: ResourceRow | undefined): void {
    const live = (isLive(after) ? 1 : 0) - (isLive(before) ? 1 : 0);
    if (live !== 0) {
      const c = this.counts.get(type) ?? { type, live: 0 };
      c.live += live;
      this.counts.set(type, c);
    }
    FIELDS.forEach((field, i) => {
      const old = before?.textLength?.[i] ?? 0;
      const next = after?.textLength?.[i] ?? 0;
      if (old === 0 && next === 0) return;
      const k = `${type}\u0000${field}`;
      const d = this.text.get(k) ?? { type, field, docs: 0, length: 0 };
      d.docs += (next > 0 ? 1 : 0) - (old > 0 ? 1 : 0);
      d.length += next - old;
      this.text.set(k, d);
    });
  }

  /** Reads the stored statistics of these types (every row `add` may touch for them), as one bulk get per table. */
  static async read(db: StoreDatabase, types: readonly string[]): Promise<StoredStats> {
    const unique = [...new Set(types)];
    const [text, counts] = await Promise.all([
      db.textStats.bulkGet(unique.flatMap((t) => FIELDS.map((f): StatsKey => [t, f]))),
      db.typeCounts.bulkGet(unique),
    ]);
    return { text, counts };
  }

  /** Writes the gathered change on top of `stored` (read by `read` in the same transaction); resolves once issued rows are written. */
  write(db: StoreDatabase, stored: StoredStats): Promise<unknown> {
    const text = new Map<string, TextStatsRow>(stored.text.flatMap((r) => (r ? [[`${r.type}\u0000${r.field}`, r] as const] : [])));
    const counts = new Map(stored.counts.flatMap((r) => (r ? [[r.type, r] as const] : [])));
    const textRows = [...this.text].map(([k, d]): TextStatsRow => ({ type: d.type, field: d.field, docs: (text.get(k)?.docs ?? 0) + d.docs, length: (text.get(k)?.length ?? 0) + d.length }));
    const countRows = [...this.counts.values()].map((d): TypeCountRow => ({ type: d.type, live: (counts.get(d.type)?.live ?? 0) + d.live }));
    return Promise.all([textRows.length > 0 ? db.textStats.bulkPut(textRows) : undefined, countRows.length > 0 ? db.typeCounts.bulkPut(countRows) : undefined]);
  }

  /** Reads and writes in one go, for the callers that have no batch of reads to join (renames, re-indexing). */
  async flush(db: StoreDatabase): Promise<void> {
    const types = [...new Set([...[...this.text.values()].map((d) => d.type), ...this.counts.keys()])];
    if (types.length === 0) return;
    await this.write(db, await StatsDelta.read(db, types));
  }
}
