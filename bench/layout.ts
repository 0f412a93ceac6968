/**
 * The storage layout the benchmark's raw-Dexie baseline mirrors. `src/storage/schema.ts` has had two:
 * - `tables`: index rows in `searchIndex` (`[type+param+value+id]`, `[type+param+high]`) and full-text postings
 *   in `postings` (`[type+field+term+id]`), beside the resource rows (schema version 2);
 * - `multi-entry`: index keys as multi-entry indexes on the resource row itself (`*ix`, `*hx`, `*tx`), built by
 *   `src/storage/index-keys.ts` (schema versions 3 to 5);
 * - `lean`: `*ix`, `*hx` on the resource row (short type codes, date pairs in `dates`), full text in `texts` with
 *   its postings `*tx`, the statistics of a type in `typeStats` (schema version 6).
 * The layout is detected from the store's open database, so the baseline always writes and reads what the
 * store does, through the same kind of index.
 * @module
 */
import Dexie, { type Table } from 'dexie';
import type { ResourceRow } from '../src/storage/rows.js';
import type { StoreDatabase } from '../src/storage/schema.js';
import { rowIndex } from '../src/storage/resource-row.js';
import { decodeDocs } from '../src/storage/text-docs.js';

type Key = string | number;
type Row = Record<string, unknown>;

export interface Layout {
  name: string;
  /** Tables one write touches, in the order the baseline writes them. */
  writeTables: string[];
  /** The rows the store holds for these resources, by table (history rows without their generated `seq`). */
  rowsOf(db: StoreDatabase, type: string, ids: string[]): Promise<Record<string, Row[]>>;
  /** Live rows with an index key of `param` in `[lower, upper]` (on the date's high end with `on: 'high'`). */
  rows(db: StoreDatabase, type: string, param: string, lower: Key, upper: Key, on?: 'value' | 'high'): Promise<ResourceRow[]>;
  /** The ids alone (keys only, no rows read). */
  ids(db: StoreDatabase, type: string, param: string, lower: Key, upper: Key, on?: 'value' | 'high'): Promise<string[]>;
  /** Live rows with a full-text term. */
  termRows(db: StoreDatabase, type: string, field: '_text' | '_content', term: string): Promise<ResourceRow[]>;
  /** A page of ids in the order of a date parameter's values (keys only). */
  datePage(db: StoreDatabase, type: string, param: string, desc: boolean, offset: number, limit: number): Promise<string[]>;
  /** Live rows by id. */
  byIds(db: StoreDatabase, type: string, ids: string[]): Promise<ResourceRow[]>;
}

const table = (db: StoreDatabase, name: string): Table => db.table(name);
const live = (rows: (ResourceRow | undefined)[]): ResourceRow[] => rows.filter((r): r is ResourceRow => r !== undefined && r.deleted === 0);
const unique = (rows: ResourceRow[]): ResourceRow[] => [...new Map(rows.map((r) => [r.id, r])).values()];

async function commonRows(db: StoreDatabase, type: string, ids: string[]): Promise<{ resources: ResourceRow[]; history: Row[]; outbox: Row[]; textStats: Row[] }> {
  const resources = (await db.resources.bulkGet(ids.map((id) => [type, id] as [string, string]))).map((r, i) => {
    if (!r) throw new Error(`${type}/${ids[i]} missing from the store`);
    return r;
  });
  const history = (await db.history.where('[type+id+versionId]').anyOf(resources.map((r) => [type, r.id, r.versionId])).toArray()).map(({ seq: _seq, ...h }) => h as Row);
  const outbox = (await db.outbox.bulkGet(ids.map((id) => [type, id] as [string, string]))).filter((o) => o !== undefined) as unknown as Row[];
  const stats = db.tables.some((t) => t.name === 'textStats') ? await table(db, 'textStats').toArray() : [];
  const textStats = stats.filter((t: { type: string }) => t.type === type) as Row[];
  return { resources, history, outbox, textStats };
}

async function byIds(db: StoreDatabase, type: string, ids: string[]): Promise<ResourceRow[]> {
  return live(await db.resources.bulkGet([...new Set(ids)].map((id) => [type, id] as [string, string])));
}

