import { textKeys } from './index-keys.js';
import type { TextRow } from './rows.js';
import type { StoreDatabase } from './schema.js';
import { decodeDocs } from './text-docs.js';

/**
 * Writes the postings of up to `limit` pending text rows (by type name, then by key) in one read-write
 * transaction, and returns how many it posted (fewer than `limit`: none are left). Reading and writing in one
 * transaction means a write of the same resource meanwhile either comes before (the row is gone or replaced,
 * and this reads the new one) or after (and replaces the posted row): no posting outlives its row.
 * @see https://hl7.org/fhir/R5/search.html#_text
 */
export async function postPendingTexts(db: StoreDatabase, limit: number): Promise<number> {
  return db.transaction('rw', db.texts, async () => {
    const rows = await db.texts.orderBy('pending').limit(limit).toArray();
    if (rows.length > 0) await db.texts.bulkPut(rows.map(posted));
    return rows.length;
  });
}

/** The row with its postings, no longer pending. */
function posted(row: TextRow): TextRow {
  const { pending: _pending, ...rest } = row;
  return { ...rest, tx: textKeys(row.type, decodeDocs(row.docs)) };
}

/** The text rows of `type` whose postings are not written yet: a `_text` search checks them on their documents. */
export function pendingTexts(db: StoreDatabase, type: string): Promise<TextRow[]> {
  return db.texts.where('pending').equals(type).toArray();
}
