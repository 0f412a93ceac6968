import Dexie from 'dexie';
import type { Resource } from 'fhir/r5';
import type { IndexEntry, ResourceRow, RowText, TextRow } from './rows.js';
import type { StoreDatabase } from './schema.js';
import { indexedRow, textKeyOf } from './resource-row.js';
import { StatsDelta } from './row-stats.js';

/** How many resources one back-fill transaction re-indexes. */
const REINDEX_CHUNK = 500;

/**
 * Re-indexes existing resources (of `types`, or all) in chunks, each in its own transaction so other tabs and
 * writes are never blocked for long. Index entries are computed outside the transaction; a resource written
 * in the meantime is skipped (its write already indexed it with the current parameters).
 */
export async function reindex(
  db: StoreDatabase,
  compute: (resource: Resource) => { index: IndexEntry[]; text: RowText },
  types?: readonly string[],
): Promise<number> {
  let done = 0;
  for (const type of types ?? [undefined]) {
    let after: [string, string] | undefined;
    for (;;) {
      const lower: [string, string] | [string, typeof Dexie.minKey] = after ?? (type !== undefined ? [type, Dexie.minKey] : ['', Dexie.minKey]);
      // Type names are ASCII letters, so '\uffff' is above every one (and a key may not hold one object twice).
      const upper = type !== undefined ? [type, Dexie.maxKey] : ['\uffff', Dexie.maxKey];
      const rows: ResourceRow[] = await db.resources.where('[type+id]').between(lower, upper, after === undefined, true).limit(REINDEX_CHUNK).toArray();
      if (rows.length === 0) break;
      const last = rows[rows.length - 1]!;
      after = [last.type, last.id];
      const computed = rows.filter((r) => r.deleted === 0 && r.resource).map((r) => ({ r, ...compute(r.resource!) }));
      await db.transaction('rw', [db.resources, db.texts, db.typeStats], async () => {
        const stats = new StatsDelta();
        const current = await db.resources.bulkGet(computed.map((c) => [c.r.type, c.r.id] as [string, string]));
        const rows: ResourceRow[] = [];
        const texts: TextRow[] = [];
        const textDeletes: [string, number, string][] = [];
        computed.forEach((c, i) => {
          const cur = current[i];
          if (!cur || cur.deleted === 1 || cur.versionId !== c.r.versionId) return;
          const { ix: _ix, hx: _hx, dates: _dates, textLength: _tl, ...base } = cur;
          const next = indexedRow(base, c.index, c.text);
          stats.add(cur.type, cur, next.row);
          rows.push(next.row);
          const oldText = textKeyOf(cur);
          if (oldText) textDeletes.push(oldText);
          if (next.text) texts.push(next.text);
        });
        // The new text rows have the same keys as the old ones (same ts): delete first, then put.
        await db.texts.bulkDelete(textDeletes);
        await Promise.all([db.resources.bulkPut(rows), db.texts.bulkPut(texts), stats.flush(db)]);
      });
      done += computed.length;
      if (rows.length < REINDEX_CHUNK) break;
    }
  }
  return done;
}