/** Schema version 2: `searchIndex` and `postings` tables. */
const tables: Layout = {
  name: 'index tables (searchIndex, postings)',
  writeTables: ['resources', 'history', 'searchIndex', 'outbox', 'postings', 'textStats'],
  async rowsOf(db, type, ids) {
    const { resources, history, outbox, textStats } = await commonRows(db, type, ids);
    // Index and posting rows have no by-id index to read them back with: they are derived from the entries kept
    // on the current row exactly as src/storage/write.ts does; the row counts are checked against the store.
    const searchIndex: Row[] = [];
    const postings: Row[] = [];
    for (const r of resources) {
      const seen = new Set<string>();
      const index = rowIndex(r);
      const stored = await db.texts.where('[type+ts+id]').equals([type, r.ts, r.id]).first();
      const text = stored ? decodeDocs(stored.docs) : undefined;
      for (const e of index) {
        const k = `${e.param}\u0000${typeof e.value}${String(e.value)}`;
        if (seen.has(k)) continue;
        seen.add(k);
        searchIndex.push({ type, param: e.param, value: e.value, id: r.id, ...(e.high !== undefined ? { high: e.high } : {}) });
      }
      for (const field of ['_text', '_content'] as const) for (const [term, tf] of text?.[field]?.terms ?? []) postings.push({ type, field, term, id: r.id, tf });
    }
    return { resources: resources as unknown as Row[], history, searchIndex, outbox, postings, textStats };
  },
  async ids(db, type, param, lower, upper, on = 'value') {
    const coll =
      on === 'high'
        ? table(db, 'searchIndex').where('[type+param+high]').between([type, param, lower], [type, param, upper], true, true)
        : table(db, 'searchIndex').where('[type+param+value+id]').between([type, param, lower, Dexie.minKey], [type, param, upper, Dexie.maxKey], true, true);
    return [...new Set(((await coll.primaryKeys()) as unknown[][]).map((k) => k[3] as string))];
  },
  async rows(db, type, param, lower, upper, on) {
    return byIds(db, type, await tables.ids(db, type, param, lower, upper, on));
  },
  async termRows(db, type, field, term) {
    const keys = (await table(db, 'postings').where('[type+field+term+id]').between([type, field, term, Dexie.minKey], [type, field, term, Dexie.maxKey]).primaryKeys()) as unknown[][];
    return byIds(db, type, keys.map((k) => k[3] as string));
  },
  async datePage(db, type, param, desc, offset, limit) {
    let coll = table(db, 'searchIndex').where('[type+param+value+id]').between([type, param, -Infinity, Dexie.minKey], [type, param, Infinity, Dexie.maxKey]);
    if (desc) coll = coll.reverse();
    return ((await coll.offset(offset).limit(limit).primaryKeys()) as unknown[][]).map((k) => k[3] as string);
  },
  byIds,
};

interface IndexKeys {
  encodeValue: (v: string | number) => string;
  keyPrefix: (type: string, param: string) => string;
}

/** Schema version 3: multi-entry `ix`, `hx`, `tx` on the resource row. */
function multiEntry(k: IndexKeys): Layout {
  const bound = (type: string, param: string, v: Key): string => k.keyPrefix(type, param) + k.encodeValue(v);
  const range = (db: StoreDatabase, type: string, param: string, lower: Key, upper: Key, on: 'value' | 'high') =>
    db.resources.where(on === 'high' ? 'hx' : 'ix').between(bound(type, param, lower), bound(type, param, upper), true, true);
  const layout: Layout = {
    name: 'multi-entry keys on the resource row (ix, hx, tx)',
    writeTables: ['resources', 'history', 'outbox', 'textStats'],
    async rowsOf(db, type, ids) {
      const { resources, history, outbox, textStats } = await commonRows(db, type, ids);
      return { resources: resources as unknown as Row[], history, outbox, textStats };
    },
    async ids(db, type, param, lower, upper, on = 'value') {
      return [...new Set(((await range(db, type, param, lower, upper, on).primaryKeys()) as unknown as [string, string][]).map((pk) => pk[1]))];
    },
    async rows(db, type, param, lower, upper, on = 'value') {
      return unique(live(await range(db, type, param, lower, upper, on).toArray()));
    },
    async termRows(db, type, field, term) {
      return live(await db.resources.where('tx').equals(k.keyPrefix(type, field) + term).toArray());
    },
    async datePage(db, type, param, desc, offset, limit) {
      let coll = db.resources.where('ix').between(k.keyPrefix(type, param) + 'd', k.keyPrefix(type, param) + 'dg', true, true);
      if (desc) coll = coll.reverse();
      return ((await coll.offset(offset).limit(limit).primaryKeys()) as unknown as [string, string][]).map((pk) => pk[1]);
    },
    byIds,
  };
  return layout;
}

