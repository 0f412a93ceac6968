import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import type { Bundle, BundleEntry, OperationOutcome, Resource, SearchParameter } from 'fhir/r5';
import { openStore, type Store } from '../../src/index.js';
import { IMAGING_SELECTION_CODE } from '../../src/search/parameters/definitions/index.js';
import { queryText, queryUrl, type GeneratedQuery } from './queries.js';

/*
 * The harness of the differential search suite: load the same resources into two FHIR servers, run the same
 * query against both (following `next` links to the end), reduce each answer to the ids that matter and
 * compare them.
 *
 * A server is a `Target`: a remote one over HTTP (HAPI, or this project's own HTTP server as a stand-in),
 * or a local store answering through `store.handle` in this process.
 */

export interface TargetResponse {
  status: number;
  body: unknown;
}

export interface Target {
  name: string;
  /** The absolute base URL (no trailing slash). */
  base: string;
  /** A request relative to the base (`ImagingSelection?…`), or absolute (a `next` link). */
  request(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown): Promise<TargetResponse>;
  close?(): Promise<void>;
}

const FHIR_JSON = 'application/fhir+json';
/** How long one request may take (a page of 1000 with includes takes HAPI a few seconds). */
const REQUEST_TIMEOUT_MS = 90_000;

/** A FHIR server over HTTP. Searches send `Prefer: handling=strict`, so no server drops a parameter silently. */
export function httpTarget(name: string, base: string): Target {
  const root = base.replace(/\/$/, '');
  return {
    name,
    base: root,
    async request(method, url, body) {
      const absolute = /^https?:\/\//.test(url) ? url : `${root}/${url}`;
      const headers: Record<string, string> = { accept: FHIR_JSON, prefer: 'handling=strict' };
      if (body !== undefined) headers['content-type'] = FHIR_JSON;
      let lastError: unknown;
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const res = await fetch(absolute, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
          const text = await res.text();
          let parsed: unknown = text;
          try {
            parsed = text.length > 0 ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: keep the text for the message
          }
          return { status: res.status, body: parsed };
        } catch (e) {
          // A request that took too long is an answer (status 0), not a reason to load the server again.
          if (e instanceof Error && e.name === 'TimeoutError') return { status: 0, body: `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` };
          lastError = e; // a dropped connection: try again (GETs are idempotent, and so are our PUTs)
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      throw lastError;
    },
  };
}

/**
 * A variant of the local store for explaining a difference: the same data after `transform`, under
 * another base URL when `base` is given. A deviation (deviations.ts) that says "HAPI reads the data as if
 * X" is confirmed by a variant store that reads it as if X answering exactly what HAPI answered.
 */
export interface Variant {
  /** The store's base URL instead of the remote's (so absolute references on the remote's base are external). */
  base?: string;
  /** What the data looks like to the remote, resource by resource (must stay valid R5). */
  transform?: (resources: Resource[], known: ReadonlySet<string>) => Resource[];
}

/** Opens a store target for `variant` over `resources` (already on the remote's base). */
export async function variantTarget(name: string, variant: Variant, resources: readonly Resource[], remoteBase: string): Promise<Target & { store: Store }> {
  const known = new Set(resources.map((r) => `${r.resourceType}/${r.id}`));
  const data = variant.transform ? variant.transform(structuredClone(resources as Resource[]), known) : (resources as Resource[]);
  const target = await storeTarget(name, variant.base ?? remoteBase);
  await load(target, data);
  // Queries carry the remote's base (SELF_BASE is replaced by it), whatever the variant's base is.
  return target;
}

/** A store in this process (fake-indexeddb), answering like a server whose base is `base`. */
export async function storeTarget(name: string, base: string): Promise<Target & { store: Store }> {
  const root = base.replace(/\/$/, '');
  const store = await openStore({ name: `interop-${name}`, indexedDB: new IDBFactory(), IDBKeyRange, baseUrl: root, timeZone: 'UTC', outbox: false });
  return {
    name,
    base: root,
    store,
    async request(method, url, body) {
      const relative = url.startsWith(`${root}/`) ? url.slice(root.length + 1) : url.startsWith(root) ? url.slice(root.length) : url;
      const res = await store.handle({ method, url: relative, headers: body === undefined ? { prefer: 'handling=strict' } : { 'content-type': FHIR_JSON }, body });
      return { status: res.status, body: res.body };
    },
    async close() {
      store.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------------------

const diagnostics = (body: unknown): string => {
  const oo = body as OperationOutcome | undefined;
  if (oo?.resourceType === 'OperationOutcome') return (oo.issue ?? []).map((i) => i.diagnostics ?? i.details?.text ?? i.code).join('; ');
  return typeof body === 'string' ? body.slice(0, 500) : JSON.stringify(body)?.slice(0, 500) ?? '';
};

/** Loads `resources` with transaction Bundles of PUTs, `chunk` entries each, in order. */
export async function load(target: Target, resources: readonly Resource[], chunk = 200): Promise<void> {
  for (let i = 0; i < resources.length; i += chunk) {
    const entry: BundleEntry[] = resources.slice(i, i + chunk).map((r) => ({
      fullUrl: `${target.base}/${r.resourceType}/${r.id}`,
      resource: r,
      request: { method: 'PUT', url: `${r.resourceType}/${r.id}` },
    }));
    const res = await target.request('POST', '', { resourceType: 'Bundle', type: 'transaction', entry });
    if (res.status !== 200) throw new Error(`${target.name}: transaction ${i / chunk + 1} answered ${res.status}: ${diagnostics(res.body)}`);
    const bad = ((res.body as Bundle).entry ?? []).filter((e) => !/^20[01]/.test(e.response?.status ?? ''));
    if (bad.length > 0) throw new Error(`${target.name}: transaction ${i / chunk + 1}: ${bad.length} entries failed, e.g. ${bad[0]?.response?.status}`);
  }
}

/**
 * The SearchParameter that gives `code` on ImagingSelection the store's expression (`ImagingSelection.code`,
 * not R5's published `ImagingSelection.status`): installed into the remote server before the data is loaded,
 * because HAPI indexes on write.
 */
export const CODE_SEARCH_PARAMETER: SearchParameter = { ...structuredClone(IMAGING_SELECTION_CODE), id: 'ImagingSelection-code', status: 'active' };

export async function installCodeParameter(target: Target): Promise<void> {
  const res = await target.request('PUT', `SearchParameter/${CODE_SEARCH_PARAMETER.id}`, CODE_SEARCH_PARAMETER);
  if (res.status !== 200 && res.status !== 201) throw new Error(`${target.name}: SearchParameter answered ${res.status}: ${diagnostics(res.body)}`);
}

/**
 * Waits until the remote server searches `code` with the new expression: a canary selection whose code is
 * unique is written (again) until `code=` finds it and `code=<its status>` does not. HAPI refreshes its
 * search parameter registry asynchronously, and a resource written before that is indexed the old way, so
 * the canary is rewritten on every try. The canary is deleted at the end.
 */
export async function awaitCodeParameter(target: Target, timeoutMs = 120_000): Promise<{ tries: number; ms: number }> {
  const started = Date.now();
  const canary: Resource = {
    resourceType: 'ImagingSelection',
    id: 'canary-code-parameter',
    status: 'entered-in-error',
    code: { coding: [{ system: 'urn:interop:canary', code: 'canary-code' }] },
  } as Resource;
  for (let tries = 1; ; tries++) {
    const put = await target.request('PUT', `ImagingSelection/${canary.id}`, { ...canary, text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">try ${tries}</div>` } });
    if (put.status !== 200 && put.status !== 201) throw new Error(`${target.name}: canary answered ${put.status}: ${diagnostics(put.body)}`);
    const byCode = await search(target, 'ImagingSelection?_id=canary-code-parameter&code=urn:interop:canary|canary-code');
    const byStatus = await search(target, 'ImagingSelection?_id=canary-code-parameter&code=entered-in-error');
    if (byCode.ok && byCode.match.length === 1 && byStatus.ok && byStatus.match.length === 0) {
      const del = await target.request('DELETE', `ImagingSelection/${canary.id}`);
      if (del.status >= 300) throw new Error(`${target.name}: deleting the canary answered ${del.status}`);
      return { tries, ms: Date.now() - started };
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`${target.name}: 'code' still does not search ImagingSelection.code after ${tries} tries (code=canary → ${JSON.stringify(byCode)}, code=status → ${JSON.stringify(byStatus)})`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Searching
// ---------------------------------------------------------------------------------------------------------

export type Outcome =
  | { ok: true; match: string[]; include: string[]; total: number | undefined; pages: number; maxPageIncludes: number; foreign?: number }
  | { ok: false; status: number; message: string };

const MAX_PAGES = 400;

/**
 * Runs a search and follows `next` links to the end. `match` keeps the order of the pages (`Type/id`),
 * `include` is every included resource over all pages that is not also a match, sorted.
 *
 * A result that looks cut short (fewer matches than the `total` of the first page, or a full last page
 * without a `next` link and without a total) is fetched once more: under load HAPI sometimes answers the
 * first page of a search it is still running without a `next` link.
 */
export async function search(target: Target, url: string): Promise<Outcome> {
  const first = await searchOnce(target, url);
  if (!first.ok || !first.suspect) return first;
  await new Promise((r) => setTimeout(r, 1000));
  return searchOnce(target, url);
}

async function searchOnce(target: Target, url: string): Promise<Outcome & { suspect?: boolean }> {
  const match: string[] = [];
  const included = new Set<string>();
  let total: number | undefined;
  let next: string | undefined = url;
  let pages = 0;
  let maxPageIncludes = 0;
  let lastPageFull = false;
  const count = Number(/[?&]_count=(\d+)/.exec(url)?.[1] ?? NaN);
  while (next !== undefined) {
    if (++pages > MAX_PAGES) return { ok: false, status: 0, message: `more than ${MAX_PAGES} pages` };
    const res = await target.request('GET', next);
    if (res.status !== 200) return { ok: false, status: res.status, message: diagnostics(res.body) };
    const bundle = res.body as Bundle;
    if (bundle?.resourceType !== 'Bundle') return { ok: false, status: res.status, message: `not a Bundle: ${diagnostics(res.body)}` };
    if (pages === 1) total = bundle.total;
    const entries = bundle.entry ?? [];
    maxPageIncludes = Math.max(maxPageIncludes, entries.filter((e) => e.search?.mode === 'include').length);
    let pageMatches = 0;
    for (const e of entries) {
      const r = e.resource;
      if (!r) continue;
      const key = `${r.resourceType}/${r.id}`;
      const mode = e.search?.mode ?? 'match';
      if (mode === 'match') {
        match.push(key);
        pageMatches++;
      } else if (mode === 'include') included.add(key);
    }
    lastPageFull = pageMatches > 0 && pageMatches === count;
    next = bundle.link?.find((l) => l.relation === 'next')?.url;
    if (entries.length === 0) next = undefined; // an empty page ends the search whatever it links to
  }
  const matched = new Set(match);
  const suspect = total !== undefined ? match.length < total : lastPageFull;
  return { ok: true, match, include: [...included].filter((k) => !matched.has(k)).sort(), total, pages, maxPageIncludes, suspect };
}

// ---------------------------------------------------------------------------------------------------------
// Comparing
// ---------------------------------------------------------------------------------------------------------

export type DifferenceKind = 'error' | 'match' | 'include' | 'order' | 'duplicates';

export interface Difference {
  kind: DifferenceKind;
  /**
   * The ids the local store answered that the remote did not: for an error on the remote, every id the store
   * found; for the order, every id at another position than on the remote.
   */
  onlyLocal: string[];
  /** The ids the remote answered that the local store did not (for the order, as `onlyLocal`). */
  onlyRemote: string[];
  localStatus?: number;
  remoteStatus?: number;
  remoteMessage?: string;
  localMessage?: string;
  detail: string;
}

const minus = (a: readonly string[], b: readonly string[]): string[] => {
  const set = new Set(b);
  return [...new Set(a)].filter((x) => !set.has(x)).sort();
};
const duplicatesOf = (a: readonly string[]): string[] => a.filter((x, i) => a.indexOf(x) !== i);
const sample = (a: readonly string[], n = 6): string => (a.length <= n ? a.join(', ') : `${a.slice(0, n).join(', ')} … (${a.length})`);

/**
 * The differences between the local store's and the remote server's answers, one per kind (an error; the
 * matches; a match on two pages; the includes; the order when the query's `_sort` makes it total): none
 * when they agree. `ordered: false` leaves the order out.
 */
export function compare(q: GeneratedQuery, local: Outcome, remote: Outcome, ordered = q.ordered): Difference[] {
  if (!local.ok || !remote.ok) {
    if (!local.ok && !remote.ok && local.status === remote.status) return [];
    // The side that answered differs from the other by every id it found (the other found none).
    return [{
      kind: 'error',
      onlyLocal: local.ok ? [...new Set(local.match)].sort() : [],
      onlyRemote: remote.ok ? [...new Set(remote.match)].sort() : [],
      localStatus: local.ok ? 200 : local.status,
      remoteStatus: remote.ok ? 200 : remote.status,
      localMessage: local.ok ? undefined : local.message,
      remoteMessage: remote.ok ? undefined : remote.message,
      detail: `status local ${local.ok ? 200 : local.status}, remote ${remote.ok ? 200 : remote.status}: ${local.ok ? '' : `local: ${local.message} `}${remote.ok ? '' : `remote: ${remote.message}`}`,
    }];
  }
  const out: Difference[] = [];
  const onlyLocal = minus(local.match, remote.match);
  const onlyRemote = minus(remote.match, local.match);
  if (onlyLocal.length > 0 || onlyRemote.length > 0) {
    out.push({ kind: 'match', onlyLocal, onlyRemote, detail: `matches: ${local.match.length} local, ${remote.match.length} remote; only local [${sample(onlyLocal)}], only remote [${sample(onlyRemote)}]` });
  }
  const dupLocal = duplicatesOf(local.match);
  const dupRemote = duplicatesOf(remote.match);
  if (dupLocal.length > 0 || dupRemote.length > 0) {
    out.push({ kind: 'duplicates', onlyLocal: dupLocal, onlyRemote: dupRemote, detail: `a match on two pages: local [${sample(dupLocal)}], remote [${sample(dupRemote)}]` });
  }
  const incLocal = minus(local.include, remote.include);
  const incRemote = minus(remote.include, local.include);
  if (incLocal.length > 0 || incRemote.length > 0) {
    out.push({ kind: 'include', onlyLocal: incLocal, onlyRemote: incRemote, detail: `includes: ${local.include.length} local, ${remote.include.length} remote; only local [${sample(incLocal)}], only remote [${sample(incRemote)}]` });
  }
  if (ordered && out.length === 0) {
    const at = local.match.findIndex((x, i) => remote.match[i] !== x);
    if (at >= 0) {
      // The same ids on both sides: an id differs when it stands at another position.
      const displaced = local.match.filter((x, i) => remote.match[i] !== x).sort();
      out.push({
        kind: 'order',
        onlyLocal: displaced,
        onlyRemote: displaced,
        detail: `order differs at position ${at}: local [${sample(local.match.slice(at), 5)}], remote [${sample(remote.match.slice(at), 5)}]`,
      });
    }
  }
  return out;
}

/**
 * Drops resources that are not part of the data set (the remote server may hold other tests' data); the
 * number dropped is kept in `foreign`.
 */
export function onlyKnown(o: Outcome, known: ReadonlySet<string>): Outcome {
  if (!o.ok) return o;
  const match = o.match.filter((k) => known.has(k));
  const include = o.include.filter((k) => known.has(k));
  return { ...o, match, include, foreign: o.match.length - match.length + o.include.length - include.length };
}

export interface QueryResult {
  query: GeneratedQuery;
  url: string;
  local: Outcome;
  remote: Outcome;
  /** Empty when the two answers agree. */
  differences: Difference[];
  /** The ids of the deviations that explain the differences, once known. */
  deviations?: string[];
}

/** Runs `fn` on every item, `concurrency` at a time (HAPI answers several requests at once; the store is in-process). */
export async function inPool<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let nextIndex = 0;
  const worker = async (): Promise<void> => {
    for (let i = nextIndex++; i < items.length; i = nextIndex++) await fn(items[i]!, i);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Runs every query against both targets, a few at a time; results in query order. */
export async function runAll(local: Target, remote: Target, queries: readonly GeneratedQuery[], known: ReadonlySet<string>, concurrency = 4): Promise<QueryResult[]> {
  const results: QueryResult[] = new Array(queries.length);
  await inPool(queries, concurrency, async (q, i) => {
    const url = queryUrl(q, remote.base);
    const [l, r] = (await Promise.all([search(local, url), search(remote, url)])).map((o) => onlyKnown(o, known)) as [Outcome, Outcome];
    results[i] = { query: q, url, local: l, remote: r, differences: compare(q, l, r) };
  });
  return results;
}

export const describeResult = (r: QueryResult): string =>
  `#${r.query.n} ${queryText(r.query)}\n    ${r.differences.length === 0 ? 'agree' : r.differences.map((d) => d.detail).join('\n    ')}`;
