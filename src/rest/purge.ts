import { badRequest } from '../errors/fhir-error.js';
import { isResourceType } from '../model/resource-types.js';
import type { ResourceKey, SkippedEviction } from '../storage/evict.js';
import type { EvictionReason } from '../storage/rows.js';
import type { EngineContext } from './context.js';
import { requireId } from './guards.js';
import { parseQuery } from './http.js';
import { runSearch } from './search-runner.js';

/**
 * One selection of a purge: the resources of `type` matching a FHIR search (`search`: a query string such as
 * `issued=lt2025-01-01`, `''` for every resource of the type), or one resource by `type` and `id`.
 * @see https://hl7.org/fhir/R5/search.html
 */
export type PurgeCriterion =
  | {
      /** The resource type searched. */
      type: string;
      /** The search's query string: `issued=lt2025-01-01`, `''` for every resource of the type. */
      search: string;
    }
  | {
      /** The resource type. */
      type: string;
      /** The resource id. */
      id: string;
    };

/**
 * What `store.purge` evicts: a FHIR search per type (`{ ImagingSelection: 'issued=lt2025-01-01' }`) or a list of
 * {@link PurgeCriterion} (searches and explicit resources together).
 * @see https://hl7.org/fhir/R5/search.html
 */
export type PurgeCriteria = Readonly<Record<string, string>> | readonly PurgeCriterion[];

/**
 * What a purge did: how many resources it evicted, and those it left, with why (`pending`, `conflict`,
 * `dead-letter`: a change not yet on the server; `not-synced`: no server confirmed it, this copy may be the
 * only one; `not-found`: this device does not hold it).
 * @see https://hl7.org/fhir/R5/http.html#read
 */
export interface PurgeSummary {
  /** Resources evicted from this device. */
  purged: number;
  /** Resources the criteria selected that were kept, with why. */
  skipped: SkippedEviction[];
}

/** Resources per eviction transaction: each commits on its own, so a large purge never holds one huge transaction. */
const EVICT_CHUNK = 500;
/** Matches read per search page while collecting what to evict. */
const PAGE = 1000;
/** Parameters that shape a result: a purge has none, so they would only mislead (`_count` does not limit it). */
const RESULT_PARAMETERS = new Set(['_count', '_sort', '_summary', '_elements', '_include', '_revinclude', '_total', '_page', '_format', '_pretty', '_contained', '_containedType']);

/** The criteria as a list, checked: a 400 names the first bad one, before anything is read or written. */
export function purgeCriteria(criteria: unknown): { searches: { type: string; params: [string, string][] }[]; refs: ResourceKey[] } {
  const list = Array.isArray(criteria)
    ? (criteria as unknown[])
    : criteria !== null && typeof criteria === 'object'
      ? Object.entries(criteria as Record<string, unknown>).map(([type, search]) => ({ type, search }))
      : undefined;
  if (list === undefined) throw badRequest('purge criteria must be an object of searches by type ({ ImagingSelection: "issued=lt2025-01-01" }) or a list of { type, search } and { type, id }');
  const searches: { type: string; params: [string, string][] }[] = [];
  const refs: ResourceKey[] = [];
  list.forEach((c, i) => {
    const where = `purge criterion ${i + 1}`;
    if (c === null || typeof c !== 'object') throw badRequest(`${where} must be { type, search } or { type, id }`);
    const { type, search, id } = c as { type?: unknown; search?: unknown; id?: unknown };
    if (typeof type !== 'string' || !isResourceType(type)) throw badRequest(`${where}: '${String(type)}' is not a FHIR R5 resource type`);
    if (typeof id === 'string' && search === undefined) {
      requireId(id, where);
      refs.push({ type, id });
      return;
    }
    if (typeof search !== 'string' || id !== undefined) throw badRequest(`${where} must have a search (a string) or an id, not both`);
    const params = parseQuery(search.replace(/^\?/, ''));
    const shaping = params.find(([k]) => RESULT_PARAMETERS.has(k.split(':')[0]!));
    if (shaping) throw badRequest(`${where}: ${shaping[0]} shapes a search result; purge criteria only select (a purge evicts every match)`);
    searches.push({ type, params });
  });
  return { searches, refs };
}

/** Every match of one search, page by page (ids only are kept). */
async function allMatches(ctx: EngineContext, type: string, params: [string, string][]): Promise<ResourceKey[]> {
  const found: ResourceKey[] = [];
  let page: string | undefined;
  do {
    const { result } = await runSearch(ctx, [type], [...params, ['_count', String(PAGE)], ['_total', 'none'], ...(page !== undefined ? [['_page', page] as [string, string]] : [])], 'strict');
    for (const m of result.matches) found.push({ type: m.row.type, id: m.row.id });
    page = result.next;
  } while (page !== undefined);
  return found;
}

/**
 * Evicts from this device the resources the criteria select, pushing nothing (`store.purge`, retention): every
 * search runs first (strict: an unknown parameter or a bad value is a 400 and nothing changed), then the matches
 * and the listed resources are evicted `EVICT_CHUNK` per transaction by `evictLocally`, which keeps anything the
 * server has not confirmed (pending, conflict, dead letter, local-only) and reports it in `skipped`.
 * @see https://hl7.org/fhir/R5/search.html
 */
export async function purge(ctx: EngineContext, criteria: unknown, reason: EvictionReason = 'purge'): Promise<PurgeSummary> {
  const { searches, refs } = purgeCriteria(criteria);
  const selected = new Map<string, ResourceKey>();
  for (const s of searches) for (const k of await allMatches(ctx, s.type, s.params)) selected.set(`${k.type}/${k.id}`, k);
  for (const k of refs) selected.set(`${k.type}/${k.id}`, k);
  const keys = [...selected.values()];
  const summary: PurgeSummary = { purged: 0, skipped: [] };
  if (keys.length === 0) return summary;
  // The eviction code loads with the sync code's mutations, on first use (docs/bundle-size.md).
  const { evictLocally } = await import('../storage/replica-mutations.js');
  for (let i = 0; i < keys.length; i += EVICT_CHUNK) {
    const eviction = evictLocally(keys.slice(i, i + EVICT_CHUNK), reason);
    await ctx.storage.commit(() => ({ mutations: [eviction] }));
    summary.purged += eviction.outcome.evicted.length;
    summary.skipped.push(...eviction.outcome.skipped);
  }
  return summary;
}
