import Dexie, { type Table } from 'dexie';
import type { HistoryRow, OutboxRow, ResourceRow, SearchIndexRow } from './rows.js';

/** What `openDatabase` needs to reach an IndexedDB implementation (Dexie's `DexieOptions`). */
export interface IndexedDbDeps {
  indexedDB: IDBFactory;
  IDBKeyRange: typeof IDBKeyRange;
}

/**
 * The store's Dexie database. Each schema change is a new `version(n)` with an upgrade function, never an
 * edit of an old one: Dexie migrates existing databases from whatever version they are at.
 * Index layout is fixed: search parameters are data, so registering one never needs a schema upgrade
 * (an upgrade is blocked by every other open tab).
 */
export class StoreDatabase extends Dexie {
  resources!: Table<ResourceRow, [string, string]>;
  history!: Table<HistoryRow, number>;
  searchIndex!: Table<SearchIndexRow, [string, string, string | number, string]>;
  outbox!: Table<OutboxRow, [string, string]>;

  constructor(name: string, deps: IndexedDbDeps) {
    super(name, { indexedDB: deps.indexedDB, IDBKeyRange: deps.IDBKeyRange });
    this.version(1).stores({
      // current state incl. tombstones; [type+ts] serves _lastUpdated and type-wide scans in time order
      resources: '[type+id], [type+ts]',
      // every version; [ts+seq] and [type+ts+seq] give keyset-paged history newest first
      history: '++seq, &[type+id+versionId], [ts+seq], [type+ts+seq]',
      // one row per (parameter, key, resource)
      searchIndex: '[type+param+value+id]',
      outbox: '[type+id], seq',
    });
  }

  /** Every table a write interaction touches, for one read-write transaction. */
  get writeTables(): Table[] {
    return [this.resources, this.history, this.searchIndex, this.outbox];
  }
}
