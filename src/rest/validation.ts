import type { Resource } from 'fhir/r5';
import { FhirError } from '../errors/fhir-error.js';
import { checkResource } from '../model/validate/index.js';

/**
 * Validates a resource before any write (see `checkResource`): 400 when its JSON shape is wrong, 422 when
 * its content breaks the R5 rules, each issue naming the element in `expression`.
 * @see https://hl7.org/fhir/R5/http.html#update (rejecting updates)
 */
export function validateResource(resource: unknown): Resource {
  const failure = checkResource(resource);
  if (failure) throw new FhirError(failure.status, failure.issues);
  return resource as Resource;
}
