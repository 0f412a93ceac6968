import { compileClause, type ClauseContext, type ClausePlan } from './clauses.js';
import type { Clause } from '../query/search-query.js';
import type { CandidateRow, SearchSource } from './source.js';

/** What matching rows in memory needs: the context of a search without its source. */
export type InMemoryMatchContext = Omit<ClauseContext, 'source' | 'rowsMatching'>;

/** Kinds of clause that a resource answers on its own (no other resource, no full-text statistics). */
const SELF_CONTAINED = new Set<Clause['kind']>(['param']);

/**
 * Whether every clause can be decided from the resource alone: plain parameters (any type, modifier and prefix)
 * can; chains and `_has` need the resources they point at or that point at them, and `_text`/`_content` are
 * scored against a whole collection.
 * @see https://hl7.org/fhir/R5/search.html#chaining
 */
export const isSelfContained = (clauses: readonly Clause[]): boolean => clauses.every((c) => SELF_CONTAINED.has(c.kind));

/**
 * The ids of the rows (resources not yet stored, with their index entries) that match every clause, with the very
 * predicate a search applies to its candidates (`ClausePlan.matches`), so an in-memory check and a search of the
 * store cannot disagree. Only self-contained clauses (see {@link isSelfContained}): anything else throws.
 * @see https://hl7.org/fhir/R5/search.html
 */
export async function matchingRowIds(type: string, clauses: readonly Clause[], rows: readonly CandidateRow[], ctx: InMemoryMatchContext): Promise<Set<string>> {
  if (!isSelfContained(clauses)) throw new TypeError('matchingRowIds: chains, _has and full text need the store, not one resource');
  const source = noIndexSource();
  const clauseCtx: ClauseContext = {
    ...ctx,
    source,
    rowsMatching: () => Promise.reject(new TypeError('matchingRowIds: no other resource is at hand')),
  };
  const plans: ClausePlan[] = [];
  for (const c of clauses) plans.push(await compileClause(type, c, clauseCtx));
  return new Set(rows.filter((row) => row.type === type && plans.every((p) => p.matches(row))).map((row) => row.id));
}

/**
 * The source a clause is compiled against when only its `matches` predicate runs: compiling reads the widest date
 * span (unknown here: Infinity, which only widens index ranges that are never read); every index access rejects.
 */
function noIndexSource(): SearchSource {
  const noIndex = (): Promise<never> => Promise.reject(new TypeError('matchingRowIds: an in-memory match reads no index'));
  return {
    together: (reads) => reads(),
    byIds: noIndex,
    all: noIndex,
    allIds: noIndex,
    typeCount: noIndex,
    idsUpTo: noIndex,
    ids: noIndex,
    idsInKeyOrder: noIndex,
    keys: noIndex,
    rowsInKeyOrder: noIndex,
    dateSpan: () => Promise.resolve(Infinity),
    textsWithTerms: noIndex,
    textStats: noIndex,
    types: noIndex,
  };
}
