import { badRequest, unprocessable, type FhirError } from '../../errors/fhir-error.js';

/** Identifies one FHIRPath Patch operation in error messages. */
interface OperationRef {
  /** Position of the `operation` parameter in `Parameters.parameter`. */
  opIndex: number;
  type: string;
  path: string;
}

/**
 * 400: the patch document itself is malformed. `expression` points into the Parameters resource
 * (default: the operation parameter).
 */
export const malformedOperation = (opIndex: number, detail: string, expression = `Parameters.parameter[${opIndex}]`): FhirError =>
  badRequest(`FHIRPath Patch operation ${opIndex}: ${detail}`, [expression]);

/** 422: a well-formed operation that cannot be applied to this resource. `expression` is the operation's path. */
export const operationNotApplicable = (op: OperationRef, detail: string): FhirError =>
  unprocessable(`FHIRPath Patch operation ${op.opIndex} (${op.type} ${op.path}): ${detail}`, [op.path]);
