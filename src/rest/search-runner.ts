import { badRequest } from '../errors/fhir-error.js';
import { executeSearch, type SearchResult } from '../search/execute.js';
import { parseSearch, type Handling } from '../search/parse.js';
import type { SearchQuery } from '../search/query.js';
import { StalePlanError } from '../storage/write.js';
import type { EngineContext } from './context.js';

/** Parses and runs a type search against the store. */
export async function runSearch(
  ctx: EngineContext,
  type: string,
  params: Iterable<[string, string]>,
  handling: Handling = 'strict',
): Promise<{ query: SearchQuery; result: SearchResult }> {
  const query = parseSearch(type, params, handling);
  const result = await executeSearch(ctx.source, query, { timeZone: ctx.timeZone, now: ctx.clock().getTime() });
  return { query, result };
}

/** Parameters that shape a result but select nothing. */
const NOT_CRITERIA = new Set(['_count', '_summary', '_total', '_format', '_pretty', '_page', '_sort', '_elements']);

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
  if (!params.some(([k, v]) => v !== '' && !NOT_CRITERIA.has(k))) {
    throw badRequest(`A conditional interaction on ${type} needs search criteria`);
  }
  const find = async (): Promise<string[]> => {
    const { result } = await runSearch(ctx, type, [...params.filter(([k]) => k !== '_count'), ['_count', '2']]);
    return result.matches.map((m) => m.id);
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
