/**
 * One search index entry of a resource: the parameter code and a precomputed key. Token keys are strings
 * (see `tokenKeys`); dates are `[low, high]` epoch-millisecond ranges (`value` = low, `high` = high).
 * Storage writes one index row per entry and keeps the list on the resource row so the next version can
 * remove exactly these.
 */
export interface IndexEntry {
  param: string;
  value: string | number;
  high?: number;
}

// A separator that cannot occur in a FHIR system or code, so `system|code` keys never collide.
const SEP = '\u001f';

/**
 * The keys under which one coded value is indexed, one per R5 token search form
 * (https://hl7.org/fhir/R5/search.html#token): `code` (any system), `system|code`, `|code` (no system),
 * `system|` (any code in the system).
 */
export function tokenKeys(system: string | undefined, code: string | undefined): string[] {
  const keys: string[] = [];
  if (code !== undefined && code !== '') {
    keys.push(tokenKey.code(code));
    keys.push(system ? tokenKey.systemCode(system, code) : tokenKey.noSystem(code));
  }
  if (system) keys.push(tokenKey.system(system));
  return keys;
}

/** Builders of single token keys, shared by the index writer and the query side. */
export const tokenKey = {
  code: (code: string): string => `c${SEP}${code}`,
  systemCode: (system: string, code: string): string => `sc${SEP}${system}${SEP}${code}`,
  noSystem: (code: string): string => `n${SEP}${code}`,
  system: (system: string): string => `s${SEP}${system}`,
};
