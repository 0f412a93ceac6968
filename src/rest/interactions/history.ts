import type { BundleEntry, BundleLink } from 'fhir/r5';
import { badRequest, notFound } from '../../errors/fhir-error.js';
import { formatEtag } from '../../history/etag.js';
import { decodeHistoryCursor, encodeHistoryCursor } from '../../history/cursor.js';
import { queryHistoryStamped, type HistoryQuery } from '../../storage/history-reads.js';
import { fullUrl, resultBundle, link } from '../../model/bundle.js';
import { DEFAULT_COUNT, MAX_COUNT } from '../../search/query.js';
import { parseDateRange } from '../../search/date-range.js';
import type { HistoryRow } from '../../storage/rows.js';
import type { EngineContext } from '../context.js';
import type { Outcome } from '../outcome.js';
import { newId } from './writes.js';

const HISTORY_PARAMS = new Set(['_count', '_since', '_at', '_page', '_format', '_pretty']);

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
  const q: HistoryQuery = { count: DEFAULT_COUNT, ...scope };
  const seen = new Set<string>();
  const applied: [string, string][] = [];
  for (const [name, value] of params) {
    if (value === '') continue;
    if (!HISTORY_PARAMS.has(name)) {
      if (handling === 'lenient') continue;
      throw badRequest(`Unknown history parameter '${name}'`, [name]);
    }
    if (seen.has(name)) throw badRequest(`History parameter '${name}' may appear only once`, [name]);
    seen.add(name);
    switch (name) {
      case '_count':
        if (!/^\d+$/.test(value) || Number(value) === 0) throw badRequest(`_count must be a positive integer, got '${value}'`, ['_count']);
        q.count = Math.min(Number(value), MAX_COUNT);
        applied.push([name, String(q.count)]);
        break;
      case '_since': {
        const r = parseDateRange(value, { timeZone: ctx.timeZone });
        if (!r) throw badRequest(`_since must be an instant, got '${value}'`, ['_since']);
        q.since = r.low;
        applied.push([name, value]);
        break;
      }
      case '_at': {
        const r = parseDateRange(value, { timeZone: ctx.timeZone });
        if (!r) throw badRequest(`_at must be a date or dateTime, got '${value}'`, ['_at']);
        q.at = { low: r.low, high: r.high };
        applied.push([name, value]);
        break;
      }
      case '_page':
        q.after = decodeHistoryCursor(value);
        break;
      default:
        break; // _format, _pretty
    }
  }
  if (scope.type !== undefined && scope.id !== undefined && !(await ctx.db.resources.get([scope.type, scope.id]))) {
    throw notFound(`${scope.type}/${scope.id} has no history`);
  }
  const { page, stamp } = await queryHistoryStamped(ctx.db, q, () => ctx.clock().toISOString());
  const path = scope.type === undefined ? '_history' : scope.id === undefined ? `${scope.type}/_history` : `${scope.type}/${scope.id}/_history`;
  const qs = (extra: [string, string][]): string => {
    const all = [...applied, ...extra];
    return all.length === 0 ? path : `${path}?${all.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
  };
  const links: BundleLink[] = [link('self', qs(q.after ? [['_page', encodeHistoryCursor(q.after)]] : []))];
  if (page.next) links.push(link('next', qs([['_page', encodeHistoryCursor(page.next)]])));
  const bundle = resultBundle('history', {
    id: newId(ctx),
    lastUpdated: stamp,
    ...(page.total !== undefined ? { total: page.total } : {}),
    links,
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
