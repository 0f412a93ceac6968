import type { Transaction } from 'dexie';
import { indexedRow } from './resource-row.js';
import { StatsDelta } from './row-stats.js';
import type { IndexEntry, ResourceRow, RowText, TypeStatsRow } from './rows.js';

/** A resource row as schema version 5 stored it: entries and documents in `packed`, full-text keys in `tx`. */
interface PackedRow extends Omit<ResourceRow, 'textLength'> {
  packed?: string;
  tx?: string[];
}

/** Rows converted per step: the upgrade holds one chunk in memory, not the database. */
const CHUNK = 500;

/**
 * Converts the rows of schema version 5 to version 6 inside the upgrade transaction, chunk by chunk in key order:
 * index keys re-made from the packed entries (short type codes, the date entries kept), `packed` and the `tx`
 * postings dropped from the resource row, the full-text documents written as `texts` rows, and the statistics of
 * each type (live count, BM25 figures of the same documents, date spans) kept as the write path keeps them.
 * No search code runs here: only the stored entries are re-keyed.
 */
export async function upgradeToLeanRows(tx: Transaction): Promise<void> {
  const stats = new StatsDelta();
  const resources = tx.table('resources');
  let after: [string, string] | undefined;
  for (;;) {
    const rows = (await (after ? resources.where(':id').above(after) : resources.orderBy(':id')).limit(CHUNK).toArray()) as PackedRow[];
    if (rows.length === 0) break;
    const converted = rows.map((old) => {
      const [index, text] = old.packed !== undefined ? (JSON.parse(old.packed) as [IndexEntry[], RowText?]) : [[], undefined];
      const { packed: _packed, tx: _tx, ix: _ix, hx: _hx, dates: _dates, ...base } = old;
      const next = indexedRow(base, index, text);
      stats.add(old.type, undefined, next.row);
      return next;
    });
    await resources.bulkPut(converted.map((c) => c.row));
    await tx.table('texts').bulkPut(converted.flatMap((c) => (c.text ? [c.text] : [])));
    const last = rows[rows.length - 1]!;
    after = [last.type, last.id];
    if (rows.length < CHUNK) break;
  }
  await tx.table<TypeStatsRow, string>('typeStats').bulkPut(stats.rows([]));
}
