import { Dexie, type Table } from 'dexie';
import type { CheckpointRow, ConflictRow, DeadLetterRow, HistoryRow, OutboxRow, RemoteVersionRow, ResourceRow, SettingRow, TextRow, TypeStatsRow } from './rows.js';
import { upgradeToLeanRows } from './upgrade-lean-rows.js';

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
  outbox!: Table<OutboxRow, [string, string]>;
  texts!: Table<TextRow, [string, number, string]>;
  typeStats!: Table<TypeStatsRow, string>;
  settings!: Table<SettingRow, string>;
  remote!: Table<RemoteVersionRow, [string, string]>;
  checkpoints!: Table<CheckpointRow, string>;
  conflicts!: Table<ConflictRow, number>;
  deadLetters!: Table<DeadLetterRow, [string, string]>;
  /** This database's identity (`storage/identity.ts`), once established at open: checkpoints record it. */
  databaseId?: string;

  constructor(name: string, deps: IndexedDbDeps) {
    // Only this instance gets the implementation: Dexie's globals (`Dexie.dependencies`) belong to the app.
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
    // Version 2 (full search): dates scanned on their high end too, live rows counted per type, full-text
    // postings and statistics, persisted settings. Rows of version 1 are re-indexed after open, in chunks.
    this.version(2)
      .stores({
        resources: '[type+id], [type+ts], [type+deleted]',
        searchIndex: '[type+param+value+id], [type+param+high]',
        postings: '[type+field+term+id]',
        textStats: '[type+field]',
        settings: 'key',
      })
      .upgrade(async (tx) => {
        await tx.table('settings').put({ key: 'indexGeneration', value: 0 });
      });
    // Version 3: index keys and full-text terms become multi-entry indexes on the resource row (`*ix`, `*hx`,
    // `*tx`), which IndexedDB maintains with the row; the separate index and postings tables go.
    this.version(3)
      .stores({
        resources: '[type+id], [type+ts], [type+deleted], *ix, *hx, *tx',
        searchIndex: null,
        postings: null,
      })
      .upgrade(async (tx) => {
        await tx.table('settings').put({ key: 'indexGeneration', value: 0 });
      });
    // Version 4 (replication): server versions per resource, pull checkpoints, open conflicts, dead letters.
    this.version(4).stores({
      remote: '[type+id]',
      checkpoints: 'key',
      conflicts: '++id, [type+resourceId]',
      deadLetters: '[type+id]',
    });
    // Version 5: a row's index entries and full-text documents are kept as one JSON string (`packed`), which
    // clones several times faster than the objects; rows written before are converted in the upgrade.
    this.version(5)
      .stores({})
      .upgrade(async (tx) => {
        await tx
          .table('resources')
          .toCollection()
          .modify((row: { index?: unknown[]; text?: unknown; packed?: string }) => {
            if (row.packed !== undefined) return;
            row.packed = JSON.stringify(row.text !== undefined ? [row.index ?? [], row.text] : [row.index ?? []]);
            delete row.index;
            delete row.text;
          });
      });
    // Version 6 (lean rows): index keys start with a short type code, the entries are decoded from the keys (the
    // dates kept as `[param, low, high]`; no `packed` copy), full text moves to `texts` (its postings off the resource
    // row), and the statistics of a type (live count, BM25 figures) are one `typeStats` row, which replaces
    // `textStats`. Rows of version 5 are converted in the upgrade.
    this.version(6)
      .stores({
        resources: '[type+id], [type+ts], [type+deleted], *ix, *hx',
        texts: '[type+ts+id], *tx',
        typeStats: 'type',
        textStats: null,
      })
      .upgrade(upgradeToLeanRows);
    // Version 7: a write stores a text row's documents only, marked `pending` (one index key instead of ~30
    // postings); the postings are written after the transaction (`PostingsWriter`). Rows of version 6 are posted.
    this.version(7).stores({ texts: '[type+ts+id], *tx, pending' });
  }

  /** Every table a write interaction touches, for one read-write transaction. */
  get writeTables(): Table[] {
    return [this.resources, this.texts, this.history, this.outbox, this.typeStats, this.remote, this.deadLetters];
  }
}
