import { badRequest } from '../errors/fhir-error.js';
import { compileClause, type CompiledClause, type CompileContext } from './compile.js';
import type { SearchQuery } from './query.js';
import type { CandidateRow, SearchSource } from './source.js';

/** One page of matches. */
export interface SearchResult {
  matches: CandidateRow[];
  /** Number of matches over all pages, when asked for or cheap. */
  total?: number;
  /** Cursor of the next page, when there is one. */
  next?: string;
}

/**
 * Runs a query: the planner takes the most selective indexed clause (an id lookup, then token keys, then a
 * `_lastUpdated` range) to find candidates, and every clause filters them with its predicate. Matches are
 * ordered by id and paged with a keyset cursor (the last id of the page), so pages stay consistent while
 * the store changes.
 * @see https://hl7.org/fhir/R5/search.html#paging
 */
export async function executeSearch(source: SearchSource, query: SearchQuery, ctx: CompileContext): Promise<SearchResult> {
  const compiled = query.clauses.map((c) => compileClause(c, ctx));
  const candidates = await fetchCandidates(source, query.type, compiled);
  const all = candidates.filter((row) => compiled.every((c) => c.matches(row))).sort((a, b) => compareIds(a.id, b.id));
  if (query.summary === 'count') return { matches: [], total: all.length };

  const after = query.page === undefined ? undefined : decodeCursor(query.page);
  const start = after === undefined ? 0 : all.findIndex((r) => compareIds(r.id, after) > 0);
  const rest = start < 0 ? [] : all.slice(start);
  const matches = rest.slice(0, query.count);
  const result: SearchResult = { matches };
  if (query.total !== 'none') result.total = all.length;
  const last = matches[matches.length - 1];
  if (rest.length > matches.length && last) result.next = encodeCursor(last.id);
  return result;
}

async function fetchCandidates(source: SearchSource, type: string, compiled: CompiledClause[]): Promise<CandidateRow[]> {
  const rank = { ids: 0, keys: 1, lastUpdated: 2, scan: 3 } as const;
  const best = [...compiled].sort((a, b) => rank[a.access.kind] - rank[b.access.kind])[0];
  const access = best?.access ?? { kind: 'scan' as const };
  switch (access.kind) {
    case 'ids':
      return source.byIds(type, access.ids);
    case 'keys':
      return source.byIds(type, await source.idsByKeys(type, access.param, access.keys));
    case 'lastUpdated':
      return source.byLastUpdated(type, access.low, access.high);
    default:
      return source.all(type);
  }
}

/** Ids sort by code unit, the order IndexedDB keys have. */
const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function encodeCursor(id: string): string {
  return `id.${id}`;
}

function decodeCursor(page: string): string {
  if (!page.startsWith('id.') || page.length < 4) throw badRequest(`Invalid paging cursor '${page}'`, ['_page']);
  return page.slice(3);
}
