import type { Resource } from 'fhir/r5';
import { IssueCollector } from './issues.js';
import { walkResource } from './resource.js';
import type { WalkContext } from './walk-context.js';

/**
 * Validates a resource before it is stored: ImagingSelection completely (every element's JSON type,
 * cardinality, lexical form, required bindings, ext-1, contained dom-2/4/5, coordinate groups); any
 * other resource type structurally (valid JSON shape, no null or empty values, valid id, meta, text).
 *
 * Every problem is collected and thrown together as one FhirError whose OperationOutcome has one issue
 * per problem, each with the FHIRPath of the element (`ImagingSelection.instance[0].uid`). Status 400
 * when the JSON shape is wrong (codes `structure`, `value`), else 422 (codes `required`,
 * `code-invalid`, `invariant`, `business-rule`). One walk, no FHIRPath evaluation, no serialisation;
 * the input is never mutated.
 *
 * @param resource parsed JSON of any resource; `id` may be absent (create).
 * @returns the same object, typed.
 * @throws FhirError (400 or 422) when invalid.
 * @see https://hl7.org/fhir/R5/validation.html
 * @see https://hl7.org/fhir/R5/imagingselection.html
 * @see https://hl7.org/fhir/R5/json.html
 */
export function validateResource(resource: unknown): Resource {
  const issues = new IssueCollector();
  const ctx: WalkContext = {
    issues,
    depth: 0,
    validateContainedResource: (value, path) => walkResource(value, path, ctx, true),
  };
  walkResource(resource, undefined, ctx, false);
  issues.throwIfAny();
  return resource as Resource;
}

export {
  IMAGING_SELECTION_2D_GRAPHIC_TYPE_CODES,
  IMAGING_SELECTION_3D_GRAPHIC_TYPE_CODES,
  IMAGING_SELECTION_STATUS_CODES,
} from './code-lists.js';
