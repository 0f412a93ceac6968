import type { Collection } from 'dexie';
import type { CandidateRow, KeyEntry, KeyRange, SearchSource, TextHit } from '../search/engine/source.js';
import { decodeValue, keyBounds, keyPrefix, termPrefix } from './index-keys.js';
import type { ResourceRow, TextRow } from './rows.js';
import { rowIndex } from './resource-row.js';
import type { StoreDatabase } from './schema.js';
import { decodeDocs } from './text-docs.js';
import { pendingTexts } from './text-postings.js';

const toCandidate = (row: ResourceRow): CandidateRow => ({ type: row.type, id: row.id, versionId: row.versionId, ts: row.ts, resource: row.resource!, index: rowIndex(row) });

const toHit = (row: TextRow): TextHit => ({ id: row.id, text: decodeDocs(row.docs) });

const isLive = (row: ResourceRow | undefined): row is ResourceRow => row !== undefined && row.deleted === 0;

/**
 * The search engine's view of the database. Reads through Dexie only, so it can run inside a write
 * transaction (conditional interactions re-check their matches there). Index ranges are read as keys
 * (`primaryKeys`, `count`) on the multi-entry indexes of the resource rows, never as rows, until the planner
 * has chosen which rows to load.
 */
export class DexieSearchSource implements SearchSource {
  constructor(private readonly db: StoreDatabase) {}

  together<T>(reads: () => Promise<T>): Promise<T> {
    // An `async` scope: Dexie keeps the transaction across native awaits only for those. Inside a write
    // transaction (conditional interactions) this is a sub-transaction of it.
    return this.db.transaction('r', [this.db.resources, this.db.typeStats], async () => reads());
  }

  async byIds(type: string, ids: readonly string[]): Promise<CandidateRow[]> {
    const unique = [...new Set(ids)];
    const rows = await this.db.resources.bulkGet(unique.map((id) => [type, id] as [string, string]));
    return rows.filter(isLive).map(toCandidate);
  }

  async all(type: string): Promise<CandidateRow[]> {
    return (await this.db.resources.where('[type+deleted]').equals([type, 0]).toArray()).map(toCandidate);
  }

  async allIds(type: string): Promise<string[]> {
    return (await this.db.resources.where('[type+deleted]').equals([type, 0]).primaryKeys()).map((k) => k[1]);
  }

  /** One `get` of the count the write path keeps (counting `[type+deleted]` is linear: ~16 µs per key on disk). */
  async typeCount(type: string): Promise<number> {
    return (await this.db.typeStats.get(type))?.live ?? 0;
  }

  private range(type: string, param: string, r: KeyRange) {
    const b = keyBounds(keyPrefix(type, param), r);
    return this.db.resources.where(r.on === 'high' ? 'hx' : 'ix').between(b.lower, b.upper, b.includeLower, b.includeUpper);
  }

  async idsUpTo(type: string, param: string, r: KeyRange, limit: number): Promise<string[] | undefined> {
    if (param === '_lastUpdated') {
      const pks = await this.lastUpdatedRange(type, r).limit(limit).primaryKeys();
      if (pks.length >= limit) return undefined;
      const live = await this.db.resources.bulkGet(pks);
      return live.filter(isLive).map((row) => row.id);
    }
    // getAllKeys(range, limit) on the index: at most `limit` keys read, however wide the range.
    const pks = await this.range(type, param, r).limit(limit).primaryKeys();
    return pks.length >= limit ? undefined : [...new Set(pks.map((pk) => pk[1]))];
  }

  async ids(type: string, param: string, r: KeyRange): Promise<string[]> {
    const pks = await this.range(type, param, r).primaryKeys();
    return [...new Set(pks.map((pk) => pk[1]))];
  }

  async idsInKeyOrder(type: string, param: string, r: KeyRange): Promise<string[]> {
    if (param === '_lastUpdated') {
      const live = new Set(await this.allIds(type));
      const pks = await this.db.resources.where('[type+ts]').between([type, -Infinity], [type, Infinity], true, true).primaryKeys();
      return pks.map((pk) => pk[1]).filter((id) => live.has(id));
    }
    // getAllKeys on an index answers primary keys in index order.
    return (await this.range(type, param, r).primaryKeys()).map((pk) => pk[1]);
  }

