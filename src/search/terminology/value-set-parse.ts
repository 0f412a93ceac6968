/**
 * Reads an untyped ValueSet into its compose rules and/or its expansion. Structural errors (including the
 * vsd-1/2/3 invariants) are 400s at registration; features this registry cannot evaluate (a filter
 * operator it does not implement) are reported when the value set is expanded, since the definition
 * itself is valid.
 * @see https://hl7.org/fhir/R5/valueset.html#compositions
 * @module
 */
import { badRequest } from '../../errors/fhir-error.js';
import type { Concept } from './concept.js';
import { optionalArray, optionalString, requireObject, requireString, type JsonObject } from './json.js';

/**
 * One `compose.include[].filter`.
 * @see https://hl7.org/fhir/R5/valueset-definitions.html#ValueSet.compose.include.filter
 */
export interface FilterSpec {
  property: string;
  op: string;
  value: string;
  path: string;
}

/**
 * One `compose.include` or `compose.exclude`.
 * @see https://hl7.org/fhir/R5/valueset-definitions.html#ValueSet.compose.include
 */
export interface ConceptSetSpec {
  system: string | undefined;
  version: string | undefined;
  /** Listed codes (`concept[].code`), undefined when the set does not enumerate. */
  concepts: string[] | undefined;
  filters: FilterSpec[];
  /** Canonicals of the value sets to intersect. */
  valueSets: string[];
  path: string;
}

/** The checked content of a ValueSet. */
export interface ParsedValueSet {
  url: string;
  version: string | undefined;
  compose: { include: ConceptSetSpec[]; exclude: ConceptSetSpec[] } | undefined;
  /**
   * The concepts of `expansion.contains` (nested ones flattened); `complete` is false for a paged or
   * truncated expansion (`offset` > 0, or `total` above the codes present), which cannot answer `:in`.
   */
  expansion: { contains: Concept[]; complete: boolean } | undefined;
}

function parseConceptSet(raw: unknown, path: string): ConceptSetSpec {
  const s = requireObject(raw, path);
  const system = optionalString(s, 'system', path);
  const concept = optionalArray(s, 'concept', path);
  const filter = optionalArray(s, 'filter', path);
  const valueSets = optionalArray(s, 'valueSet', path).map((v, i) => {
    if (typeof v !== 'string' || v.length === 0) throw badRequest(`${path}.valueSet[${i}] must be a canonical`, [`${path}.valueSet[${i}]`]);
    return v;
  });
  if (system === undefined && valueSets.length === 0)
    throw badRequest(`${path} must have a system or a valueSet (vsd-1)`, [path]);
  if (system === undefined && (concept.length > 0 || filter.length > 0))
    throw badRequest(`${path} lists concepts or filters without a system (vsd-2)`, [path]);
  if (concept.length > 0 && filter.length > 0) throw badRequest(`${path} cannot have both concept and filter (vsd-3)`, [path]);
  return {
    system,
    version: optionalString(s, 'version', path),
    concepts: concept.length > 0 ? concept.map((c, i) => requireString(requireObject(c, `${path}.concept[${i}]`), 'code', `${path}.concept[${i}]`)) : undefined,
    filters: filter.map((f, i) => {
      const at = `${path}.filter[${i}]`;
      const o = requireObject(f, at);
      return { property: requireString(o, 'property', at), op: requireString(o, 'op', at), value: requireString(o, 'value', at), path: at };
    }),
    valueSets,
    path,
  };
}

function parseContains(list: unknown[], path: string, out: Concept[]): void {
  list.forEach((raw, i) => {
    const at = `${path}[${i}]`;
    const c = requireObject(raw, at);
    const code = optionalString(c, 'code', at);
    // Entries without a code only group others (vsd-9 allows them when abstract).
    if (code !== undefined) {
      const system = optionalString(c, 'system', at);
      if (system === undefined) throw badRequest(`${at} has a code but no system (vsd-10)`, [`${at}.system`]);
      out.push({ system, code });
    }
    parseContains(optionalArray(c, 'contains', at), `${at}.contains`, out);
  });
}

function parseExpansion(raw: unknown): ParsedValueSet['expansion'] {
  const e = requireObject(raw, 'ValueSet.expansion');
  const contains: Concept[] = [];
  parseContains(optionalArray(e, 'contains', 'ValueSet.expansion'), 'ValueSet.expansion.contains', contains);
  const integer = (key: string): number | undefined => {
    const v = e[key];
    if (v === undefined) return undefined;
    if (!Number.isInteger(v) || (v as number) < 0) throw badRequest(`ValueSet.expansion.${key} must be a non-negative integer`, [`ValueSet.expansion.${key}`]);
    return v as number;
  };
  const total = integer('total');
  const offset = integer('offset');
  return { contains, complete: (offset ?? 0) === 0 && (total === undefined || total <= contains.length) };
}

/**
 * Checks the shape of a ValueSet.
 * @throws FhirError 400 when it is malformed: no `url`, a `url` carrying `|version`, a `compose` without
 * `include`, an include/exclude breaking vsd-1 (system or valueSet), vsd-2 (concepts/filters need a system)
 * or vsd-3 (not both concepts and filters), a filter without property/op/value, an expansion entry with a
 * code and no system (vsd-10).
 * @see https://hl7.org/fhir/R5/valueset.html#compositions
 */
export function parseValueSet(r: JsonObject): ParsedValueSet {
  const url = requireString(r, 'url', 'ValueSet');
  if (url.includes('|')) throw badRequest('ValueSet.url must not carry a |version (use ValueSet.version)', ['ValueSet.url']);
  let compose: ParsedValueSet['compose'];
  if (r['compose'] !== undefined) {
    const c = requireObject(r['compose'], 'ValueSet.compose');
    const include = optionalArray(c, 'include', 'ValueSet.compose');
    if (include.length === 0) throw badRequest('ValueSet.compose.include is required', ['ValueSet.compose.include']);
    compose = {
      include: include.map((s, i) => parseConceptSet(s, `ValueSet.compose.include[${i}]`)),
      exclude: optionalArray(c, 'exclude', 'ValueSet.compose').map((s, i) => parseConceptSet(s, `ValueSet.compose.exclude[${i}]`)),
    };
  }
  return {
    url,
    version: optionalString(r, 'version', 'ValueSet'),
    compose,
    expansion: r['expansion'] !== undefined ? parseExpansion(r['expansion']) : undefined,
  };
}