interface LeanKeys {
  keyPrefix: (type: string, param: string) => string;
  termPrefix: (type: string) => string;
  keyBounds: (prefix: string, r: { lower: Key; upper: Key; on?: 'value' | 'high' }) => { lower: string; upper: string; includeLower: boolean; includeUpper: boolean };
}

/** Schema version 6: multi-entry `ix`, `hx` on the resource row, full text and its postings in `texts`. */
function lean(k: LeanKeys): Layout {
  const range = (db: StoreDatabase, type: string, param: string, lower: Key, upper: Key, on: 'value' | 'high') => {
    const b = k.keyBounds(k.keyPrefix(type, param), { lower, upper, on });
    return db.resources.where(on === 'high' ? 'hx' : 'ix').between(b.lower, b.upper, b.includeLower, b.includeUpper);
  };
  return {
    name: 'lean rows (ix, hx on the resource row; texts with tx; typeStats)',
    writeTables: ['resources', 'texts', 'history', 'outbox', 'typeStats'],
    async rowsOf(db, type, ids) {
      const { resources, history, outbox } = await commonRows(db, type, ids);
      const texts = (await db.texts.bulkGet(resources.filter((r) => r.textLength).map((r) => [type, r.ts, r.id] as [string, number, string]))).filter((t) => t !== undefined) as unknown as Row[];
      const typeStats = (await db.typeStats.toArray()).filter((t) => t.type === type) as unknown as Row[];
      return { resources: resources as unknown as Row[], texts, history, outbox, typeStats };
    },
    async ids(db, type, param, lower, upper, on = 'value') {
      return [...new Set(((await range(db, type, param, lower, upper, on).primaryKeys()) as unknown as [string, string][]).map((pk) => pk[1]))];
    },
    async rows(db, type, param, lower, upper, on = 'value') {
      return unique(live(await range(db, type, param, lower, upper, on).toArray()));
    },
    async termRows(db, type, field, term) {
      const texts = (await db.texts.where('tx').equals(k.termPrefix(type) + term).toArray()).filter((t) => decodeDocs(t.docs)[field]?.terms.some(([x]) => x === term));
      return byIds(db, type, texts.map((t) => t.id));
    },
    async datePage(db, type, param, desc, offset, limit) {
      let coll = range(db, type, param, -Infinity, Infinity, 'value');
      if (desc) coll = coll.reverse();
      return ((await coll.offset(offset).limit(limit).primaryKeys()) as unknown as [string, string][]).map((pk) => pk[1]);
    },
    byIds,
  };
}

/** The layout of an open store database. */
export async function detectLayout(db: StoreDatabase): Promise<Layout> {
  const names = new Set(db.tables.map((t) => t.name));
  if (names.has('searchIndex') && names.has('postings')) return tables;
  const indexes = new Set(db.resources.schema.indexes.map((i) => i.name));
  if (names.has('texts') && indexes.has('ix')) return lean((await import('../src/storage/index-keys.js')) as LeanKeys);
  if (indexes.has('ix') && indexes.has('tx')) {
    // Imported by a computed path so the benchmark still compiles against a schema without the module.
    const path = '../src/storage/index-keys.js';
    return multiEntry((await import(path)) as IndexKeys);
  }
  throw new Error(`unknown storage layout: tables ${[...names].join(', ')}; resources indexes ${[...indexes].join(', ')}`);
}
