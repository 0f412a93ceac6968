import type { Transaction } from 'dexie';
import { indexedRow } from './resource-row.js';
import type { IndexEntry, ResourceRow, RowText, TextRow, TypeCountRow } from './rows.js';

/** A resource row as schema version 5 stored it: entries and documents in `packed`, full-text keys in `tx`. */
interface PackedRow extends Omit<ResourceRow, 'textLength'> {
  packed?: string;
  tx?: string[];
}

/**
 * Converts the rows of schema version 5 to version 6 inside the upgrade transaction: index keys re-made from
 * the packed entries (short type codes, dates with both ends), `packed` and the `tx` postings dropped from the
 * resource row, the full-text documents written as `texts` rows, and the live count per type stored. The text
 * statistics are unchanged (the same documents). No search code runs here: only the stored entries are re-keyed.
 */
export async function upgradeToLeanRows(tx: Transaction): Promise<void> {
  const texts: TextRow[] = [];
  const counts = new Map<string, number>();
  await tx
    .table('resources')
    .toCollection()
    .modify((old: PackedRow, ref: { value: unknown }) => {
      const [index, text] = old.packed !== undefined ? (JSON.parse(old.packed) as [IndexEntry[], RowText?]) : [[], undefined];
      const { packed: _packed, tx: _tx, ix: _ix, hx: _hx, ...base } = old;
      const converted = indexedRow(base, index, text);
      ref.value = converted.row;
      if (converted.text) texts.push(converted.text);
      if (old.deleted === 0) counts.set(old.type, (counts.get(old.type) ?? 0) + 1);
    });
  await tx.table('texts').bulkPut(texts);
  await tx.table('typeCounts').bulkPut([...counts].map(([type, live]): TypeCountRow => ({ type, live })));
}