  async keys(type: string, param: string, r: KeyRange, opts: { limit?: number } = {}): Promise<KeyEntry[]> {
    const out: KeyEntry[] = [];
    let value: (k: unknown, pk: [string, string]) => string | number;
    if (param === '_id') value = (_k, pk) => pk[1];
    else if (param === '_lastUpdated') value = (k) => (k as [string, number])[1];
    else {
      const prefix = keyPrefix(type, param);
      value = (k) => decodeValue(String(k).slice(prefix.length));
    }
    await this.walk(type, param, r, opts).eachKey((k, cursor) => {
      const pk = cursor.primaryKey as [string, string];
      out.push({ value: value(k, pk), id: pk[1] });
    });
    return out;
  }

  async rowsInKeyOrder(type: string, param: string, r: KeyRange, opts: { limit?: number; reverse?: boolean } = {}): Promise<{ rows: CandidateRow[]; read: number }> {
    // Dexie answers a plain range with a limit and a direction with one getAll({ query, count, direction }) where
    // the engine has it (Chromium 141+), else with a cursor.
    const rows = await this.walk(type, param, r, opts).toArray();
    return { rows: rows.filter(isLive).map(toCandidate), read: rows.length };
  }

  /** A range of `param`'s index (or of `[type+id]`, `[type+ts]`) in a direction, with a limit. */
  private walk(type: string, param: string, r: KeyRange, opts: { limit?: number; reverse?: boolean }): Collection<ResourceRow, [string, string]> {
    let walk: Collection<ResourceRow, [string, string]>;
    if (param === '_id') walk = this.db.resources.where('[type+id]').between([type, r.lower], [type, r.upper], !r.lowerOpen, !r.upperOpen);
    else if (param === '_lastUpdated') walk = this.lastUpdatedRange(type, r);
    else walk = this.range(type, param, r);
    if (opts.reverse) walk = walk.reverse();
    return opts.limit !== undefined ? walk.limit(opts.limit) : walk;
  }

  private lastUpdatedRange(type: string, r: KeyRange) {
    return this.db.resources.where('[type+ts]').between([type, r.lower], [type, r.upper], !r.lowerOpen, !r.upperOpen);
  }

  /** The widest span the write path has kept for the parameter; 0 when it never had a date entry on the type. */
  async dateSpan(type: string, param: string): Promise<number> {
    return (await this.db.typeStats.get(type))?.spans?.[param] ?? 0;
  }

  /**
   * The posted rows of each term, from its postings, and the pending rows (whose postings the background writer
   * has not written yet) that hold it, from their documents: exact whether or not the writer has caught up.
   */
  async textsWithTerms(type: string, terms: readonly string[]): Promise<TextHit[][]> {
    const prefix = termPrefix(type);
    // One read transaction: a row the writer posts between two separate reads would be in neither.
    const [posted, pending] = await this.db.transaction('r', this.db.texts, async () =>
      Promise.all([Promise.all(terms.map((t) => this.db.texts.where('tx').equals(prefix + t).toArray())), pendingTexts(this.db, type)]),
    );
    const waiting = pending.map(toHit);
    const holds = (hit: TextHit, term: string): boolean =>
      (['_text', '_content'] as const).some((f) => hit.text[f]?.terms.some(([t]) => t === term) ?? false);
    return terms.map((t, i) => [...posted[i]!.map(toHit), ...waiting.filter((hit) => holds(hit, t))]);
  }

  async textStats(type: string, field: '_text' | '_content'): Promise<{ docs: number; length: number }> {
    const row = await this.db.typeStats.get(type);
    return { docs: row?.[field].docs ?? 0, length: row?.[field].length ?? 0 };
  }

  async types(): Promise<string[]> {
    // Skip from one type to the next over the [type+deleted] index: a few queries per type, no scan.
    const types: string[] = [];
    let row = await this.db.resources.orderBy('[type+deleted]').first();
    while (row) {
      if ((await this.typeCount(row.type)) > 0) types.push(row.type);
      row = await this.db.resources.where('[type+deleted]').above([row.type, '\uffff']).first();
    }
    return types;
  }
}
