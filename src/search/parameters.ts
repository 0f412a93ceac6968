import type { Resource } from 'fhir/r5';
import { tokenKeys, type IndexEntry } from './index-entry.js';

/** The search parameter types this engine evaluates (https://hl7.org/fhir/R5/search.html#ptypes). */
export type SearchParamType = 'token' | 'date';

/**
 * A search parameter the store knows. `extract` produces the index entries of a resource for it; parameters
 * answered from the resource row itself (`_id`, `_lastUpdated`) have none.
 */
export interface SearchParameterDef {
  code: string;
  type: SearchParamType;
  /** Resource types it applies to; `'*'` for every type. */
  base: readonly string[] | '*';
  /** Canonical URL of the R5 SearchParameter it implements. */
  url: string;
  description: string;
  extract?: (resource: Resource) => IndexEntry[];
}

/** Token keys of every `Identifier` in `resource.identifier` (clinical-identifier). */
function extractIdentifiers(resource: Resource): IndexEntry[] {
  const raw = (resource as { identifier?: unknown }).identifier;
  const list = Array.isArray(raw) ? raw : raw !== undefined ? [raw] : [];
  const entries: IndexEntry[] = [];
  for (const ident of list) {
    if (typeof ident !== 'object' || ident === null) continue;
    const { system, value } = ident as { system?: string; value?: string };
    for (const key of tokenKeys(system, value)) entries.push({ param: 'identifier', value: key });
  }
  return entries;
}

/**
 * The parameters of the search skeleton: `_id`, `_lastUpdated` and `identifier`. The full set of R5
 * ImagingSelection parameters is defined from SearchParameter resources by the search engine proper.
 * @see https://hl7.org/fhir/R5/searchparameter-registry.html
 */
export const BUILT_IN_PARAMETERS: readonly SearchParameterDef[] = [
  {
    code: '_id',
    type: 'token',
    base: '*',
    url: 'http://hl7.org/fhir/SearchParameter/Resource-id',
    description: 'Logical id of this artifact',
  },
  {
    code: '_lastUpdated',
    type: 'date',
    base: '*',
    url: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated',
    description: 'When the resource version last changed',
  },
  {
    code: 'identifier',
    type: 'token',
    base: '*',
    url: 'http://hl7.org/fhir/SearchParameter/clinical-identifier',
    description: 'Business identifier',
    extract: extractIdentifiers,
  },
];

/** Finds the definition of `code` for resources of `type`. */
export function findParameter(type: string, code: string): SearchParameterDef | undefined {
  return BUILT_IN_PARAMETERS.find((p) => p.code === code && (p.base === '*' || p.base.includes(type)));
}

/** Every index entry of `resource` for the parameters that apply to its type. */
export function indexEntriesFor(resource: Resource): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const p of BUILT_IN_PARAMETERS) {
    if (p.extract && (p.base === '*' || p.base.includes(resource.resourceType))) entries.push(...p.extract(resource));
  }
  return dedupe(entries);
}

function dedupe(entries: IndexEntry[]): IndexEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const k = `${e.param}\u0000${typeof e.value}\u0000${String(e.value)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
