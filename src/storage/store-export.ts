import Dexie, { type Table } from 'dexie';
import { conflict } from '../errors/fhir-error.js';
import {
  EXTENSION_KEY,
  MANIFEST_FILE,
  STATE_KINDS,
  resourceFile,
  stateFile,
  versionLine,
  type ExportChunk,
  type ExportManifest,
  type ExportManifestFile,
  type ExportStateKind,
} from './export-format.js';
import type { HistoryRow } from './rows.js';
import type { StoreDatabase } from './schema.js';
import { ENCRYPTION_SETTING } from './encryption/options.js';
import { IDENTITY_SETTING } from './identity.js';

/**
 * Rows read per transaction: each page is one bounded read, so memory stays flat however large the store is.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html
 */
export const EXPORT_PAGE = 500;

/**
 * Settings that describe this database rather than its data, which the importing store has of its own: the index
 * format, the database's identity (docs/durability.md) and the key header of an encrypted store (docs/security.md).
 * Never exported, never overwritten or cleared by an import.
 */
export const DATABASE_SETTINGS: ReadonlySet<string> = new Set(['indexGeneration', IDENTITY_SETTING, ENCRYPTION_SETTING]);

/** Not exported either: the marker of an import under way in this database. */
const LOCAL_SETTINGS = new Set([...DATABASE_SETTINGS, 'importing']);

/**
 * Streams a store as NDJSON files and a manifest (see `export-format.ts`), reading `EXPORT_PAGE` rows per
 * transaction: every version by `[type+id+versionId]` (one file per type, resources by id, versions oldest
 * first), then the settings and replication state tables by their keys. A version committed after the export
 * began makes it fail with 409 at the end (the files would not be one state): export again.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html
 */
export async function* exportStore(db: StoreDatabase, request: { transactionTime: string; request: string }): AsyncGenerator<ExportChunk> {
  const lastSeq = ((await db.history.toCollection().lastKey()) as number | undefined) ?? 0;
  const output: ExportManifestFile[] = [];
  let versions = 0;
  let after: [string, string, number] | undefined;
  for (;;) {
    const rows: HistoryRow[] = await db.history
      .where('[type+id+versionId]')
      .between(after ?? [Dexie.minKey, Dexie.minKey, Dexie.minKey], [Dexie.maxKey, Dexie.maxKey, Dexie.maxKey], after === undefined, true)
      .limit(EXPORT_PAGE)
      .toArray();
    if (rows.length === 0) break;
    const last = rows[rows.length - 1]!;
    after = [last.type, last.id, last.versionId];
    // One chunk per type on the page: the rows come by type, so each file's chunks are contiguous.
    let start = 0;
    while (start < rows.length) {
      const type = rows[start]!.type;
      let end = start;
      while (end < rows.length && rows[end]!.type === type) end++;
      const lines = rows.slice(start, end).filter((r) => (r.seq ?? 0) <= lastSeq).map(versionLine);
      start = end;
      if (lines.length === 0) continue;
      const file = resourceFile(type);
      let entry = output[output.length - 1];
      if (entry?.type !== type) output.push((entry = { type, url: file, count: 0 }));
      entry.count += lines.length;
      versions += lines.length;
      yield { file, text: `${lines.join('\n')}\n` };
    }
    if (rows.length < EXPORT_PAGE) break;
  }

  const state: ExportManifestFile[] = [];
  for (const kind of STATE_KINDS) {
    const entry: ExportManifestFile = { type: kind, url: stateFile(kind), count: 0 };
    for await (const page of pages(stateTable(db, kind))) {
      const rows = kind === 'settings' ? page.filter((r) => !LOCAL_SETTINGS.has((r as { key: string }).key)) : page;
      if (rows.length === 0) continue;
      entry.count += rows.length;
      yield { file: entry.url, text: `${rows.map((r) => JSON.stringify(r)).join('\n')}\n` };
    }
    // Only files that hold something are listed (and written).
    if (entry.count > 0) state.push(entry);
  }

  if ((((await db.history.toCollection().lastKey()) as number | undefined) ?? 0) !== lastSeq) {
    throw conflict('The store changed while it was exported (a version was written): export again, with no writes and no replication running');
  }
  const manifest: ExportManifest = {
    transactionTime: request.transactionTime,
    request: request.request,
    requiresAccessToken: false,
    output,
    error: [],
    extension: { [EXTENSION_KEY]: { format: 1, lastSeq, versions, state } },
  };
  yield { file: MANIFEST_FILE, text: `${JSON.stringify(manifest, null, 2)}\n` };
}

/**
 * The table a state kind is exported from.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html
 */
export function stateTable(db: StoreDatabase, kind: ExportStateKind): Table<object, unknown> {
  return db[kind] as unknown as Table<object, unknown>;
}

/** A table's rows in primary-key order, `EXPORT_PAGE` per read (keyset paging: a page never re-reads the last). */
async function* pages(table: Table<object, unknown>): AsyncGenerator<object[]> {
  const keyPath = table.schema.primKey.keyPath;
  const keyOf = (row: object): unknown => (Array.isArray(keyPath) ? keyPath.map((p) => Dexie.getByKeyPath(row, p)) : Dexie.getByKeyPath(row, keyPath ?? ''));
  let last: unknown;
  for (;;) {
    const collection = last === undefined ? table.toCollection() : table.where(':id').above(last);
    const rows = await collection.limit(EXPORT_PAGE).toArray();
    if (rows.length > 0) yield rows;
    if (rows.length < EXPORT_PAGE) return;
    last = keyOf(rows[rows.length - 1]!);
  }
}
