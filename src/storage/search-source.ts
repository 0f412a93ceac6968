import Dexie from 'dexie';
import type { CandidateRow, SearchSource } from '../search/source.js';
import type { ResourceRow } from './rows.js';
import type { StoreDatabase } from './schema.js';

const toCandidate = (row: ResourceRow): CandidateRow => ({
  id: row.id,
  versionId: row.versionId,
  ts: row.ts,
  resource: row.resource!,
  index: row.index,
});

const isLive = (row: ResourceRow | undefined): row is ResourceRow => row !== undefined && row.deleted === 0;

/**
 * The search engine's view of the database. Reads through Dexie only, so it can run inside a write
 * transaction (conditional interactions re-check their matches there).
 */
export class DexieSearchSource implements SearchSource {
  constructor(private readonly db: StoreDatabase) {}

  async byIds(type: string, ids: readonly string[]): Promise<CandidateRow[]> {
    const unique = [...new Set(ids)];
    const rows = await this.db.resources.bulkGet(unique.map((id) => [type, id] as [string, string]));
    return rows.filter(isLive).map(toCandidate);
  }

  async idsByKeys(type: string, param: string, keys: readonly string[]): Promise<string[]> {
    const ids = new Set<string>();
    for (const key of new Set(keys)) {
      const pks = await this.db.searchIndex
        .where('[type+param+value+id]')
        .between([type, param, key, Dexie.minKey], [type, param, key, Dexie.maxKey], true, true)
        .primaryKeys();
      for (const pk of pks) ids.add(pk[3]);
    }
    return [...ids];
  }

  async byLastUpdated(type: string, lowMs: number, highMs: number): Promise<CandidateRow[]> {
    const rows = await this.db.resources.where('[type+ts]').between([type, lowMs], [type, highMs], true, true).toArray();
    return rows.filter(isLive).map(toCandidate);
  }

  async all(type: string): Promise<CandidateRow[]> {
    return this.byLastUpdated(type, -Infinity, Infinity);
  }
}
