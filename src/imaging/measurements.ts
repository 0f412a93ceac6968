import type { Coding, Observation, Quantity, Reference, SearchParameter } from 'fhir/r5';
import type { CornerstoneAnnotation } from './annotation.js';
import { SNOMED } from './codes.js';

/**
 * The measured values a region cannot carry (a length, an area, the statistics of the pixels inside), named as
 * Cornerstone3D's DICOM SR adapters (dcmjs, TID 300) name them, all SNOMED CT.
 */
const MEASURES: { key: string; unitKey: string; code: Coding }[] = [
  { key: 'length', unitKey: 'unit', code: { system: SNOMED, code: '410668003', display: 'Length' } },
  { key: 'area', unitKey: 'areaUnit', code: { system: SNOMED, code: '42798000', display: 'Area' } },
  { key: 'perimeter', unitKey: 'unit', code: { system: SNOMED, code: '131191004', display: 'Perimeter' } },
  { key: 'radius', unitKey: 'radiusUnit', code: { system: SNOMED, code: '131190003', display: 'Radius' } },
  { key: 'mean', unitKey: 'modalityUnit', code: { system: SNOMED, code: '373098007', display: 'Mean' } },
  { key: 'stdDev', unitKey: 'modalityUnit', code: { system: SNOMED, code: '386136009', display: 'Standard Deviation' } },
  { key: 'max', unitKey: 'modalityUnit', code: { system: SNOMED, code: '56851009', display: 'Maximum' } },
  { key: 'min', unitKey: 'modalityUnit', code: { system: SNOMED, code: '255605001', display: 'Minimum' } },
];

/** Cornerstone's unit strings (getCalibratedUnits, getPixelValueUnits) as UCUM, where UCUM has them. */
const UCUM: Record<string, string> = { mm: 'mm', 'mm\u00b2': 'mm2', cm: 'cm', 'cm\u00b2': 'cm2', HU: "[hnsf'U]", 'g/ml': 'g/mL', s: 's', 'm/s': 'm/s' };

/** A Quantity for a value in a Cornerstone unit: UCUM-coded when the unit is one, else its text only (`px`, `raw`). */
function quantity(value: number, unit: unknown): Quantity {
  const text = typeof unit === 'string' && unit !== '' ? unit : undefined;
  const code = text ? UCUM[text] : undefined;
  return { value, ...(text ? { unit: text } : {}), ...(code ? { system: 'http://unitsofmeasure.org', code } : {}) };
}

/**
 * The measurements Cornerstone computed for an annotation (`data.cachedStats` of its image, else its first
 * target) as R5 Observations `derivedFrom` the selection made from it: ImagingSelection has no element for a
 * measured value, and Observation.derivedFrom may reference an ImagingSelection. Values that are not finite
 * numbers (Cornerstone's `null` before it has computed them) are left out.
 * @see https://hl7.org/fhir/R5/observation-definitions.html#Observation.derivedFrom
 */
export function observationsFromAnnotation(annotation: CornerstoneAnnotation, selection: Reference, subject?: Reference): Observation[] {
  const stats = (annotation.data.cachedStats ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const imageId = annotation.metadata?.referencedImageId;
  const target = (imageId ? stats[`imageId:${imageId}`] : undefined) ?? Object.values(stats).find((s) => s && typeof s === 'object');
  if (!target) return [];
  const out: Observation[] = [];
  for (const m of MEASURES) {
    const value = target[m.key];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    out.push({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ ...m.code }] },
      ...(subject ? { subject: { ...subject } } : {}),
      derivedFrom: [{ ...selection }],
      valueQuantity: quantity(value, target[m.unitKey]),
    });
  }
  return out;
}

/**
 * R5's `derived-from` search parameter of Observation, which this store does not register by default (its
 * built-in parameters are ImagingSelection's and the common ones): `store.registerSearchParameter(it)` lets an
 * app find the measurements of a selection (`Observation?derived-from=ImagingSelection/id`, or
 * `ImagingSelection?_revinclude=Observation:derived-from`).
 * @see https://hl7.org/fhir/R5/observation-search.html
 */
export const OBSERVATION_DERIVED_FROM: SearchParameter = {
  resourceType: 'SearchParameter',
  url: 'http://hl7.org/fhir/SearchParameter/Observation-derived-from',
  name: 'derived-from',
  status: 'active',
  description: 'Related measurements the observation is made from',
  code: 'derived-from',
  base: ['Observation'] as unknown as SearchParameter['base'],
  type: 'reference',
  expression: 'Observation.derivedFrom',
  target: ['ImagingSelection', 'ImagingStudy', 'Observation', 'DocumentReference', 'QuestionnaireResponse', 'MolecularSequence', 'GenomicStudy'] as unknown as SearchParameter['target'],
};
