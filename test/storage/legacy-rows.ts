import Dexie from 'dexie';
import type { Store } from '../../src/index.js';
import { storeDatabase } from '../../src/store.js';
import { rowIndex } from '../../src/storage/resource-row.js';
import type { IndexEntry, ResourceRow, RowText } from '../../src/storage/rows.js';
import { decodeDocs } from '../../src/storage/text-docs.js';

/**
 * Rows as schema version 5 (main before the lean rows) stored them, made from what a current store holds: the
 * index entries and full-text documents packed in one JSON string, keys `Type␟param␟value` with dates as their
 * low end alone (±∞ as `d`/`dg`), the full-text terms as `tx` keys `Type␟field␟term`. A copy of the old code,
 * kept here so the upgrade is tested on the rows main really wrote.
 */
export interface V5Row {
  type: string;
  id: string;
  versionId: number;
  ts: number;
  deleted: 0 | 1;
  resource?: unknown;
  packed: string;
  ix?: string[];
  hx?: string[];
  tx?: string[];
}

const SEP = '\u001f';
const v5Value = (v: string | number): string =>
  typeof v === 'string' ? v : v === -Infinity ? 'd' : v === Infinity ? 'dg' : `d${Math.round(v + 9e15).toString(16).padStart(14, '0')}`;
const v5Prefix = (type: string, param: string): string => `${type}${SEP}${param}${SEP}`;

function v5Keys(type: string, index: IndexEntry[], text: RowText | undefined): { ix: string[]; hx: string[]; tx: string[] } {
  const ix = new Set<string>();
  const hx = new Set<string>();
  for (const e of index) {
    ix.add(v5Prefix(type, e.param) + v5Value(e.value));
    if (e.high !== undefined) hx.add(v5Prefix(type, e.param) + v5Value(e.high));
  }
  const tx = new Set<string>();
  for (const field of ['_text', '_content'] as const) for (const [term] of text?.[field]?.terms ?? []) tx.add(v5Prefix(type, field) + term);
  return { ix: [...ix], hx: [...hx], tx: [...tx] };
}

/** The index entries and documents of every current row of a store, as version 5 rows. */
export async function v5Rows(store: Store): Promise<V5Row[]> {
  const db = storeDatabase(store);
  const texts = new Map((await db.texts.toArray()).map((t) => [`${t.type}/${t.id}`, decodeDocs(t.docs)]));
  return (await db.resources.toArray()).map((row: ResourceRow): V5Row => {
    const index = rowIndex(row);
    const text = texts.get(`${row.type}/${row.id}`);
    const { ix: _ix, hx: _hx, dates: _dates, textLength: _tl, ...base } = row;
    return { ...base, packed: JSON.stringify(text ? [index, text] : [index]), ...v5Keys(row.type, index, text) };
  });
}

/** The tables of schema version 5, as `src/storage/schema.ts` declared them up to that version. */
export const V5_TABLES = {
  resources: '[type+id], [type+ts], [type+deleted], *ix, *hx, *tx',
  history: '++seq, &[type+id+versionId], [ts+seq], [type+ts+seq]',
  outbox: '[type+id], seq',
  textStats: '[type+field]',
  settings: 'key',
  remote: '[type+id]',
  checkpoints: 'key',
  conflicts: '++id, [type+resourceId]',
  deadLetters: '[type+id]',
};

/** Writes a database of schema version `version` (4 or 5) holding these rows and the other tables of a store. */
export async function writeOldDatabase(name: string, deps: { indexedDB: IDBFactory; IDBKeyRange: typeof IDBKeyRange }, version: 4 | 5, from: Store, rows: unknown[]): Promise<void> {
  const source = storeDatabase(from);
  // Version 5 kept the BM25 figures as one row per type and field.
  const textStats = (await source.typeStats.toArray()).flatMap((s) => (['_text', '_content'] as const).map((field) => ({ type: s.type, field, ...s[field] })));
  const tables = { history: await source.history.toArray(), outbox: await source.outbox.toArray(), textStats, settings: await source.settings.toArray() };
  const old = new Dexie(name, deps);
  old.version(version).stores(V5_TABLES);
  await old.table('resources').bulkPut(rows);
  for (const [table, content] of Object.entries(tables)) await old.table(table).bulkPut(content);
  old.close();
}
