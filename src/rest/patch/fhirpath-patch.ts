import type { Resource } from 'fhir/r5';
import { badRequest } from '../../errors/fhir-error.js';
import { operationNotApplicable } from './fhirpath-patch-errors.js';
import { applyOperation } from './fhirpath-patch-ops.js';
import { parseFhirPathPatch } from './fhirpath-patch-parse.js';
import type { JsonObject } from './locate.js';

/**
 * Applies a FHIRPath Patch (a Parameters resource of `operation` parameters) to a copy of `resource`, in
 * order, each operation seeing the result of the previous one, and returns the copy.
 *
 * - 400: the document is malformed (see {@link parseFhirPathPatch}); nothing is applied.
 * - 422: an operation does not fit this resource: its path selects no element (except for delete, where
 *   that is a no-op) or several where one is required, an index is out of range, a non-repeating element
 *   added twice, a value of the wrong type, or a change of `resourceType` or `id`.
 *
 * The input is never mutated; the result shares nothing with the input or the patch. The caller still
 * validates the result as a resource, and has loaded fhirpath.js first (`await loadFhirPath()`).
 * @see https://hl7.org/fhir/R5/fhirpatch.html
 * @see https://hl7.org/fhir/R5/http.html#patch
 */
export function applyFhirPathPatch(resource: Resource, patch: unknown): Resource {
  let owned: unknown;
  try {
    // Values are written into the result as they are: copy them so the result never aliases the patch.
    owned = structuredClone(patch);
  } catch {
    throw badRequest('The FHIRPath Patch is not plain JSON');
  }
  const ops = parseFhirPathPatch(owned);
  const doc = structuredClone(resource) as unknown as JsonObject;
  for (const op of ops) {
    applyOperation(doc, op);
    // A patch edits a resource; it cannot turn it into another one.
    if (doc.resourceType !== resource.resourceType || doc.id !== resource.id) {
      throw operationNotApplicable(op, 'a patch cannot change resourceType or id');
    }
  }
  return doc as unknown as Resource;
}
