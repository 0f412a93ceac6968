import { compileClause, type ClauseContext, type ClausePlan } from './clauses.js';
import { candidates, probedPlans, type Candidates } from './plan.js';
import { canWalk, walkSortedPage } from './sort-walk.js';
import { END, key } from '../parameters/index-entry.js';
import { comparePositions, decodeCursor, encodeCursor, positionOf, type Cursor, type Position, type Ranked } from './order.js';
import type { Clause, IncludeSpec, SearchQuery, SortKey } from '../query/search-query.js';
import type { SearchRegistry } from '../parameters/registry.js';
import { exactly, type CandidateRow } from './source.js';

/** What running a search needs. `scan: true` skips the planner and tests every row: the reference path the indexed one is checked against. */
export type ExecuteContext = Omit<ClauseContext, 'rowsMatching'> & { registry: SearchRegistry; scan?: boolean };

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
/** Reverse-include reads issued at once. */
const REVERSE_READS_AT_ONCE = 32;

/**
 * Runs a query. The planner probes the clauses' index accesses with bounded key reads and loads the candidates
 * of those that finish (see `candidates`), or walks the sort index when every clause is broad (see
 * `walkSortedPage`); every clause then filters the rows with the same predicate a full scan uses.
 * Matches are ordered by `_sort` (then type and id, a total order) and paged with a keyset cursor, so
 * pages stay consistent while the store changes.
 * @see https://hl7.org/fhir/R5/search.html
 */
export async function executeSearch(query: SearchQuery, ctx: ExecuteContext): Promise<SearchResult> {
  const wantScore = query.sort.some((k) => k.code === '_score');
  if (query.clauses.length === 0 && !ctx.scan) {
    // Without criteria the total is the number of live resources, which storage keeps per type.
    if (query.summary === 'count') return { matches: [], included: [], total: await liveCount(query.types, ctx) };
    if (query.types.length === 1) {
      const fast = (await walkedPage(query.types[0]!, query, ctx)) ?? (await pageInIndexOrder(query.types[0]!, query, ctx));
      if (fast) return fast;
    }
  }
  let all: Ranked[] = [];
  // Without criteria only the sort keys decide the page: order index keys, then load just the page's rows.
  const light = query.clauses.length === 0 && !ctx.scan;
  for (const type of query.types) {
    if (light) {
      all = all.concat(await sortKeysOnly(type, query.sort, ctx));
      continue;
    }
    const walk = !ctx.scan && query.types.length === 1 && query.summary !== 'count' && query.total !== 'accurate' && !wantScore && canWalk(query);
    const plan = await planType(type, query.clauses, ctx, walk ? query.count + 1 : undefined);
    // Only broad clauses: a page in sort order is found by walking the sort index and testing rows as they come.
    if (plan.found === undefined && walk) {
      const walked = await walkedPage(type, query, ctx, (row) => plan.plans.every((p) => p.matches(row)));
      if (walked) return walked;
    }
    all = all.concat(await matchPlanned(type, plan, ctx, wantScore));
  }
  if (query.summary === 'count') return { matches: [], included: [], total: all.length };

  const keys = query.sort;
  const ranked = all.map((r) => ({ r, at: positionOf(r, keys) }));
  ranked.sort((a, b) => comparePositions(a.at, b.at, keys));
  const cut = cutPage(ranked, query, (cursor) =>
    lowerBound(ranked, (x) => (cursor.dir === 'a' ? comparePositions(x.at, cursor.at, keys) > 0 : comparePositions(x.at, cursor.at, keys) >= 0)),
  );
  const result: SearchResult = {
    matches: light ? await loadRows(cut.items.map((x) => x.r.row), ctx) : cut.items.map((x) => x.r),
    included: [],
    ...(query.total !== 'none' ? { total: all.length } : {}),
    ...(wantScore ? { maxScore: all.reduce((m, r) => Math.max(m, r.score ?? 0), 0) } : {}),
    ...pageLinks(cut, cut.items[0]?.at, cut.items[cut.items.length - 1]?.at),
  };
  if (query.include.length > 0) result.included = await includes(result.matches.map((m) => m.row), query.include, ctx);
  return result;
}

/** A page cut from a whole result order, and whether the order goes on before and after it. */
interface PageCut<T> {
  items: T[];
  hasPrevious: boolean;
  hasNext: boolean;
}

/**
 * Cuts the page a query asks for from its whole result order: `_count` items from the start, or from just after
 * (`a`) or up to just before (`b`) the keyset cursor in `_page`. `locate` places the cursor in the order: for `a`
 * the index of the first item after its position, for `b` the index of the first item not before it; undefined
 * when this order cannot place it (the caller then takes the general path). A keyset, not an offset, keeps pages
 * consistent while the store changes.
 * @see https://hl7.org/fhir/R5/search.html#paging
 */
