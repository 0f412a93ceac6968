import { compileClause, type ClauseContext, type ClausePlan } from './clauses.js';
import { END, key } from './index-entry.js';
import { comparePositions, decodeCursor, encodeCursor, positionOf, type Ranked } from './order.js';
import type { Clause, IncludeSpec, SearchQuery } from './query.js';
import type { SearchRegistry } from './registry.js';
import type { CandidateRow } from './source.js';

/** What running a search needs. `scan: true` skips the planner and tests every row: the reference path the indexed one is checked against. */
export type ExecuteContext = Omit<ClauseContext, 'idsMatching'> & { registry: SearchRegistry; scan?: boolean };

/** One page of a search. */
export interface SearchResult {
  matches: Ranked[];
  included: CandidateRow[];
  /** Matches over all pages, unless `_total=none`. */
  total?: number;
  /** The best relevance over all matches, to scale `entry.search.score` into [0, 1]. */
  maxScore?: number;
  next?: string;
  previous?: string;
}

/** How many rounds `:iterate` follows references (R5 lets servers limit the depth). */
const MAX_INCLUDE_DEPTH = 4;

/**
 * Runs a query. For each clause the planner estimates the rows its index access reads and takes the most
 * selective one for candidates; every clause then filters them with the same predicate a full scan uses.
 * Matches are ordered by `_sort` (then type and id, a total order) and paged with a keyset cursor, so
 * pages stay consistent while the store changes.
 * @see https://hl7.org/fhir/R5/search.html
 */
export async function executeSearch(query: SearchQuery, ctx: ExecuteContext): Promise<SearchResult> {
  const wantScore = query.sort.some((k) => k.code === '_score');
  if (query.clauses.length === 0 && !ctx.scan && query.types.length === 1 && query.summary !== 'count') {
    const fast = await pageInIndexOrder(query.types[0]!, query, ctx);
    if (fast) return fast;
  }
  let all: Ranked[] = [];
  // Without criteria only the sort keys decide the page: order index keys, then load just the page's rows.
  const light = query.clauses.length === 0 && !ctx.scan;
  for (const type of query.types) {
    all = all.concat(light ? await sortKeysOnly(type, query.sort, ctx) : await matchType(type, query.clauses, ctx, wantScore));
  }
  if (query.summary === 'count') return { matches: [], included: [], total: all.length };

  const keys = query.sort;
  const ranked = all.map((r) => ({ r, at: positionOf(r, keys) }));
  ranked.sort((a, b) => comparePositions(a.at, b.at, keys));

  let start = 0;
  let end = ranked.length;
  if (query.page !== undefined) {
    const cursor = decodeCursor(query.page);
    if (cursor.dir === 'a') start = lowerBound(ranked, (x) => comparePositions(x.at, cursor.at, keys) > 0);
    else {
      end = lowerBound(ranked, (x) => comparePositions(x.at, cursor.at, keys) >= 0);
      start = Math.max(0, end - query.count);
    }
  }
  end = Math.min(end, start + query.count);
  const page = ranked.slice(start, end);
  const result: SearchResult = { matches: light ? await loadRows(page.map((x) => x.r.row), ctx) : page.map((x) => x.r), included: [] };
  if (query.total !== 'none') result.total = all.length;
  if (wantScore) result.maxScore = all.reduce((m, r) => Math.max(m, r.score ?? 0), 0);
  const last = page[page.length - 1];
  const first = page[0];
  if (end < ranked.length && last) result.next = encodeCursor({ dir: 'a', at: last.at });
  if (start > 0 && first) result.previous = encodeCursor({ dir: 'b', at: first.at });
  if (query.include.length > 0) result.included = await includes(result.matches.map((m) => m.row), query.include, ctx);
  return result;
}

/**
 * A page of a search without criteria sorted by one key whose index order is its sort order (`_id`,
 * `_lastUpdated`, a date or a string parameter): the ids come in order from one bulk read of index keys, the
 * page is cut from that list at the cursor's resource, and only its rows are loaded. Undefined when the sort
 * (or a cursor whose resource is gone) needs the general path.
 */
