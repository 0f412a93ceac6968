import Dexie from 'dexie';
import type { CandidateRow, KeyRange, SearchSource } from '../search/source.js';
import type { ResourceRow } from './rows.js';
import type { StoreDatabase } from './schema.js';

const toCandidate = (row: ResourceRow): CandidateRow => ({
  type: row.type,
  id: row.id,
  versionId: row.versionId,
  ts: row.ts,
  resource: row.resource!,
  index: row.index,
  ...(row.text ? { text: row.text } : {}),
});

const isLive = (row: ResourceRow | undefined): row is ResourceRow => row !== undefined && row.deleted === 0;

/**
 * The search engine's view of the database. Reads through Dexie only, so it can run inside a write
 * transaction (conditional interactions re-check their matches there). Index ranges are read as keys
 * (`primaryKeys`, `count`), never as rows, until the planner has chosen which rows to load.
 */
export class DexieSearchSource implements SearchSource {
  constructor(private readonly db: StoreDatabase) {}

  async byIds(type: string, ids: readonly string[]): Promise<CandidateRow[]> {
    const unique = [...new Set(ids)];
    const rows = await this.db.resources.bulkGet(unique.map((id) => [type, id] as [string, string]));
    return rows.filter(isLive).map(toCandidate);
  }

  async all(type: string): Promise<CandidateRow[]> {
    const rows = await this.db.resources.where('[type+deleted]').equals([type, 0]).toArray();
    return rows.map(toCandidate);
  }

  async allIds(type: string): Promise<string[]> {
    const keys = await this.db.resources.where('[type+deleted]').equals([type, 0]).primaryKeys();
    return keys.map((k) => k[1]);
  }

  typeCount(type: string): Promise<number> {
    return this.db.resources.where('[type+deleted]').equals([type, 0]).count();
  }

  private range(type: string, param: string, r: KeyRange) {
    if (r.on === 'high') {
      return this.db.searchIndex.where('[type+param+high]').between([type, param, r.lower], [type, param, r.upper], !r.lowerOpen, !r.upperOpen);
    }
    return this.db.searchIndex
      .where('[type+param+value+id]')
      .between([type, param, r.lower, r.lowerOpen ? Dexie.maxKey : Dexie.minKey], [type, param, r.upper, r.upperOpen ? Dexie.minKey : Dexie.maxKey], true, true);
  }

  count(type: string, param: string, r: KeyRange): Promise<number> {
    return this.range(type, param, r).count();
  }

  async ids(type: string, param: string, r: KeyRange): Promise<string[]> {
    const pks = await this.range(type, param, r).primaryKeys();
    return [...new Set(pks.map((pk) => pk[3]))];
  }

  async keys(type: string, param: string, r: KeyRange): Promise<{ value: string | number; id: string }[]> {
    const pks = await this.range(type, param, r).primaryKeys();
    return pks.map((pk) => ({ value: pk[2], id: pk[3] }));
  }

  async byLastUpdated(type: string, low: number, high: number): Promise<CandidateRow[]> {
    const rows = await this.db.resources.where('[type+ts]').between([type, low], [type, high], true, true).toArray();
    return rows.filter(isLive).map(toCandidate);
  }

  countLastUpdated(type: string, low: number, high: number): Promise<number> {
    return this.db.resources.where('[type+ts]').between([type, low], [type, high], true, true).count();
  }

  async postings(type: string, field: '_text' | '_content', term: string): Promise<{ id: string; tf: number }[]> {
    const rows = await this.db.postings.where('[type+field+term+id]').between([type, field, term, Dexie.minKey], [type, field, term, Dexie.maxKey]).toArray();
    return rows.map((r) => ({ id: r.id, tf: r.tf }));
  }

  async textStats(type: string, field: '_text' | '_content'): Promise<{ docs: number; length: number }> {
    const row = await this.db.textStats.get([type, field]);
    return { docs: row?.docs ?? 0, length: row?.length ?? 0 };
  }

  async types(): Promise<string[]> {
    // Skip from one type to the next over the [type+deleted] index: a few queries per type, no scan.
    const types: string[] = [];
    let row = await this.db.resources.orderBy('[type+deleted]').first();
    while (row) {
      if ((await this.typeCount(row.type)) > 0) types.push(row.type);
      row = await this.db.resources.where('[type+deleted]').above([row.type, Dexie.maxKey]).first();
    }
    return types;
  }
}
