import type { RowText, TextStatsRow } from './rows.js';
import type { StoreDatabase } from './schema.js';

const FIELDS = ['_text', '_content'] as const;

/**
 * The change to the per-type document count and total length BM25 needs, gathered over the resources one
 * transaction writes (each `add` is one resource's full text before and after), then written with one bulk
 * read and one bulk put. The only code that keeps `textStats`: writes, renames and re-indexing all use it.
 */
export class TextStatsDelta {
  private readonly deltas = new Map<string, TextStatsRow>();

  /** Records that a resource of `type` had full text `before` and now has `after` (undefined: none). */
  add(type: string, before: RowText | undefined, after: RowText | undefined): void {
    for (const field of FIELDS) {
      const old = before?.[field];
      const next = after?.[field];
      if (!old && !next) continue;
      const k = `${type}\u0000${field}`;
      const d = this.deltas.get(k) ?? { type, field, docs: 0, length: 0 };
      d.docs += (next ? 1 : 0) - (old ? 1 : 0);
      d.length += (next?.length ?? 0) - (old?.length ?? 0);
      this.deltas.set(k, d);
    }
  }

  /** Adds the gathered change to the stored statistics, inside the open read-write transaction. */
  async flush(db: StoreDatabase): Promise<void> {
    if (this.deltas.size === 0) return;
    const deltas = [...this.deltas.values()];
    const existing = await db.textStats.bulkGet(deltas.map((d) => [d.type, d.field] as [string, string]));
    await db.textStats.bulkPut(
      deltas.map((d, i): TextStatsRow => {
        const e = existing[i];
        return { type: d.type, field: d.field, docs: (e?.docs ?? 0) + d.docs, length: (e?.length ?? 0) + d.length };
      }),
    );
    this.deltas.clear();
  }
}
