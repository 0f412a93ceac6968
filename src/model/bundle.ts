import type { Bundle, BundleEntry, BundleLink } from 'fhir/r5';

/** The absolute, version-independent URL of a resource on this store (bdl-8: no `_history`). */
export const fullUrl = (baseUrl: string, type: string, id: string): string => `${baseUrl}/${type}/${id}`;

/**
 * Builds a `searchset` or `history` Bundle (https://hl7.org/fhir/R5/bundle.html,
 * https://hl7.org/fhir/R5/search.html#return, https://hl7.org/fhir/R5/http.html#history).
 * `total` is left out when not computed (bdl-1 allows it only for these two types).
 */
export function resultBundle(
  type: 'searchset' | 'history',
  args: { id: string; lastUpdated: string; total?: number; links: BundleLink[]; entries: BundleEntry[] },
): Bundle {
  const bundle: Bundle = { resourceType: 'Bundle', id: args.id, meta: { lastUpdated: args.lastUpdated }, type, link: args.links };
  if (args.total !== undefined) bundle.total = args.total;
  if (args.entries.length > 0) bundle.entry = args.entries;
  return bundle;
}

/** A Bundle link. */
export const link = (relation: BundleLink['relation'], url: string): BundleLink => ({ relation, url });
