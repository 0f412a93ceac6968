import { IssueCollector, type ValidationFailure } from './issues.js';
import { walkResource } from './resource.js';
import type { WalkContext } from './walk-context.js';

/**
 * Validates a resource before it is stored: ImagingSelection completely (every element's JSON type,
 * cardinality, lexical form, required bindings, ext-1, contained dom-2/4/5, coordinate groups); any
 * other resource type structurally (valid JSON shape, no null or empty values, valid id, meta, text).
 *
 * Every problem is collected and returned together, one issue per problem, each with the FHIRPath of the element (`ImagingSelection.instance[0].uid`). Status 400
 * when the JSON shape is wrong (codes `structure`, `value`), else 422 (codes `required`,
 * `code-invalid`, `invariant`, `business-rule`). One walk, no FHIRPath evaluation, no serialisation;
 * the input is never mutated. A property whose value is `undefined` counts as absent (JSON would drop
 * it); a primitive carried only by its `_element` (e.g. a data-absent-reason) counts as present.
 *
 * @param resource parsed JSON of any resource; `id` may be absent (create).
 * @returns undefined when valid, else the failure (the REST layer turns it into an OperationOutcome).
 * @see https://hl7.org/fhir/R5/validation.html
 * @see https://hl7.org/fhir/R5/imagingselection.html
 * @see https://hl7.org/fhir/R5/json.html
 */
export function checkResource(resource: unknown): ValidationFailure | undefined {
  const issues = new IssueCollector();
  const ctx: WalkContext = {
    issues,
    depth: 0,
    validateContainedResource: (value, path, contained) => walkResource(value, path, ctx, contained),
  };
  walkResource(resource, undefined, ctx, false);
  return issues.failure();
}

export type { ValidationFailure, ValidationIssue } from './issues.js';

export {
  IMAGING_SELECTION_2D_GRAPHIC_TYPE_CODES,
  IMAGING_SELECTION_3D_GRAPHIC_TYPE_CODES,
  IMAGING_SELECTION_STATUS_CODES,
} from './code-lists.js';
