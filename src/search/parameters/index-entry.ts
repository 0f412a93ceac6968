/**
 * One search index entry of a resource: the parameter code and a precomputed key. Keys are strings tagged
 * by kind (see `key`); dates are `[low, high]` epoch-millisecond ranges (`value` = low, `high` = high).
 * Storage writes one index row per entry and keeps the list on the resource row so the next version can
 * remove exactly these, and the in-memory matcher reads the same list: the indexed path and the scan path
 * test the same keys.
 */
export interface IndexEntry {
  param: string;
  value: string | number;
  high?: number;
}

// A separator that cannot occur in a FHIR system, code or reference, so composite keys never collide.
export const SEP = '\u001f';
/** The highest code unit: `prefix + END` bounds a starts-with key range. */
export const END = '\uffff';

/**
 * Key builders shared by the index writer and the query side. Each kind has its own tag so one parameter's
 * keys never overlap.
 * @see https://hl7.org/fhir/R5/search.html#token
 * @see https://hl7.org/fhir/R5/search.html#reference
 */
export const key = {
  /** token `code` (any system). */
  code: (code: string): string => `c${SEP}${code}`,
  /** token `system|code`. */
  systemCode: (system: string, code: string): string => `sc${SEP}${system}${SEP}${code}`,
  /** token `|code` (no system). */
  noSystem: (code: string): string => `n${SEP}${code}`,
  /**
   * A primitive `code` element whose binding, and so whose implicit system, this store does not know (a
   * registered parameter on a `code` element): `:in`, `:not-in`, `:above` and `:below` match it by code, as the
   * system is "defined in the value set". A Coding or Identifier without a system never gets this key, and a
   * `code` element with a known binding gets `systemCode(implied, code)` instead (see `impliedSystem`).
   * @see https://hl7.org/fhir/R5/search.html#token
   */
  implicitSystem: (code: string): string => `ic${SEP}${code}`,
  /** token `system|` (any code in the system) is the key range starting with this prefix. */
  systemPrefix: (system: string): string => `sc${SEP}${system}${SEP}`,
  /** token on a `string` element: case-insensitive. */
  caseless: (code: string): string => `ci${SEP}${code.toLowerCase()}`,
  /** token `:text`: normalised display text for starts-with. */
  text: (normalised: string): string => `t${SEP}${normalised}`,
  /** token `:of-type`: identifier type coding and value. */
  ofType: (system: string, code: string, value: string): string => `o${SEP}${system}${SEP}${code}${SEP}${value}`,
  /** reference to a local resource `Type/id`. */
  ref: (typeAndId: string): string => `r${SEP}${typeAndId}`,
  /** versioned reference `Type/id/_history/v`. */
  refVersion: (typeAndId: string, version: string): string => `rv${SEP}${typeAndId}${SEP}${version}`,
  /** reference by bare id (any type). */
  refId: (id: string): string => `ri${SEP}${id}`,
  /** reference `:identifier`, with the token forms inside. */
  refIdentifier: (tokenKey: string): string => `ident${SEP}${tokenKey}`,
  /** uri, canonical and absolute references not on this store. */
  uri: (uri: string): string => `u${SEP}${uri}`,
  /** string: normalised for starts-with (case- and accent-insensitive). */
  string: (normalised: string): string => `st${SEP}${normalised}`,
  /** string `:exact`. */
  exact: (value: string): string => `x${SEP}${value}`,
  /**
   * A value that gives no other key (an identifier with only a type, a `#contained` reference): written so
   * `:missing` still sees the element as present. Values with keys need no marker: any key means present.
   */
  present: `p${SEP}`,
};

/**
 * Token keys of one coded value: `code` (any system) and `system|code` or `|code`. The form `system|` needs no
 * key of its own: it is the range of `system|code` keys with that prefix. A coding with a system but no code
 * is kept under the system alone so `system|` still finds it.
 */
export function tokenKeys(system: string | undefined, code: string | undefined): string[] {
  if (code === undefined || code === '') return system ? [key.systemPrefix(system)] : [];
  return [key.code(code), system ? key.systemCode(system, code) : key.noSystem(code)];
}

/**
 * Normalises text for case- and accent-insensitive matching: Unicode NFD with combining marks removed,
 * lower case, punctuation dropped, white space collapsed (https://hl7.org/fhir/R5/search.html#string).
 */
export function normaliseText(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
