import { badRequest } from '../errors/fhir-error.js';
import { splitOr } from './escape.js';
import { findParameter } from './parameters.js';
import { DEFAULT_COUNT, MAX_COUNT, type SearchClause, type SearchQuery, type SummaryMode, type TotalMode } from './query.js';

/** How unknown parameters are treated (`Prefer: handling=`, https://hl7.org/fhir/R5/search.html#errors). */
export type Handling = 'strict' | 'lenient';

/** Parameters that change the result, not the match set, plus `_format`/`_pretty` which are accepted and ignored. */
const RESULT_PARAMETERS = new Set(['_count', '_summary', '_total', '_format', '_pretty', '_page']);

/**
 * Parses the query of a type search into a `SearchQuery`. Empty values are ignored (R5 search.html#errors);
 * an unknown parameter is a 400 unless `handling` is `lenient`, an unsupported modifier always is.
 * @see https://hl7.org/fhir/R5/search.html
 */
export function parseSearch(type: string, params: Iterable<[string, string]>, handling: Handling = 'strict'): SearchQuery {
  const query: SearchQuery = { type, clauses: [], count: DEFAULT_COUNT, ignored: [] };
  for (const [name, value] of params) {
    if (value === '') continue;
    if (RESULT_PARAMETERS.has(name)) {
      applyResultParameter(query, name, value);
      continue;
    }
    const [code = '', modifier] = name.split(':', 2) as [string, string | undefined];
    const def = findParameter(type, code);
    if (!def) {
      if (handling === 'lenient') {
        query.ignored.push(name);
        continue;
      }
      throw badRequest(`Unknown search parameter '${name}' for ${type}`, [name]);
    }
    if (modifier !== undefined) {
      throw badRequest(`Modifier ':${modifier}' is not supported on parameter '${code}'`, [name]);
    }
    const clause: SearchClause = { name, code, def, values: splitOr(value) };
    query.clauses.push(clause);
  }
  return query;
}

function applyResultParameter(query: SearchQuery, name: string, value: string): void {
  switch (name) {
    case '_count': {
      if (!/^\d+$/.test(value)) throw badRequest(`_count must be a non-negative integer, got '${value}'`, ['_count']);
      const n = Number(value);
      query.count = Math.min(n, MAX_COUNT);
      if (n === 0) query.summary = 'count';
      return;
    }
    case '_summary':
      if (value !== 'count' && value !== 'false') {
        throw badRequest(`_summary=${value} is not supported (supported: count, false)`, ['_summary']);
      }
      query.summary = value as SummaryMode;
      return;
    case '_total':
      if (value !== 'none' && value !== 'estimate' && value !== 'accurate') {
        throw badRequest(`_total must be none, estimate or accurate, got '${value}'`, ['_total']);
      }
      query.total = value as TotalMode;
      return;
    case '_page':
      query.page = value;
      return;
    default:
      return; // _format, _pretty: accepted, the answer is always JSON
  }
}

/**
 * Formats a query back to the parameters it applied, for `self` and paging links: parsing the result gives
 * back the same query.
 */
export function formatSearch(query: SearchQuery, page?: string): string {
  const parts: string[] = [];
  for (const c of query.clauses) parts.push(`${encodeURIComponent(c.name)}=${encodeURIComponent(c.values.join(','))}`);
  if (query.summary) parts.push(`_summary=${query.summary}`);
  else parts.push(`_count=${query.count}`);
  if (query.total) parts.push(`_total=${query.total}`);
  if (page !== undefined) parts.push(`_page=${encodeURIComponent(page)}`);
  return parts.join('&');
}