async function pageInIndexOrder(type: string, query: SearchQuery, ctx: ExecuteContext): Promise<SearchResult | undefined> {
  if (query.sort.length > 1) return undefined;
  const k = query.sort[0];
  const descending = k?.descending ?? false;
  const live = await ctx.source.allIds(type);
  let ordered: string[];
  if (k === undefined || k.code === '_id') ordered = [...live];
  else if (k.code === '_lastUpdated') ordered = await ctx.source.idsInKeyOrder(type, '_lastUpdated', { lower: '', upper: END });
  else if (k.param?.type === 'date') {
    ordered = await ctx.source.idsInKeyOrder(type, k.code, { lower: -Infinity, upper: Infinity, ...(descending ? { on: 'high' as const } : {}) });
  } else if (k.param?.type === 'string') ordered = await ctx.source.idsInKeyOrder(type, k.code, { lower: key.string(''), upper: key.string(END) });
  else return undefined;
  if (descending) ordered.reverse();
  // A resource's first place is its least key ascending, its greatest descending; those without come last.
  const seen = new Set<string>();
  const ids: string[] = [];
  for (const id of ordered) if (!seen.has(id)) seen.add(id), ids.push(id);
  const missing = live.filter((id) => !seen.has(id));
  ids.push(...(descending ? missing.reverse() : missing));

  let start = 0;
  let end = ids.length;
  if (query.page !== undefined) {
    const cursor = decodeCursor(query.page);
    const at = cursor.at.type === type ? ids.indexOf(cursor.at.id) : -1;
    if (at < 0) return undefined;
    if (cursor.dir === 'a') start = at + 1;
    else {
      end = at;
      start = Math.max(0, end - query.count);
    }
  }
  end = Math.min(end, start + query.count);
  const rows = await ctx.source.byIds(type, ids.slice(start, end));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const page = ids.slice(start, end).flatMap((id) => (byId.has(id) ? [{ row: byId.get(id)! }] : []));
  const result: SearchResult = { matches: page, included: [] };
  if (query.total !== 'none') result.total = ids.length;
  const first = page[0];
  const last = page[page.length - 1];
  if (end < ids.length && last) result.next = encodeCursor({ dir: 'a', at: positionOf(last, query.sort) });
  if (start > 0 && first) result.previous = encodeCursor({ dir: 'b', at: positionOf(first, query.sort) });
  if (query.include.length > 0) result.included = await includes(page.map((m) => m.row), query.include, ctx);
  return result;
}

/**
 * The live resources of `type` as stand-ins that carry only what the sort keys need, read from index keys
 * (never rows): ids, `meta.lastUpdated`, and the entries of the sorted parameters (for dates, the low ends
 * ascending and the high ends descending, which is all `sortValue` reads).
 */
async function sortKeysOnly(type: string, sort: SearchQuery['sort'], ctx: ExecuteContext): Promise<Ranked[]> {
  const stand = new Map<string, CandidateRow>();
  for (const id of await ctx.source.allIds(type)) {
    stand.set(id, { type, id, versionId: 0, ts: 0, resource: { resourceType: type } as CandidateRow['resource'], index: [] });
  }
  for (const k of sort) {
    if (k.code === '_id' || k.code === '_score') continue;
    if (k.code === '_lastUpdated') {
      for (const { id, ts } of await ctx.source.lastUpdatedKeys(type)) {
        const row = stand.get(id);
        if (row) row.ts = ts;
      }
      continue;
    }
    const on = k.param?.type === 'date' && k.descending ? 'high' : 'value';
    for (const { id, value } of await ctx.source.keys(type, k.code, { lower: '', upper: END + END, on })) {
      stand.get(id)?.index.push(on === 'high' && typeof value === 'number' ? { param: k.code, value, high: value } : { param: k.code, value });
    }
  }
  return [...stand.values()].map((row) => ({ row }));
}

/** Full rows for stand-ins, in the same order. */
async function loadRows(stands: CandidateRow[], ctx: ExecuteContext): Promise<Ranked[]> {
  const byType = new Map<string, string[]>();
  for (const s of stands) byType.set(s.type, [...(byType.get(s.type) ?? []), s.id]);
  const rows = new Map<string, CandidateRow>();
  for (const [type, ids] of byType) for (const r of await ctx.source.byIds(type, ids)) rows.set(`${type}/${r.id}`, r);
  return stands.flatMap((s) => {
    const r = rows.get(`${s.type}/${s.id}`);
    return r ? [{ row: r }] : [];
  });
}

