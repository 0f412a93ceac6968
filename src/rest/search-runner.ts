import { badRequest } from '../errors/fhir-error.js';
import { executeSearch, type SearchResult } from '../search/engine/execute-search.js';
import { parseSearch, type Handling, type ParsedSearch } from '../search/query/parse.js';
import { isKnownElement } from '../search/result/index.js';
import { StalePlanError } from '../storage/write.js';
import type { EngineContext } from './context.js';

/** Parses and runs a search over `types` against the store. */
export async function runSearch(
  ctx: EngineContext,
  types: string[],
  params: Iterable<[string, string]>,
  handling: Handling = 'strict',
): Promise<{ query: ParsedSearch; result: SearchResult }> {
  await ctx.whenIndexed();
  const query = parseSearch(types, params, { registry: ctx.registry, handling, isKnownElement });
  const result = await executeSearch(query, {
    source: ctx.source,
    registry: ctx.registry,
    terminology: ctx.terminology,
    timeZone: ctx.timeZone,
    now: ctx.clock().getTime(),
    baseUrl: ctx.baseUrl,
  });
  return { query, result };
}

/**
 * The context for searches that run inside a write transaction: it does not wait for back-fills (the caller
 * waited before the transaction opened), because an await on anything but IndexedDB would commit it.
 */
export async function transactionContext(ctx: EngineContext): Promise<EngineContext> {
  await ctx.whenIndexed();
  return { ...ctx, whenIndexed: () => ALREADY };
}
const ALREADY = Promise.resolve();

/** Parameters that shape a result but select nothing. */
const NOT_CRITERIA = new Set(['_count', '_summary', '_total', '_format', '_pretty', '_page', '_sort', '_elements', '_include', '_revinclude']);

/**
 * The ids matching a conditional interaction's criteria (at most two are needed to tell 0, 1 and many), and a
 * check that re-runs the search inside the write transaction so a concurrent write cannot slip in between.
 * @see https://hl7.org/fhir/R5/http.html#cond-update
 */
export async function conditionalMatches(
  ctx: EngineContext,
  type: string,
  params: [string, string][],
): Promise<{ ids: string[]; verify: () => Promise<void> }> {
  if (!params.some(([k, v]) => v !== '' && !NOT_CRITERIA.has(k.split(':')[0]!))) {
    throw badRequest(`A conditional interaction on ${type} needs search criteria`);
  }
  const criteria = params.filter(([k]) => !NOT_CRITERIA.has(k.split(':')[0]!));
  const inTx = await transactionContext(ctx);
  const find = async (): Promise<string[]> => {
    const { result } = await runSearch(inTx, [type], [...criteria, ['_count', '2'], ['_total', 'none']]);
    return result.matches.map((m) => m.row.id);
  };
  const ids = await find();
  const verify = async (): Promise<void> => {
    const again = await find();
    if (again.join('\u0000') !== ids.join('\u0000')) {
      throw new StalePlanError(`The matches of ${type}?${params.map((p) => p.join('=')).join('&')} changed`);
    }
  };
  return { ids, verify };
}
