import type { CandidateRow, KeyRange, SearchSource, TextHit } from '../search/engine/source.js';
import { decodeValue, keyBounds, keyPrefix, keyValue, termPrefix } from './index-keys.js';
import type { ResourceRow, TextRow } from './rows.js';
import { rowIndex } from './resource-row.js';
import type { StoreDatabase } from './schema.js';
import { decodeDocs } from './text-docs.js';

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

  count(type: string, param: string, r: KeyRange): Promise<number> {
    return this.range(type, param, r).count();
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

  async keys(type: string, param: string, r: KeyRange): Promise<{ value: string | number; id: string }[]> {
    const prefix = keyPrefix(type, param);
    const out: { value: string | number; id: string }[] = [];
    await this.range(type, param, r).eachKey((k, cursor) => {
      const part = String(k).slice(prefix.length);
      out.push({ value: r.on === 'high' ? decodeValue(part) : keyValue(part), id: (cursor.primaryKey as [string, string])[1] });
    });
    return out;
  }

  async byLastUpdated(type: string, low: number, high: number): Promise<CandidateRow[]> {
    const rows = await this.db.resources.where('[type+ts]').between([type, low], [type, high], true, true).toArray();
    return rows.filter(isLive).map(toCandidate);
  }

  async lastUpdatedKeys(type: string): Promise<{ id: string; ts: number }[]> {
    const live = new Set(await this.allIds(type));
    const out: { id: string; ts: number }[] = [];
    await this.db.resources.where('[type+ts]').between([type, -Infinity], [type, Infinity], true, true).eachKey((k, cursor) => {
      const id = (cursor.primaryKey as [string, string])[1];
      if (live.has(id)) out.push({ id, ts: (k as [string, number])[1] });
    });
    return out;
  }

  countLastUpdated(type: string, low: number, high: number): Promise<number> {
    return this.db.resources.where('[type+ts]').between([type, low], [type, high], true, true).count();
  }

  async textsWithTerm(type: string, term: string): Promise<TextHit[]> {
    return (await this.db.texts.where('tx').equals(termPrefix(type) + term).toArray()).map(toHit);
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