/** The first index whose element satisfies a monotone predicate. */
function lowerBound<T>(items: T[], pred: (x: T) => boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pred(items[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The best clause's candidate ids, narrowed by the other clauses whose index keys are cheaper to read than the
 * rows they would save loading (e.g. `issued=ge…&issued=lt…`, two wide ranges with a narrow overlap).
 */
async function intersectCandidates(best: ClausePlan, bestEstimate: number, plans: ClausePlan[]): Promise<string[]> {
  let ids = await best.candidates();
  if (ids.length <= 64) return ids;
  for (const p of plans) {
    if (p === best) continue;
    const e = await p.estimate();
    if (!Number.isFinite(e) || e > Math.max(bestEstimate, ids.length) * 4) continue;
    const other = new Set(await p.candidates());
    ids = ids.filter((id) => other.has(id));
    if (ids.length <= 64) break;
  }
  return ids;
}

/** Every match of `type` for the clauses (all of them), scored when asked. */
async function matchType(type: string, clauses: Clause[], ctx: ExecuteContext, wantScore: boolean): Promise<Ranked[]> {
  const clauseCtx: ClauseContext = {
    ...ctx,
    idsMatching: async (t, c) => (await matchType(t, [c], ctx, false)).map((r) => r.row.id),
  };
  const plans: ClausePlan[] = [];
  for (const c of clauses) plans.push(await compileClause(type, c, clauseCtx));
  let rows: CandidateRow[];
  if (plans.length === 0 || ctx.scan) rows = await ctx.source.all(type);
  else {
    let best: ClausePlan | undefined;
    let bestEstimate = Infinity;
    for (const p of plans) {
      const e = await p.estimate();
      if (e < bestEstimate) {
        best = p;
        bestEstimate = e;
      }
    }
    rows = best ? await ctx.source.byIds(type, await intersectCandidates(best, bestEstimate, plans)) : await ctx.source.all(type);
  }
  const matched = rows.filter((row) => plans.every((p) => p.matches(row)));
  const scorer = wantScore ? plans.find((p) => p.score)?.score : undefined;
  return matched.map((row) => (scorer ? { row, score: scorer(row) } : { row }));
}

/**
 * `_include` and `_revinclude` for a page: the resources its matches refer to (or that refer to them),
 * following `:iterate` ones from included resources too. Matches are never repeated as includes.
 * @see https://hl7.org/fhir/R5/search.html#include
 */
async function includes(page: CandidateRow[], specs: IncludeSpec[], ctx: ExecuteContext): Promise<CandidateRow[]> {
  const seen = new Set(page.map((r) => `${r.type}/${r.id}`));
  const out: CandidateRow[] = [];
  let frontier = page;
  for (let depth = 0; depth < MAX_INCLUDE_DEPTH && frontier.length > 0; depth++) {
    const active = specs.filter((s) => depth === 0 || s.iterate);
    const wanted = new Map<string, Set<string>>();
    const want = (type: string, id: string): void => {
      if (seen.has(`${type}/${id}`)) return;
      let ids = wanted.get(type);
      if (!ids) wanted.set(type, (ids = new Set()));
      ids.add(id);
    };
    for (const spec of active) {
      if (spec.reverse) await reverseTargets(frontier, spec, ctx, want);
      else forwardTargets(frontier, spec, ctx, want);
    }
    const next: CandidateRow[] = [];
    for (const [type, ids] of wanted) {
      for (const row of await ctx.source.byIds(type, [...ids])) {
        const k = `${row.type}/${row.id}`;
        if (seen.has(k)) continue;
        seen.add(k);
        next.push(row);
      }
    }
    out.push(...next);
    frontier = next;
  }
  return out;
}

function forwardTargets(rows: CandidateRow[], spec: IncludeSpec, ctx: ExecuteContext, want: (type: string, id: string) => void): void {
  const prefix = key.ref('');
  for (const row of rows) {
    if (spec.sourceType !== '*' && row.type !== spec.sourceType) continue;
    const params =
      spec.param === '*'
        ? [...ctx.registry.forType(row.type).values()].filter((p) => p.type === 'reference').map((p) => p.code)
        : [spec.param];
    for (const e of row.index) {
      if (!params.includes(e.param) || typeof e.value !== 'string' || !e.value.startsWith(prefix)) continue;
      const [type = '', id = ''] = e.value.slice(prefix.length).split('/');
      if (spec.targetType === undefined || spec.targetType === type) want(type, id);
    }
  }
}

async function reverseTargets(rows: CandidateRow[], spec: IncludeSpec, ctx: ExecuteContext, want: (type: string, id: string) => void): Promise<void> {
  const types = spec.sourceType === '*' ? await ctx.source.types() : [spec.sourceType];
  for (const type of types) {
    const params =
      spec.param === '*'
        ? [...ctx.registry.forType(type).values()].filter((p) => p.type === 'reference').map((p) => p.code)
        : [spec.param];
    for (const param of params) {
      for (const row of rows) {
        if (spec.targetType !== undefined && spec.targetType !== row.type) continue;
        const k = key.ref(`${row.type}/${row.id}`);
        for (const id of await ctx.source.ids(type, param, { lower: k, upper: k })) want(type, id);
      }
    }
  }
}

