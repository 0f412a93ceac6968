import type { Extension, Resource } from 'fhir/r5';
import type { HistoryMethod, HistoryRow } from './rows.js';

/**
 * One piece of an export, in order: the pieces of one file come one after another (append `text` to `file`), and
 * `manifest.json` comes last, whole. A file's pieces hold whole NDJSON lines.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#bulk-data-output-file-request
 */
export interface ExportChunk {
  /** The file name, relative to the export (`ImagingSelection.ndjson`, `_outbox.ndjson`, `manifest.json`). */
  file: string;
  /** Whole lines of the file (each ended by `\n`), or the whole manifest. */
  text: string;
}

/**
 * Where `store.import` reads an export from: the text of one file by name, in pieces of any size (a line may be
 * split across pieces). A file that is not there throws or yields nothing.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export interface ExportSource {
  /** The text of `file` (a name the manifest lists, or `manifest.json`). */
  read(file: string): AsyncIterable<string>;
}

/**
 * One NDJSON file of an export, as the manifest lists it.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export interface ExportManifestFile {
  /** The resource type of every line (`output`), or what the lines are (`extension`: `outbox`, `conflicts`, …). */
  type: string;
  /** The file name, relative to the manifest. */
  url: string;
  /** The number of lines (for `output`: versions, one line each, deletions included). */
  count: number;
}

/**
 * The store's state besides resources, listed in the manifest's `extension`.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export type ExportStateKind = 'settings' | 'outbox' | 'remote' | 'conflicts' | 'deadLetters' | 'checkpoints';

/**
 * What `extension["fhir-offline-store"]` of a manifest holds.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export interface ExportStoreExtension {
  /** The export format; `store.import` refuses any other. */
  format: 1;
  /** The highest history sequence number exported (versions are numbered store-wide). */
  lastSeq: number;
  /** Versions in all `output` files. */
  versions: number;
  /** The files of the replication state and settings, one per kind. */
  state: ExportManifestFile[];
}

/**
 * The manifest of an export (`manifest.json`), shaped as a Bulk Data export's complete-status response: `output`
 * lists one NDJSON file per resource type, the store's own state is in `extension`. `url`s are relative file names.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export interface ExportManifest {
  /** When the export began (the store's clock). */
  transactionTime: string;
  /** What was exported: the store's base URL and database name. */
  request: string;
  /** Always false: the files are local. */
  requiresAccessToken: false;
  /** One file per resource type: every version, oldest first per resource, resources by id. */
  output: ExportManifestFile[];
  /** Always empty: an export that fails throws instead. */
  error: ExportManifestFile[];
  /** The store's own part. */
  extension: {
    /** The store's format version, sequence numbers and state files. */
    'fhir-offline-store': ExportStoreExtension;
  };
}

/**
 * What `store.import` restored.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export interface ImportSummary {
  /** Resources (current rows, deleted ones included). */
  resources: number;
  /** Versions (history entries). */
  versions: number;
  /** Pending changes (outbox rows, held ones included). */
  pending: number;
  /** Open conflicts. */
  conflicts: number;
  /** Changes the server had refused (dead letters). */
  deadLetters: number;
  /** Pull checkpoints (one per server and type). */
  checkpoints: number;
}

