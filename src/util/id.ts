/**
 * A synchronous generator of new logical ids. Each id must match the R5 `id` pattern
 * `[A-Za-z0-9\-\.]{1,64}` (https://hl7.org/fhir/R5/datatypes.html#id).
 */
export type IdGenerator = () => string;

/** Random UUIDs (36 characters, valid FHIR ids), from the platform's crypto. */
export const uuidIdGenerator: IdGenerator = () => globalThis.crypto.randomUUID();

/** Sequential ids `prefix1`, `prefix2`, … for tests. */
export function sequentialIds(prefix = 'id'): IdGenerator {
  let n = 0;
  return () => `${prefix}${++n}`;
}

/** The R5 `id` datatype pattern. */
export const FHIR_ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * True when `id` is a valid FHIR logical id that also survives a URL: the R5 pattern allows `.` and `..`, but
 * every HTTP client resolves those path segments away (RFC 3986 §5.2.4), so `ImagingSelection/..` could never be
 * read, updated or replicated by its URL.
 */
export const isValidId = (id: string): boolean => FHIR_ID_PATTERN.test(id) && id !== '.' && id !== '..';
