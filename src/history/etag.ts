import { badRequest } from '../errors/fhir-error.js';

/**
 * The weak ETag of a version: `W/"3"`. FHIR deliberately uses weak validators for `meta.versionId`.
 * @see https://hl7.org/fhir/R5/http.html#versioning
 */
export const formatEtag = (versionId: number | string): string => `W/"${versionId}"`;

/**
 * Reads the version out of an `If-Match` / `If-None-Match` value: `W/"3"`, `"3"`, or a bare `3`.
 * Returns the version as written; a value that is not an entity tag at all is a 400.
 * @see https://hl7.org/fhir/R5/http.html#concurrency
 */
export function parseEtag(header: string, name = 'If-Match'): string {
  const m = /^\s*(?:W\/)?"([^"]*)"\s*$/.exec(header) ?? /^\s*([A-Za-z0-9\-.]+)\s*$/.exec(header);
  if (!m || m[1] === undefined || m[1] === '') throw badRequest(`${name} '${header}' is not an entity tag such as W/"3"`, [name]);
  return m[1];
}

/**
 * The local version number an ETag names, or NaN when it names none this store could have made (such an
 * `If-Match` can never match, so it answers 412).
 */
export function etagVersion(header: string, name = 'If-Match'): number {
  const v = parseEtag(header, name);
  return /^[1-9]\d*$/.test(v) ? Number(v) : Number.NaN;
}
