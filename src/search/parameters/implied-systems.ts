/**
 * The code systems implied by required bindings of primitive `code` elements that built-in parameters search.
 * A `code` carries no system in the data, but `status=http://hl7.org/fhir/imagingselection-status|available`
 * must still match: R5 says the system of a code is the one of the value set it is bound to.
 * @see https://hl7.org/fhir/R5/search.html#token
 */
const IMPLIED: Record<string, string> = {
  'ImagingSelection.status': 'http://hl7.org/fhir/imagingselection-status',
  'ImagingStudy.status': 'http://hl7.org/fhir/imagingstudy-status',
  'ServiceRequest.status': 'http://hl7.org/fhir/request-status',
  'Patient.gender': 'http://hl7.org/fhir/administrative-gender',
};

/** The implied system of parameter `code` on `resourceType`, for values of type `code`. */
export function impliedSystem(resourceType: string, code: string): string | undefined {
  if (code === '_language') return 'urn:ietf:bcp:47';
  return IMPLIED[`${resourceType}.${code}`];
}
