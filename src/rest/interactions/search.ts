import type { BundleEntry, BundleLink, Resource } from 'fhir/r5';
import { badRequest, operationOutcome } from '../../errors/fhir-error.js';
import { link, fullUrl, resultBundle } from '../../model/bundle.js';
import { isResourceType } from '../../model/resource-types.js';
import { formatSearch, type Handling, type ParsedSearch } from '../../search/query/parse.js';
import { selectElements, summarize } from '../../search/result/index.js';
import { normaliseScore } from '../../search/text/index.js';
import type { EngineContext } from '../context.js';
import type { Outcome } from '../outcome.js';
import { runSearch } from '../search-runner.js';
import { newId } from './writes.js';

/**
 * search-type (`GET [type]?…`, `POST [type]/_search`) and search-system (`GET [base]?_type=…`): a `searchset`
 * Bundle whose `self` link lists the parameters applied, with `next`/`previous` links carrying keyset cursors
 * that this store accepts back as they are. Under `Prefer: handling=lenient` unknown parameters are ignored
 * and named in an `outcome` entry.
 * @see https://hl7.org/fhir/R5/http.html#search
 */
export async function search(ctx: EngineContext, type: string | undefined, params: [string, string][], handling: Handling = 'strict'): Promise<Outcome> {
  const types = type !== undefined ? [type] : await systemTypes(ctx, params);
  const path = type ?? '';
  // `_type` selects the types of a system search; in a type search it is an unknown parameter like any other.
  const criteria = type === undefined ? params.filter(([k]) => k !== '_type') : params;
  const { query, result } = types.length > 0 ? await runSearch(ctx, types, criteria, handling) : { query: undefined, result: undefined };
  const typeParam = type === undefined ? params.find(([k]) => k === '_type') : undefined;
  const used: [string, string][] = [...(typeParam ? [typeParam] : []), ...(query?.used ?? [])];
  const url = (page?: string): string => {
    const qs = formatSearch(used, page);
    return qs === '' ? path : `${path}?${qs}`;
  };

  const links: BundleLink[] = [link('self', url(query?.page))];
  if (result?.next !== undefined) links.push(link('next', url(result.next)));
  if (result?.previous !== undefined) links.push(link('previous', url(result.previous)));

  const entries: BundleEntry[] = [];
  if (query && result) {
    for (const m of result.matches) {
      const search: BundleEntry['search'] = { mode: 'match' };
      if (m.score !== undefined) search.score = normaliseScore(m.score, result.maxScore ?? 0);
      entries.push({ fullUrl: fullUrl(ctx.baseUrl, m.row.type, m.row.id), resource: shape(m.row.resource, query), search });
    }
    for (const r of result.included) {
      entries.push({ fullUrl: fullUrl(ctx.baseUrl, r.type, r.id), resource: shape(r.resource, query), search: { mode: 'include' } });
    }
    if (query.ignored.length > 0) {
      entries.push({
        resource: operationOutcome([{ severity: 'warning', code: 'not-supported', diagnostics: `Ignored unknown parameters: ${query.ignored.join(', ')}` }]),
        search: { mode: 'outcome' },
      });
    }
  }
  const bundle = resultBundle('searchset', {
    id: newId(ctx),
    lastUpdated: ctx.clock().toISOString(),
    ...(result ? (result.total !== undefined ? { total: result.total } : {}) : { total: 0 }),
    links,
    entries,
  });
  return { status: 200, resource: bundle };
}

/** `_summary` and `_elements` applied to one entry's resource (https://hl7.org/fhir/R5/search.html#summary). */
function shape(resource: Resource, query: ParsedSearch): Resource {
  if (query.elements) {
    const t = resource.resourceType;
    const names = query.elements.flatMap((n) => (!n.includes('.') ? [n] : n.startsWith(`${t}.`) ? [n.slice(t.length + 1)] : []));
    if (names.length > 0) return selectElements(resource, names);
  }
  if (query.summary && query.summary !== 'false' && query.summary !== 'count') return summarize(resource, query.summary);
  return resource;
}

/** The types a system search covers: `_type`, or every type the store holds (https://hl7.org/fhir/R5/search.html#searchcontexts). */
async function systemTypes(ctx: EngineContext, params: [string, string][]): Promise<string[]> {
  const given = params.filter(([k]) => k === '_type').flatMap(([, v]) => v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  for (const t of given) if (!isResourceType(t)) throw badRequest(`_type: '${t}' is not a resource type`, ['_type']);
  return given.length > 0 ? [...new Set(given)] : ctx.source.types();
}
