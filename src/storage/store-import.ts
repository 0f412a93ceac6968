import type { Resource } from 'fhir/r5';
import { badRequest, conflict, FhirError } from '../errors/fhir-error.js';
import {
  EXTENSION_KEY,
  MANIFEST_FILE,
  STATE_KINDS,
  parseVersion,
  stateFile,
  type ExportManifestFile,
  type ExportSource,
  type ExportStateKind,
  type ImportSummary,
} from './export-format.js';
import { restoreEvictions } from './evict.js';
import { indexedRow } from './resource-row.js';
import { StatsDelta } from './row-stats.js';
import type { HistoryRow, IndexEntry, ResourceRow, RowText, TextRow } from './rows.js';
import type { StoreDatabase } from './schema.js';
import { DATABASE_SETTINGS, stateTable } from './store-export.js';

/**
 * Versions written per import transaction (with their resources' current rows): memory stays bounded by it.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export const IMPORT_CHUNK = 500;
/** The setting that marks an import under way: a store holding it and nothing else is an import that was cut off. */
const IMPORTING = 'importing';
/** The largest manifest read (it lists files, so it stays small). */
const MAX_MANIFEST_CHARS = 1 << 20;

/**
 * What the import needs from the store above storage.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export interface ImportDeps {
  /** Validates a resource and computes its index as a write would (the store's `indexResource`). */
  prepare(resource: Resource): { error: string } | { index: IndexEntry[]; text: RowText };
  /** Registers the exported settings (search parameters, terminology) before any resource is indexed. */
  registerSettings(rows: { key: string; value: unknown }[]): Promise<void>;
}

/** A failure of one line (or one file), answered as a 400 OperationOutcome that names where. */
const fault = (where: string, message: string): FhirError => badRequest(`${where}: ${message}`);

/**
 * Restores an export (see `exportStore`) into an empty store: every version with its sequence number, method,
 * status, version id and time; the current rows and their index keys and full-text documents built by the write
 * path's own row code (`indexedRow`, `StatsDelta`) from the resource, as a write would; the settings, outbox,
 * server versions, conflicts, dead letters and checkpoints as they were. Reads and writes `IMPORT_CHUNK` versions
 * per transaction. All or nothing: on any failure the tables are cleared again (the store was empty) and a 400
 * OperationOutcome names the file and line; a store that holds something answers 409 and is not touched.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export async function importStore(db: StoreDatabase, source: ExportSource, deps: ImportDeps): Promise<ImportSummary> {
  await requireEmpty(db);
  const manifest = await readManifest(source);
  await db.settings.put({ key: IMPORTING, value: true });
  try {
    const summary: ImportSummary = { resources: 0, versions: 0, pending: 0, conflicts: 0, deadLetters: 0, checkpoints: 0 };
    const state = new Map(manifest.state.map((f) => [f.type as ExportStateKind, f]));
    const settings: { key: string; value: unknown }[] = [];
    await readStateFile(source, state.get('settings'), (row, where) => {
      settings.push(settingRow(row, where));
    });
    try {
      await deps.registerSettings(settings);
    } catch (e) {
      throw fault(stateFile('settings'), `a search parameter or terminology resource cannot be registered: ${(e as Error).message}`);
    }
    for (const file of manifest.output) {
      const counts = await importResources(db, source, file, manifest.lastSeq, deps);
      summary.resources += counts.resources;
      summary.versions += counts.versions;
    }
    if (summary.versions !== manifest.versions) throw fault(MANIFEST_FILE, `lists ${manifest.versions} versions, the files hold ${summary.versions}`);
    for (const kind of STATE_KINDS.filter((k) => k !== 'settings')) {
      const n = await importState(db, source, kind, state.get(kind));
      if (kind === 'outbox') summary.pending = n;
      else if (kind === 'conflicts') summary.conflicts = n;
      else if (kind === 'deadLetters') summary.deadLetters = n;
      else if (kind === 'checkpoints') summary.checkpoints = n;
    }
    await restoreEvictions(db, manifest.lastSeq);
    await db.settings.delete(IMPORTING);
    return summary;
  } catch (e) {
    await clearAll(db);
    throw e instanceof FhirError ? e : badRequest(`Import failed: ${(e as Error).message}`);
  }
}

/** Refuses a store that holds anything (an import that was cut off is cleared and started again). */
async function requireEmpty(db: StoreDatabase): Promise<void> {
  const tables = [db.resources, db.history, db.outbox, db.remote, db.conflicts, db.deadLetters, db.checkpoints];
  const counts = await db.transaction('r', [...tables, db.settings], async () => Promise.all([...tables.map((t) => t.count()), db.settings.toArray()]));
  const settings = counts.pop() as { key: string }[];
  const keys = settings.map((s) => s.key).filter((k) => !DATABASE_SETTINGS.has(k));
  if (keys.includes(IMPORTING)) {
    await clearAll(db);
    return;
  }
  const held = (counts as number[]).reduce((a, b) => a + b, 0) + keys.length;
  if (held > 0) throw conflict('Import needs an empty store: this one holds data. Open a new store (another name) or delete this database first');
}

