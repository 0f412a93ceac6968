import type { BundleEntry, BundleLink } from 'fhir/r5';
import { badRequest, notFound } from '../../errors/fhir-error.js';
import { formatEtag } from '../../history/etag.js';
import { decodeHistoryCursor, encodeHistoryCursor } from '../../history/cursor.js';
import type { HistoryQuery } from '../../storage/history-reads.js';
import { fullUrl, resultBundle, link } from '../../model/bundle.js';
import { DEFAULT_COUNT, MAX_COUNT } from '../../search/query/search-query.js';
import { parseDateRange } from '../../search/dates/date-range.js';
import type { HistoryRow } from '../../storage/rows.js';
import type { EngineContext } from '../context.js';
import { evictedMessage } from '../guards.js';
import type { Outcome } from '../outcome.js';
import { newId } from './writes.js';

/**
 * Applies one history parameter's value to the query; returns the pair to show in the `self` and `next` links,
 * or undefined when the parameter has no place there (`_page`: links add their own; `_format`, `_pretty`).
 */
type HistoryParameter = (query: HistoryQuery, value: string, timeZone: string) => [string, string] | undefined;

/**
 * The parameters of the history interactions and what each does.
 * @see https://hl7.org/fhir/R5/http.html#history
 */
const HISTORY_PARAMS: ReadonlyMap<string, HistoryParameter> = new Map<string, HistoryParameter>([
  ['_count', countParameter],
  ['_since', sinceParameter],
  ['_at', atParameter],
  ['_page', (query, value) => {
    query.after = decodeHistoryCursor(value);
    return undefined;
  }],
  ['_format', () => undefined], // the answer is always JSON
  ['_pretty', () => undefined],
]);

/** `_count`: a positive page size, capped at {@link MAX_COUNT}; the link shows the size applied. */
function countParameter(query: HistoryQuery, value: string): [string, string] {
  if (!/^\d+$/.test(value) || Number(value) === 0) throw badRequest(`_count must be a positive integer, got '${value}'`, ['_count']);
  query.count = Math.min(Number(value), MAX_COUNT);
  return ['_count', String(query.count)];
}

/** `_since`: only versions created at or after this instant. */
function sinceParameter(query: HistoryQuery, value: string, timeZone: string): [string, string] {
  const r = parseDateRange(value, { timeZone });
  if (!r) throw badRequest(`_since must be an instant, got '${value}'`, ['_since']);
  query.since = r.low;
  return ['_since', value];
}

/** `_at`: only versions that were current at some point in this date or dateTime's period. */
function atParameter(query: HistoryQuery, value: string, timeZone: string): [string, string] {
  const r = parseDateRange(value, { timeZone });
  if (!r) throw badRequest(`_at must be a date or dateTime, got '${value}'`, ['_at']);
  query.at = { low: r.low, high: r.high };
  return ['_at', value];
}

/** A position in the history, newest first: continue after it (the `_page` cursor). */
type HistoryCursor = NonNullable<HistoryQuery['after']>;

/** A history query and the parameters it applied, in order, for the `self` and `next` links. */
interface HistoryParams {
  query: HistoryQuery;
  applied: [string, string][];
}

/**
 * Parses the parameters of a history interaction. Empty values are ignored; an unknown parameter is a 400
 * unless `handling` is `lenient`; each parameter may appear only once.
 * @see https://hl7.org/fhir/R5/http.html#history
 */
function parseHistoryParams(
  scope: { type?: string; id?: string },
  params: [string, string][],
  handling: 'strict' | 'lenient',
  timeZone: string,
): HistoryParams {
  const query: HistoryQuery = { count: DEFAULT_COUNT, ...scope };
  const seen = new Set<string>();
  const applied: [string, string][] = [];
  for (const [name, value] of params) {
    if (value === '') continue;
    const parameter = HISTORY_PARAMS.get(name);
    if (!parameter) {
      if (handling === 'lenient') continue;
      throw badRequest(`Unknown history parameter '${name}'`, [name]);
    }
    if (seen.has(name)) throw badRequest(`History parameter '${name}' may appear only once`, [name]);
    seen.add(name);
    const shown = parameter(query, value, timeZone);
    if (shown) applied.push(shown);
  }
  return { query, applied };
}

/** The path a history interaction answers on: `_history`, `[type]/_history` or `[type]/[id]/_history`. */
function historyPath(scope: { type?: string; id?: string }): string {
  if (scope.type === undefined) return '_history';
  return scope.id === undefined ? `${scope.type}/_history` : `${scope.type}/${scope.id}/_history`;
}

/**
 * The `self` link (with the cursor of this page, if any) and a `next` link when older versions remain.
 * @see https://hl7.org/fhir/R5/http.html#paging
 */
function historyLinks(
  path: string,
  applied: [string, string][],
  self: HistoryCursor | undefined,
  next: HistoryCursor | undefined,
): BundleLink[] {
  const url = (extra: [string, string][]): string => {
    const all = [...applied, ...extra];
    return all.length === 0 ? path : `${path}?${all.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
  };
  const links: BundleLink[] = [link('self', url(self ? [['_page', encodeHistoryCursor(self)]] : []))];
  if (next) links.push(link('next', url([['_page', encodeHistoryCursor(next)]])));
  return links;
}

/**
 * history-instance, history-type and history-system: a `history` Bundle, newest first, deletions as entries
 * without a resource; `_since`, `_at` and `_count` with a `next` link.
 * @see https://hl7.org/fhir/R5/http.html#history
 */
export async function history(
  ctx: EngineContext,
  scope: { type?: string; id?: string },
  params: [string, string][],
  handling: 'strict' | 'lenient' = 'strict',
): Promise<Outcome> {
  const { query, applied } = parseHistoryParams(scope, params, handling, ctx.timeZone);
  if (scope.type !== undefined && scope.id !== undefined) {
    const current = await ctx.storage.current(scope.type, scope.id);
    if (!current) throw notFound(`${scope.type}/${scope.id} has no history`);
    if (current.evicted !== undefined) throw notFound(evictedMessage(scope.type, scope.id, current.evicted));
  }
  const { page, stamp } = await ctx.storage.historyPage(query, () => ctx.clock().toISOString());
  const bundle = resultBundle('history', {
    id: newId(ctx),
    lastUpdated: stamp,
    ...(page.total !== undefined ? { total: page.total } : {}),
    links: historyLinks(historyPath(scope), applied, query.after, page.next),
    entries: page.rows.map((r) => historyEntry(ctx.baseUrl, r)),
  });
  return { status: 200, resource: bundle };
}

/** One history entry: the version, and the request and response that made it (bdl-3b; PATCH recorded as PUT). */
function historyEntry(baseUrl: string, r: HistoryRow): BundleEntry {
  const lastModified = new Date(r.ts).toISOString();
  const entry: BundleEntry = {
    fullUrl: fullUrl(baseUrl, r.type, r.id),
    request: { method: r.method, url: r.method === 'POST' ? r.type : `${r.type}/${r.id}` },
    response: {
      status: r.method === 'DELETE' ? '204 No Content' : r.status === 201 ? '201 Created' : '200 OK',
      etag: formatEtag(r.versionId),
      lastModified,
      ...(r.method !== 'DELETE' ? { location: `${r.type}/${r.id}/_history/${r.versionId}` } : {}),
    },
  };
  if (r.resource) entry.resource = r.resource;
  return entry;
}