function cutPage<T>(ordered: T[], query: Pick<SearchQuery, 'page' | 'count'>, locate: (cursor: Cursor) => number): PageCut<T>;
function cutPage<T>(ordered: T[], query: Pick<SearchQuery, 'page' | 'count'>, locate: (cursor: Cursor) => number | undefined): PageCut<T> | undefined;
function cutPage<T>(ordered: T[], query: Pick<SearchQuery, 'page' | 'count'>, locate: (cursor: Cursor) => number | undefined): PageCut<T> | undefined {
  let start = 0;
  let end = ordered.length;
  if (query.page !== undefined) {
    const cursor = decodeCursor(query.page);
    const at = locate(cursor);
    if (at === undefined) return undefined;
    if (cursor.dir === 'a') start = at;
    else {
      end = at;
      start = Math.max(0, end - query.count);
    }
  }
  end = Math.min(end, start + query.count);
  return { items: ordered.slice(start, end), hasPrevious: start > 0, hasNext: end < ordered.length };
}

/**
 * The `next` and `previous` links of a page as keyset cursors: after its last match and before its first; none
 * where the order ends (or the page came back empty).
 * @see https://hl7.org/fhir/R5/http.html#paging
 */
function pageLinks(cut: PageCut<unknown>, first: Position | undefined, last: Position | undefined): Pick<SearchResult, 'next' | 'previous'> {
  return {
    ...(cut.hasNext && last ? { next: encodeCursor({ dir: 'a', at: last }) } : {}),
    ...(cut.hasPrevious && first ? { previous: encodeCursor({ dir: 'b', at: first }) } : {}),
  };
}

async function liveCount(types: string[], ctx: ExecuteContext): Promise<number> {
  let n = 0;
  for (const type of types) n += await ctx.source.typeCount(type);
  return n;
}

/**
 * A page read by walking the sort index from the cursor (see `walkSortedPage`), its rows tested with `accept` when
 * the search has criteria. Without criteria the total is the live count storage keeps; with criteria it is known
 * only when the first page is the whole answer (counting the rest would read every row, which the walk avoids;
 * `_total=accurate` takes the general path instead).
 * @see https://hl7.org/fhir/R5/search.html#total
 */
async function walkedPage(type: string, query: SearchQuery, ctx: ExecuteContext, accept?: (row: CandidateRow) => boolean): Promise<SearchResult | undefined> {
  const walked = await walkSortedPage(type, query, ctx.source, accept);
  if (walked === undefined) return undefined;
  const page = walked.matches;
  const cut: PageCut<Ranked> = { items: page, hasPrevious: query.page !== undefined, hasNext: walked.hasNext };
  const total = accept === undefined ? await ctx.source.typeCount(type) : !walked.hasNext && query.page === undefined ? page.length : undefined;
  const result: SearchResult = {
    matches: page,
    included: [],
    ...(query.total !== 'none' && total !== undefined ? { total } : {}),
    ...pageLinks(cut, page[0] && positionOf(page[0], query.sort), page.length > 0 ? positionOf(page[page.length - 1]!, query.sort) : undefined),
  };
  if (query.include.length > 0) result.included = await includes(page.map((m) => m.row), query.include, ctx);
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
  const ids = await idsInSortOrder(type, query.sort[0], ctx);
  if (ids === undefined) return undefined;
  const cut = cutPage(ids, query, (cursor) => {
    const at = cursor.at.type === type ? ids.indexOf(cursor.at.id) : -1;
    if (at < 0) return undefined;
    return cursor.dir === 'a' ? at + 1 : at;
  });
  if (cut === undefined) return undefined;
  const byId = new Map((await ctx.source.byIds(type, cut.items)).map((r) => [r.id, r]));
  const page = cut.items.flatMap((id) => {
    const row = byId.get(id);
    return row ? [{ row }] : [];
  });
  const first = page[0];
  const last = page[page.length - 1];
  const result: SearchResult = {
    matches: page,
    included: [],
    ...(query.total !== 'none' ? { total: ids.length } : {}),
    ...pageLinks(cut, first && positionOf(first, query.sort), last && positionOf(last, query.sort)),
  };
  if (query.include.length > 0) result.included = await includes(page.map((m) => m.row), query.include, ctx);
  return result;
}

/**
 * Every live id of `type` in the order of one sort key, read from index keys alone; undefined when the key's
 * index order is not its sort order. A resource's first place is its least key ascending, its greatest
 * descending; those without a value come last.
 */
