import type { BundleEntry, BundleLink } from 'fhir/r5';
import { operationOutcome } from '../../errors/fhir-error.js';
import { link, matchEntry, resultBundle } from '../../model/bundle.js';
import { formatSearch, type Handling } from '../../search/parse.js';
import type { EngineContext } from '../context.js';
import type { Outcome } from '../outcome.js';
import { runSearch } from '../search-runner.js';

/**
 * search-type: `GET [type]?…` and `POST [type]/_search`. Answers a `searchset` Bundle whose `self` link lists
 * the parameters applied and whose `next` link carries a keyset cursor that this store accepts back.
 * Under `Prefer: handling=lenient` unknown parameters are ignored and named in an `outcome` entry.
 * @see https://hl7.org/fhir/R5/http.html#search
 */
export async function search(ctx: EngineContext, type: string, params: [string, string][], handling: Handling = 'strict'): Promise<Outcome> {
  const { query, result } = await runSearch(ctx, type, params, handling);
  const links: BundleLink[] = [link('self', `${type}?${formatSearch(query, query.page)}`)];
  if (result.next !== undefined) links.push(link('next', `${type}?${formatSearch(query, result.next)}`));
  const entries: BundleEntry[] = result.matches.map((m) => matchEntry(ctx.baseUrl, m.resource));
  if (query.ignored.length > 0) {
    entries.push({
      resource: operationOutcome([
        { severity: 'warning', code: 'not-supported', diagnostics: `Ignored unknown parameters: ${query.ignored.join(', ')}` },
      ]),
      search: { mode: 'outcome' },
    });
  }
  const bundle = resultBundle('searchset', {
    id: ctx.newId(),
    lastUpdated: ctx.clock().toISOString(),
    ...(result.total !== undefined ? { total: result.total } : {}),
    links,
    entries,
  });
  return { status: 200, resource: bundle };
}
