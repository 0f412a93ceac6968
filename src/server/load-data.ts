import { readFile } from 'node:fs/promises';
import type { Bundle, BundleEntry, OperationOutcome, Resource } from 'fhir/r5';
import type { Store } from '../store.js';

/** What a data file holds: resources to store, or a batch/transaction Bundle to post as it is. */
export type DataFile =
  | {
      /** Resources to store: NDJSON lines, a single resource, or the entries of a Bundle of another type. */
      kind: 'resources';
      /** The resources, in file order. */
      entries: DataEntry[];
    }
  | {
      /** A batch or transaction Bundle, processed as one. */
      kind: 'bundle';
      /** The Bundle. */
      bundle: Bundle;
    };

/** One resource to store, with the `urn:` fullUrl that other entries may reference it by. */
export interface DataEntry {
  /** The resource. */
  resource: Resource;
  /** The `urn:uuid:` or `urn:oid:` name other entries' references use for it. */
  fullUrl?: string;
}

/** Resources per transaction Bundle when loading: one IndexedDB transaction each, which is what costs. */
const DEFAULT_CHUNK = 500;

const isResource = (x: unknown): x is Resource =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && typeof (x as Resource).resourceType === 'string';

/**
 * Reads the text of a data file: a JSON Bundle (a batch or transaction is kept whole; any other type
 * contributes its entries' resources), one JSON resource, or NDJSON, one resource per line
 * (https://hl7.org/fhir/R5/nd-json.html).
 */
export function parseData(text: string, source = 'data'): DataFile {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') return { kind: 'resources', entries: [] };
  let whole: unknown;
  try {
    whole = JSON.parse(body);
  } catch (e) {
    // Not one JSON value: NDJSON when its first line is a JSON value on its own, else a broken JSON file.
    const firstLine = body.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
    if (!parses(firstLine)) throw new Error(`${source}: not JSON or NDJSON: ${(e as Error).message}`);
    return { kind: 'resources', entries: parseNdjson(body, source) };
  }
  if (!isResource(whole)) throw new Error(`${source}: expected a FHIR resource or Bundle`);
  if (whole.resourceType !== 'Bundle') return { kind: 'resources', entries: [{ resource: whole }] };
  const bundle = whole as Bundle;
  if (bundle.type === 'batch' || bundle.type === 'transaction') return { kind: 'bundle', bundle };
  const entries = (bundle.entry ?? []).flatMap((e): DataEntry[] =>
    isResource(e.resource) ? [{ resource: e.resource, ...(e.fullUrl?.startsWith('urn:') ? { fullUrl: e.fullUrl } : {}) }] : [],
  );
  return { kind: 'resources', entries };
}

function parses(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

function parseNdjson(text: string, source: string): DataEntry[] {
  const entries: DataEntry[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new Error(`${source}:${i + 1}: not JSON: ${(e as Error).message}`);
    }
    if (!isResource(value)) throw new Error(`${source}:${i + 1}: not a FHIR resource`);
    entries.push({ resource: value });
  });
  return entries;
}

/** A transaction entry that stores the resource under its own id (PUT, update-as-create) or a new one (POST). */
function transactionEntry({ resource, fullUrl }: DataEntry): BundleEntry {
  const request = resource.id
    ? { method: 'PUT' as const, url: `${resource.resourceType}/${encodeURIComponent(resource.id)}` }
    : { method: 'POST' as const, url: resource.resourceType };
  return { ...(fullUrl ? { fullUrl } : {}), resource, request };
}

/**
 * Loads parsed data through `store.handle`, the way a client would, and answers how many resources were
 * stored. Resources go in transaction Bundles of `chunkSize` (all of them in one when some carry `urn:`
 * fullUrls, so references to them are rewritten: https://hl7.org/fhir/R5/http.html#trules). A failure throws
 * with the server's diagnostics.
 */
export async function loadData(store: Store, data: DataFile, options: { chunkSize?: number; source?: string } = {}): Promise<number> {
  const source = options.source ?? 'data';
  if (data.kind === 'bundle') return postBundle(store, data.bundle, source);
  const { entries } = data;
  const size = entries.some((e) => e.fullUrl) ? entries.length : Math.max(1, options.chunkSize ?? DEFAULT_CHUNK);
  let loaded = 0;
  for (let from = 0; from < entries.length; from += size) {
    const chunk = entries.slice(from, from + size);
    const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: chunk.map(transactionEntry) };
    loaded += await postBundle(store, bundle, `${source} (resources ${from + 1}-${from + chunk.length})`);
  }
  return loaded;
}

/** Reads and loads a data file (see `parseData` and `loadData`). */
export async function loadDataFile(store: Store, path: string, options: { chunkSize?: number } = {}): Promise<number> {
  return loadData(store, parseData(await readFile(path, 'utf8'), path), { ...options, source: path });
}

/** Posts a batch or transaction Bundle; answers the number of entries that succeeded, throws if any failed. */
async function postBundle(store: Store, bundle: Bundle, source: string): Promise<number> {
  const res = await store.handle({
    method: 'POST',
    url: '',
    headers: { 'Content-Type': 'application/fhir+json', Prefer: 'return=minimal' },
    body: bundle,
  });
  if (res.status >= 400) throw new Error(`${source}: HTTP ${res.status}: ${diagnostics(res.body)}`);
  const entries = (res.body as Bundle | undefined)?.entry ?? [];
  const failed = entries.filter((e) => !/^2\d\d/.test(e.response?.status ?? ''));
  if (failed.length > 0) {
    const first = failed[0]!.response;
    throw new Error(`${source}: ${failed.length} of ${entries.length} entries failed; first: ${first?.status ?? '?'} ${diagnostics(first?.outcome)}`);
  }
  return entries.length;
}

function diagnostics(body: unknown): string {
  const oo = body as OperationOutcome | undefined;
  if (oo?.resourceType !== 'OperationOutcome') return '';
  return oo.issue.map((i) => i.diagnostics ?? i.code).join('; ');
}