/** Empties every table but the settings that describe the database itself (what an empty store holds). */
async function clearAll(db: StoreDatabase): Promise<void> {
  const tables = [db.resources, db.texts, db.history, db.outbox, db.typeStats, db.remote, db.conflicts, db.deadLetters, db.checkpoints];
  await db.transaction('rw', [...tables, db.settings], async () => {
    await Promise.all(tables.map((t) => t.clear()));
    await db.settings.where('key').noneOf([...DATABASE_SETTINGS]).delete();
  });
}

/** The manifest's parts the import uses, checked. */
interface ReadManifest {
  output: ExportManifestFile[];
  state: ExportManifestFile[];
  lastSeq: number;
  versions: number;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isFile = (x: unknown): x is ExportManifestFile => isObject(x) && typeof x.type === 'string' && typeof x.url === 'string' && isCount(x.count);

async function readManifest(source: ExportSource): Promise<ReadManifest> {
  let text = '';
  try {
    for await (const piece of source.read(MANIFEST_FILE)) {
      text += piece;
      if (text.length > MAX_MANIFEST_CHARS) throw fault(MANIFEST_FILE, 'larger than 1 MiB: not a manifest of this store');
    }
  } catch (e) {
    throw e instanceof FhirError ? e : fault(MANIFEST_FILE, `cannot be read: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw fault(MANIFEST_FILE, `not JSON: ${(e as Error).message}`);
  }
  const own = isObject(value) && isObject(value.extension) ? value.extension[EXTENSION_KEY] : undefined;
  if (!isObject(value) || !Array.isArray(value.output) || !isObject(own)) throw fault(MANIFEST_FILE, `not an export of fhir-offline-store (no output, or no extension.${EXTENSION_KEY})`);
  if (own.format !== 1) throw fault(MANIFEST_FILE, `export format ${String(own.format)}; this store reads format 1`);
  if (!value.output.every(isFile) || !Array.isArray(own.state) || !own.state.every(isFile) || !isCount(own.lastSeq) || !isCount(own.versions)) {
    throw fault(MANIFEST_FILE, 'output, state, lastSeq or versions is malformed');
  }
  const output = value.output as ExportManifestFile[];
  const types = new Set<string>();
  for (const f of output) {
    if (!/^[A-Z][A-Za-z]{1,63}$/.test(f.type) || f.url !== `${f.type}.ndjson` || types.has(f.type)) throw fault(MANIFEST_FILE, `output entry ${JSON.stringify(f)} is not one file per resource type`);
    types.add(f.type);
  }
  const state = own.state as ExportManifestFile[];
  for (const f of state) {
    if (!STATE_KINDS.includes(f.type as ExportStateKind) || f.url !== stateFile(f.type as ExportStateKind)) throw fault(MANIFEST_FILE, `state entry ${JSON.stringify(f)} is not one this store writes`);
  }
  return { output, state, lastSeq: own.lastSeq, versions: own.versions };
}

/** The lines of a file with their numbers (1-based), from pieces that may split a line anywhere; blank lines skipped. */
async function* lines(source: ExportSource, file: string): AsyncGenerator<{ line: string; n: number }> {
  let rest = '';
  let n = 0;
  let pieces: AsyncIterable<string>;
  try {
    pieces = source.read(file);
  } catch (e) {
    throw fault(file, `cannot be read: ${(e as Error).message}`);
  }
  try {
    for await (const piece of pieces) {
      // One scan per piece: slicing the rest after every line would copy the piece once per line.
      const text = rest + piece;
      let start = 0;
      let nl: number;
      while ((nl = text.indexOf('\n', start)) >= 0) {
        const line = text.slice(start, nl).replace(/\r$/, '');
        start = nl + 1;
        n++;
        if (line.trim() !== '') yield { line, n };
      }
      rest = text.slice(start);
    }
  } catch (e) {
    throw e instanceof FhirError ? e : fault(file, `cannot be read: ${(e as Error).message}`);
  }
  if (rest.trim() !== '') yield { line: rest, n: n + 1 };
}

function parseLine(file: string, line: string, n: number): unknown {
  try {
    return JSON.parse(line);
  } catch (e) {
    throw fault(`${file}:${n}`, `not JSON: ${(e as Error).message}`);
  }
}

/** One resource's versions, read from consecutive lines. */
interface Group {
  id: string;
  versions: { row: HistoryRow; deleted: boolean; n: number }[];
}

/** Imports one resource type's file, a chunk of versions (whole resources) per transaction. */
async function importResources(db: StoreDatabase, source: ExportSource, file: ExportManifestFile, lastSeq: number, deps: ImportDeps): Promise<{ resources: number; versions: number }> {
  const type = file.type;
  let group: Group | undefined;
  let chunk: Group[] = [];
  let chunkVersions = 0;
  let resources = 0;
  let versions = 0;
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    await writeChunk(db, type, file.url, chunk, deps);
    chunk = [];
    chunkVersions = 0;
  };
  for await (const { line, n } of lines(source, file.url)) {
    const where = `${file.url}:${n}`;
    const parsed = parseVersion(parseLine(file.url, line, n), type);
    if ('error' in parsed) throw fault(where, parsed.error);
    if (parsed.row.seq! > lastSeq) throw fault(where, `history sequence ${parsed.row.seq} is above the manifest's lastSeq ${lastSeq}`);
    versions++;
    const { row } = parsed;
    if (group && group.id === row.id) {
      const prev = group.versions[group.versions.length - 1]!.row;
      if (row.versionId <= prev.versionId || row.ts <= prev.ts) throw fault(where, `${type}/${row.id} version ${row.versionId} does not follow version ${prev.versionId} (versions must come oldest first)`);
      group.versions.push({ ...parsed, n });
      chunkVersions++;
      continue;
    }
    if (group && !(row.id > group.id)) throw fault(where, `${type}/${row.id} comes after ${type}/${group.id}: resources must come ordered by id, each once`);
    if (group && chunkVersions >= IMPORT_CHUNK) await flush();
    group = { id: row.id, versions: [{ ...parsed, n }] };
    chunk.push(group);
    chunkVersions++;
    resources++;
  }
  await flush();
  if (versions !== file.count) throw fault(file.url, `the manifest lists ${file.count} lines, the file has ${versions}`);
  return { resources, versions };
}

/** Validates and indexes a chunk of resources outside the transaction, then writes their history and current rows in one. */
async function writeChunk(db: StoreDatabase, type: string, file: string, groups: Group[], deps: ImportDeps): Promise<void> {
  const history: HistoryRow[] = [];
  const rows: ResourceRow[] = [];
  const texts: TextRow[] = [];
  for (const g of groups) {
    for (const v of g.versions) {
      history.push(v.row);
      if (v.deleted) continue;
      const prepared = deps.prepare(v.row.resource!);
      if ('error' in prepared) throw fault(`${file}:${v.n}`, `${type}/${g.id} version ${v.row.versionId} is invalid: ${prepared.error}`);
      if (v === g.versions[g.versions.length - 1]) {
        const { row, text } = indexedRow({ type, id: g.id, versionId: v.row.versionId, ts: v.row.ts, deleted: 0, resource: v.row.resource! }, prepared.index, prepared.text);
        rows.push(row);
        if (text) texts.push(text);
      }
    }
    const last = g.versions[g.versions.length - 1]!;
    if (last.deleted) rows.push(indexedRow({ type, id: g.id, versionId: last.row.versionId, ts: last.row.ts, deleted: 1 }, [], undefined).row);
  }
  const first = groups[0]!.versions[0]!.n;
  try {
    await db.transaction('rw', [db.resources, db.texts, db.history, db.typeStats], async () => {
      const stats = new StatsDelta();
      for (const row of rows) stats.add(type, undefined, row);
      await Promise.all([db.history.bulkAdd(history), db.resources.bulkAdd(rows), texts.length > 0 ? db.texts.bulkAdd(texts) : undefined, stats.flush(db)]);
    });
  } catch (e) {
    const detail = (e as { name?: string }).name === 'BulkError' || (e as { name?: string }).name === 'ConstraintError' ? 'a history sequence number or resource that is already imported' : (e as Error).message;
    throw fault(`${file}:${first}-${groups[groups.length - 1]!.versions.at(-1)!.n}`, `cannot be stored: ${detail}`);
  }
}

/** Reads a state file's rows, checking the manifest's count. */
async function readStateFile(source: ExportSource, file: ExportManifestFile | undefined, each: (row: Record<string, unknown>, where: string) => void | Promise<void>): Promise<number> {
  if (!file) return 0;
  let count = 0;
  for await (const { line, n } of lines(source, file.url)) {
    const where = `${file.url}:${n}`;
    const value = parseLine(file.url, line, n);
    if (!isObject(value)) throw fault(where, 'not a JSON object');
    await each(value, where);
    count++;
  }
  if (count !== file.count) throw fault(file.url, `the manifest lists ${file.count} lines, the file has ${count}`);
  return count;
}

function settingRow(row: Record<string, unknown>, where: string): { key: string; value: unknown } {
  if ((row.key !== 'searchParameters' && row.key !== 'terminology') || !Array.isArray(row.value)) throw fault(where, `setting '${String(row.key)}' is not one this store exports`);
  return { key: row.key, value: row.value };
}

const isStr = (x: unknown): x is string => typeof x === 'string' && x !== '';
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const OPS = new Set(['create', 'update', 'delete']);

/** What a row of each state table must have (the rest is kept as it is). */
const STATE_CHECKS: Record<Exclude<ExportStateKind, 'settings'>, (r: Record<string, unknown>) => string | undefined> = {
  outbox: (r) =>
    isStr(r.type) && isStr(r.id) && OPS.has(r.op as string) && isNum(r.seq) && isNum(r.localVersion) && isNum(r.firstChangedAt) && (r.hold === undefined || r.hold === 'conflict' || r.hold === 'dead')
      ? undefined
      : 'not a pending change (type, id, op, seq, localVersion, firstChangedAt)',
  remote: (r) => (isStr(r.type) && isStr(r.id) && isStr(r.version) && isNum(r.localVersion) ? undefined : 'not a server version (type, id, version, localVersion)'),
  conflicts: (r) => (isNum(r.id) && isStr(r.type) && isStr(r.resourceId) && isStr(r.remoteVersion) && Array.isArray(r.elements) && isNum(r.detectedAt) ? undefined : 'not a conflict (id, type, resourceId, remoteVersion, elements, detectedAt)'),
  deadLetters: (r) => (isStr(r.type) && isStr(r.id) && OPS.has(r.op as string) && isNum(r.status) && isNum(r.at) ? undefined : 'not a dead letter (type, id, op, status, at)'),
  checkpoints: (r) => (isStr(r.key) && r.key.includes('|') ? undefined : 'not a checkpoint (key baseUrl|type)'),
};

/** Imports one state table's file verbatim, in chunks; a pending change must name an imported resource. */
async function importState(db: StoreDatabase, source: ExportSource, kind: Exclude<ExportStateKind, 'settings'>, file: ExportManifestFile | undefined): Promise<number> {
  const table = stateTable(db, kind);
  let batch: { row: Record<string, unknown>; where: string }[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const named = batch.map(({ row }) => (kind === 'conflicts' ? [row.type, row.resourceId] : [row.type, row.id]) as [string, string]);
    // A pending change is of a held resource; server versions may name resources never held (a pulled deletion).
    const resources = kind === 'outbox' ? await db.resources.bulkGet(named) : [];
    resources.forEach((r, i) => {
      if (r === undefined) throw fault(batch[i]!.where, `names ${named[i]![0]}/${named[i]![1]}, which the export does not hold`);
    });
    try {
      // A checkpoint is stamped with the database that recorded it (docs/durability.md): imported, it is this one's,
      // or the next open would take it for a checkpoint of a lost database and drop it.
      const rows = kind === 'checkpoints' && db.databaseId !== undefined ? batch.map((b) => ({ ...b.row, databaseId: db.databaseId })) : batch.map((b) => b.row);
      await table.bulkAdd(rows);
    } catch (e) {
      throw fault(`${file!.url}:${batch[0]!.where.split(':').pop()}-${batch.at(-1)!.where.split(':').pop()}`, `cannot be stored: ${(e as Error).message}`);
    }
    batch = [];
  };
  const count = await readStateFile(source, file, async (row, where) => {
    const problem = STATE_CHECKS[kind](row);
    if (problem) throw fault(where, problem);
    batch.push({ row, where });
    if (batch.length >= IMPORT_CHUNK) await flush();
  });
  await flush();
  return count;
}
