import { readFileSync } from 'node:fs';
import type { ImagingSelection, Resource } from 'fhir/r5';

/* Fixtures shared by the result-shaping tests (_summary and _elements). */

/** The official 2D region example. */
export const EXAMPLE = JSON.parse(
  readFileSync(new URL('../../data/hl7-fhir-r5/examples/ImagingSelection-example-2d-image-region-selection.json', import.meta.url), 'utf8'),
) as ImagingSelection;

export const HTEST = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HTEST', display: 'test health data' };
/** The tag a subsetted resource carries. @see https://hl7.org/fhir/R5/search.html#summary */
export const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

/** An Observation (a type without a flag table) with narrative, an extension and Σ and non-Σ elements. */
export const OBSERVATION = {
  resourceType: 'Observation',
  id: 'o1',
  language: 'en',
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">5 mg</div>' },
  extension: [{ url: 'http://example.org/e', valueString: 'x' }],
  status: 'final',
  code: { text: 'weight' },
  valueQuantity: { value: 5, unit: 'mg' },
} as Resource;
