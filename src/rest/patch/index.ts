/**
 * PATCH bodies: JSON Patch (RFC 6902) and FHIRPath Patch, as pure functions over a resource.
 * @see https://hl7.org/fhir/R5/http.html#patch
 */
export { applyJsonPatch } from './json-patch.js';
export { applyFhirPathPatch } from './fhirpath-patch.js';
export { isFhirPathPatch } from './fhirpath-patch-parse.js';