/**
 * The manifest's file name.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export const MANIFEST_FILE = 'manifest.json';
/**
 * The key of the store's part of the manifest.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export const EXTENSION_KEY = 'fhir-offline-store';
/**
 * The extension (on `meta`) that carries what a version line needs besides the resource.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export const HISTORY_EXTENSION = 'urn:fhir-offline-store:export:history-entry';
/**
 * The state files, in the order they are written and read (settings first: search parameters shape the index).
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export const STATE_KINDS: readonly ExportStateKind[] = ['settings', 'outbox', 'remote', 'conflicts', 'deadLetters', 'checkpoints'];
/**
 * The file of a resource type.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export const resourceFile = (type: string): string => `${type}.ndjson`;
/**
 * The file of a state kind.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export const stateFile = (kind: ExportStateKind): string => `_${kind}.ndjson`;

/**
 * A version as an NDJSON line: the resource as stored, with a `meta.extension` giving its store-wide sequence
 * number, the method and status its history entry answered, and whether it is a deletion. A deletion's line has
 * only `resourceType`, `id` and `meta` (its version and time).
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export function versionLine(row: HistoryRow): string {
  const entry: Extension = {
    url: HISTORY_EXTENSION,
    extension: [
      { url: 'seq', valueInteger: row.seq ?? 0 },
      { url: 'method', valueCode: row.method },
      { url: 'status', valueInteger: row.status },
      ...(row.resource ? [] : [{ url: 'deleted', valueBoolean: true }]),
    ],
  };
  const lastUpdated = new Date(row.ts).toISOString();
  const resource = row.resource ?? ({ resourceType: row.type, id: row.id, meta: { versionId: String(row.versionId), lastUpdated } } as Resource);
  return JSON.stringify({ ...resource, meta: { ...resource.meta, extension: [...(resource.meta?.extension ?? []), entry] } });
}

/**
 * A version line read back, or the reason it is not one.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export type ParsedVersion = { row: HistoryRow; deleted: boolean } | { error: string };

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const METHODS: readonly HistoryMethod[] = ['POST', 'PUT', 'DELETE'];

/**
 * Reads a version line's JSON value (see {@link versionLine}) as the history row it was exported from.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export function parseVersion(value: unknown, type: string): ParsedVersion {
  if (!isObject(value)) return { error: 'not a JSON object' };
  if (value.resourceType !== type) return { error: `resourceType is '${String(value.resourceType)}', the file holds ${type}` };
  const id = value.id;
  if (typeof id !== 'string' || !FHIR_ID.test(id) || id === '.' || id === '..') return { error: `id '${String(id)}' is not a FHIR id` };
  const meta = value.meta;
  if (!isObject(meta)) return { error: 'no meta' };
  const versionId = typeof meta.versionId === 'string' && /^[1-9]\d{0,14}$/.test(meta.versionId) ? Number(meta.versionId) : undefined;
  if (versionId === undefined) return { error: `meta.versionId '${String(meta.versionId)}' is not a version of this store` };
  const ts = typeof meta.lastUpdated === 'string' ? Date.parse(meta.lastUpdated) : NaN;
  if (!Number.isFinite(ts) || new Date(ts).toISOString() !== meta.lastUpdated) return { error: `meta.lastUpdated '${String(meta.lastUpdated)}' is not an instant this store wrote` };
  const extensions = meta.extension;
  const last = Array.isArray(extensions) ? (extensions[extensions.length - 1] as unknown) : undefined;
  if (!isObject(last) || last.url !== HISTORY_EXTENSION || !Array.isArray(last.extension)) return { error: `meta.extension does not end with ${HISTORY_EXTENSION}` };
  const part = (name: string): Record<string, unknown> | undefined => (last.extension as unknown[]).find((e): e is Record<string, unknown> => isObject(e) && e.url === name);
  const seq = part('seq')?.valueInteger;
  const method = part('method')?.valueCode;
  const status = part('status')?.valueInteger;
  const deleted = part('deleted')?.valueBoolean === true;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return { error: `history sequence '${String(seq)}' is not a positive integer` };
  if (!METHODS.includes(method as HistoryMethod)) return { error: `history method '${String(method)}' is not POST, PUT or DELETE` };
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return { error: `history status '${String(status)}' is not an HTTP status` };
  const row: HistoryRow = { seq, type, id, versionId, ts, method: method as HistoryMethod, status };
  if (deleted) {
    if (Object.keys(value).some((k) => k !== 'resourceType' && k !== 'id' && k !== 'meta')) return { error: 'a deletion carries content' };
    return { row, deleted };
  }
  // The stored resource: its meta as it was, without the line's own extension.
  const { extension: _own, ...rest } = meta;
  const kept = (extensions as unknown[]).slice(0, -1);
  row.resource = { ...value, meta: { ...rest, ...(kept.length > 0 ? { extension: kept } : {}) } } as unknown as Resource;
  if (kept.length > 0) {
    // Keep the key order of the stored meta: `extension` where it was.
    const ordered: Record<string, unknown> = {};
    for (const k of Object.keys(meta)) ordered[k] = k === 'extension' ? kept : meta[k];
    row.resource = { ...value, meta: ordered } as unknown as Resource;
  }
  return { row, deleted };
}