async function idsInSortOrder(type: string, k: SortKey | undefined, ctx: ExecuteContext): Promise<string[] | undefined> {
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
  const seen = new Set<string>();
  const ids: string[] = [];
  for (const id of ordered) if (!seen.has(id)) seen.add(id), ids.push(id);
  const missing = live.filter((id) => !seen.has(id));
  ids.push(...(descending ? missing.reverse() : missing));
  return ids;
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
      for (const { id, value } of await ctx.source.keys(type, '_lastUpdated', { lower: -Infinity, upper: Infinity })) {
        const row = stand.get(id);
        if (row) row.ts = value as number;
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

/** The compiled clauses of a search on one type and its candidates (undefined: every row is a candidate). */
interface TypePlan {
  plans: ClausePlan[];
  found: Candidates | undefined;
}

/** Compiles and probes the clauses; `walkWant`: a page of that many matches could be walked instead. */
async function planType(type: string, clauses: Clause[], ctx: ExecuteContext, walkWant?: number): Promise<TypePlan> {
  const clauseCtx: ClauseContext = {
    ...ctx,
    rowsMatching: async (t, c) => (await matchType(t, [c], ctx, false)).map((r) => r.row),
  };
  const plans: ClausePlan[] = [];
  for (const c of clauses) plans.push(await compileClause(type, c, clauseCtx));
  if (plans.length === 0 || ctx.scan) return { plans, found: undefined };
  return { plans, found: await candidates(probedPlans(type, clauses, plans, clauseCtx), () => ctx.source.typeCount(type), walkWant) };
}

/** Every match of `type` for the clauses (all of them), scored when asked. */
async function matchType(type: string, clauses: Clause[], ctx: ExecuteContext, wantScore: boolean): Promise<Ranked[]> {
  return matchPlanned(type, await planType(type, clauses, ctx), ctx, wantScore);
}

async function matchPlanned(type: string, { plans, found }: TypePlan, ctx: ExecuteContext, wantScore: boolean): Promise<Ranked[]> {
  const rows = found === undefined ? await ctx.source.all(type) : found.rows ? await found.rows() : await ctx.source.byIds(type, found.ids);
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
    const next: CandidateRow[] = [];
    const take = (row: CandidateRow): void => {
      const k = `${row.type}/${row.id}`;
      if (seen.has(k)) return;
      seen.add(k);
      next.push(row);
    };
    for (const spec of active) {
      if (spec.reverse) for (const row of await reverseTargets(frontier, spec, ctx)) take(row);
      else forwardTargets(frontier, spec, ctx, want);
    }
    for (const [type, ids] of wanted) for (const row of await ctx.source.byIds(type, [...ids])) take(row);
    out.push(...next);
    frontier = next;
  }
  return out;
}

function forwardTargets(rows: CandidateRow[], spec: IncludeSpec, ctx: ExecuteContext, want: (type: string, id: string) => void): void {
  const prefix = key.ref('');
  for (const row of rows) {
    if (spec.sourceType !== '*' && row.type !== spec.sourceType) continue;
    const params = spec.param === '*' ? ctx.registry.referenceParameterCodes(row.type) : [spec.param];
    for (const e of row.index) {
      if (!params.includes(e.param) || typeof e.value !== 'string' || !e.value.startsWith(prefix)) continue;
      const [type = '', id = ''] = e.value.slice(prefix.length).split('/');
      if (spec.targetType === undefined || spec.targetType === type) want(type, id);
    }
  }
}

/** The resources that refer to the rows through the spec's parameter: their rows, read from the reference keys at once. */
async function reverseTargets(rows: CandidateRow[], spec: IncludeSpec, ctx: ExecuteContext): Promise<CandidateRow[]> {
  const types = spec.sourceType === '*' ? await ctx.source.types() : [spec.sourceType];
  const reads: [type: string, param: string, ref: string][] = [];
  for (const type of types) {
    const params = spec.param === '*' ? ctx.registry.referenceParameterCodes(type) : [spec.param];
    for (const param of params) {
      for (const row of rows) {
        if (spec.targetType !== undefined && spec.targetType !== row.type) continue;
        reads.push([type, param, key.ref(`${row.type}/${row.id}`)]);
      }
    }
  }
  // A few reads in flight at once: one round trip for a small page, no flood of transactions for a large one.
  const out: CandidateRow[] = [];
  for (let i = 0; i < reads.length; i += REVERSE_READS_AT_ONCE) {
    const chunk = reads.slice(i, i + REVERSE_READS_AT_ONCE).map(([type, param, ref]) => ctx.source.rowsInKeyOrder(type, param, exactly(ref)));
    for (const r of await Promise.all(chunk)) out.push(...r.rows);
  }
  return out;
}

