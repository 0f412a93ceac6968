import type { ImagingSelection, Resource } from 'fhir/r5';
import { describe, expect, it } from 'vitest';
import { summarize, type SummaryMode } from '../../src/search/result/index.js';
import { EXAMPLE, HTEST, OBSERVATION as BASE_OBSERVATION, SUBSETTED } from './result-fixtures.js';

/** The example's generated narrative, passed through unchanged where `text` is kept. */
const NARRATIVE = EXAMPLE.text!;


const IS_IDENTIFIER = [{ system: 'urn:dicom:uid', value: 'urn:oid:1.2.840.113747.20080222.3248567223100954657132726086516575.2.1' }];
const IS_SUBJECT = { type: 'Patient', identifier: { system: 'https://fhirhospital.org', value: 'NTCGFHHKYUYKDPQX' } };
const IS_DERIVED_FROM = [
  { type: 'ImagingStudy', identifier: { system: 'urn:dicom:uid', value: '1.2.840.113747.20080222.324856729726954657132726086516575' } },
];
const IS_UIDS = {
  studyUid: '1.2.840.113747.20080222.324856729726854657132726086516575',
  seriesUid: '1.2.840.113747.20080222.324856729726954657132726086516575.1',
  frameOfReferenceUid: '1.2.840.113747.20080222.324856823100954657132726086516575.0',
};
const INSTANCE_UID = '1.2.840.113747.20080222.324856729726823100132726086516575.1.0';
const SOP_CLASS = { system: 'urn:ietf:rfc:3986', code: 'urn:oid:1.2.840.10008.5.1.4.1.1.2' };
const REGION_2D = [{ regionType: 'polyline', coordinate: [0.25, 0.25, 0.75, 0.25, 0.75, 0.75, 0.25, 0.75] }];

/** A Patient with narrative, a contained resource, extensions and Σ and non-Σ elements of every kind. */
const PATIENT = {
  resourceType: 'Patient',
  id: 'p1',
  meta: { versionId: '3' },
  language: 'en',
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Jane Doe</div>' },
  contained: [{ resourceType: 'Organization', id: 'org', name: 'Clinic' }],
  extension: [{ url: 'http://example.org/fhir/StructureDefinition/nickname', valueString: 'JD' }],
  identifier: [{ system: 'urn:mrn', value: '123' }],
  active: true,
  name: [{ family: 'Doe', given: ['Jane'] }],
  gender: 'female',
  birthDate: '1970-01-01',
  _birthDate: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '1970-01-01T08:30:00Z' }] },
  deceasedBoolean: false,
  maritalStatus: { text: 'married' },
  multipleBirthInteger: 2,
  contact: [{ name: { family: 'Roe' } }],
  communication: [{ language: { text: 'English' } }],
  managingOrganization: { reference: '#org' },
  link: [
    {
      id: 'l1',
      extension: [{ url: 'http://example.org/fhir/StructureDefinition/link-note', valueString: 'n' }],
      other: { reference: 'Patient/p2' },
      type: 'seealso',
    },
  ],
} as Resource;
/** PATIENT as `_summary=data` gives it (tagged SUBSETTED besides): without its narrative. */
const { text: _patientText, ...PATIENT_WITHOUT_TEXT } = PATIENT as Resource & { text?: unknown };

/** BodyStructure: includedStructure is mandatory but not Σ, its `structure` child is Σ. */
const BODY_STRUCTURE = {
  resourceType: 'BodyStructure',
  id: 'b1',
  active: true,
  morphology: { text: 'mass' },
  includedStructure: [{ structure: { text: 'lung' }, laterality: { text: 'left' }, qualifier: [{ text: 'upper' }] }],
  description: 'tumour',
  image: [{ contentType: 'image/png', url: 'http://example.org/img.png' }],
  patient: { reference: 'Patient/p1' },
} as Resource;

/** Group: characteristic is Σ with a choice child and a non-Σ period; member is not Σ. */
const GROUP = {
  resourceType: 'Group',
  id: 'g1',
  type: 'person',
  membership: 'enumerated',
  description: 'cohort',
  characteristic: [{ code: { text: 'sex' }, valueCodeableConcept: { text: 'female' }, exclude: false, period: { start: '2020' } }],
  member: [{ entity: { reference: 'Patient/p1' } }],
} as Resource;

/** Observation has no flag table: the conservative rule applies. */
const OBSERVATION = {
  ...BASE_OBSERVATION,
  contained: [{ resourceType: 'Device', id: 'd' }],
  modifierExtension: [{ url: 'http://example.org/m', valueBoolean: true }],
  note: [{ text: 'not Σ in R5, kept: Observation has no flag table' }],
  component: [{ code: { text: 'c' }, valueString: 'v', extension: [{ url: 'http://example.org/ce', valueString: 'y' }] }],
} as Resource;

const cases: [string, Resource, SummaryMode, unknown][] = [
  [
    'ImagingSelection example, true: Σ elements; instance keeps uid only (sopClass, imageRegion2D are not Σ)',
    EXAMPLE,
    'true',
    {
      resourceType: 'ImagingSelection',
      id: 'example-2d-image-region-selection',
      identifier: IS_IDENTIFIER,
      status: 'available',
      subject: IS_SUBJECT,
      code: { text: 'Region selected from image' },
      ...IS_UIDS,
      derivedFrom: IS_DERIVED_FROM,
      instance: [{ uid: INSTANCE_UID }],
      meta: { tag: [HTEST, SUBSETTED] },
    },
  ],
  [
    'ImagingSelection example, text: id, meta, text, mandatory status and code',
    EXAMPLE,
    'text',
    {
      resourceType: 'ImagingSelection',
      id: 'example-2d-image-region-selection',
      text: NARRATIVE,
      status: 'available',
      code: { text: 'Region selected from image' },
      meta: { tag: [HTEST, SUBSETTED] },
    },
  ],
  [
    'ImagingSelection example, data: all but text',
    EXAMPLE,
    'data',
    {
      resourceType: 'ImagingSelection',
      id: 'example-2d-image-region-selection',
      identifier: IS_IDENTIFIER,
      status: 'available',
      subject: IS_SUBJECT,
      code: { text: 'Region selected from image' },
      ...IS_UIDS,
      derivedFrom: IS_DERIVED_FROM,
      instance: [{ uid: INSTANCE_UID, sopClass: SOP_CLASS, imageRegion2D: REGION_2D }],
      meta: { tag: [HTEST, SUBSETTED] },
    },
  ],
  ['ImagingSelection example, false: unchanged, no tag', EXAMPLE, 'false', EXAMPLE],
  [
    'Patient, true: Σ and modifiers; _birthDate follows birthDate; link loses its non-Σ id and extension',
    PATIENT,
    'true',
    {
      resourceType: 'Patient',
      id: 'p1',
      meta: { versionId: '3', tag: [SUBSETTED] },
      identifier: [{ system: 'urn:mrn', value: '123' }],
      active: true,
      name: [{ family: 'Doe', given: ['Jane'] }],
      gender: 'female',
      birthDate: '1970-01-01',
      _birthDate: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '1970-01-01T08:30:00Z' }] },
      deceasedBoolean: false,
      managingOrganization: { reference: '#org' },
      link: [{ other: { reference: 'Patient/p2' }, type: 'seealso' }],
    },
  ],
  [
    'Patient, text: id, meta, text (Patient has no mandatory elements)',
    PATIENT,
    'text',
    {
      resourceType: 'Patient',
      id: 'p1',
      meta: { versionId: '3', tag: [SUBSETTED] },
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Jane Doe</div>' },
    },
  ],
  [
    'Patient, data: contained and extension stay, text goes',
    PATIENT,
    'data',
    // Every element of PATIENT but `text`, each written out in PATIENT above.
    { ...PATIENT_WITHOUT_TEXT, meta: { versionId: '3', tag: [SUBSETTED] } },
  ],
  [
    'BodyStructure, true: mandatory non-Σ includedStructure kept, reduced to its Σ structure',
    BODY_STRUCTURE,
    'true',
    {
      resourceType: 'BodyStructure',
      id: 'b1',
      active: true,
      morphology: { text: 'mass' },
      includedStructure: [{ structure: { text: 'lung' } }],
      description: 'tumour',
      patient: { reference: 'Patient/p1' },
      meta: { tag: [SUBSETTED] },
    },
  ],
  [
    'BodyStructure, text: mandatory includedStructure (whole) and patient',
    BODY_STRUCTURE,
    'text',
    {
      resourceType: 'BodyStructure',
      id: 'b1',
      includedStructure: [{ structure: { text: 'lung' }, laterality: { text: 'left' }, qualifier: [{ text: 'upper' }] }],
      patient: { reference: 'Patient/p1' },
      meta: { tag: [SUBSETTED] },
    },
  ],
  [
    'Group, true: characteristic keeps its choice value, drops period; member dropped',
    GROUP,
    'true',
    {
      resourceType: 'Group',
      id: 'g1',
      type: 'person',
      membership: 'enumerated',
      characteristic: [{ code: { text: 'sex' }, valueCodeableConcept: { text: 'female' }, exclude: false }],
      meta: { tag: [SUBSETTED] },
    },
  ],
  [
    'Observation (no flag table), true: only language, text, contained, extension are dropped',
    OBSERVATION,
    'true',
    {
      resourceType: 'Observation',
      id: 'o1',
      modifierExtension: [{ url: 'http://example.org/m', valueBoolean: true }],
      status: 'final',
      code: { text: 'weight' },
      valueQuantity: { value: 5, unit: 'mg' },
      note: [{ text: 'not Σ in R5, kept: Observation has no flag table' }],
      component: [{ code: { text: 'c' }, valueString: 'v', extension: [{ url: 'http://example.org/ce', valueString: 'y' }] }],
      meta: { tag: [SUBSETTED] },
    },
  ],
  [
    'Observation (no flag table), text: id, meta, text and every type-specific element (any may be mandatory)',
    OBSERVATION,
    'text',
    {
      resourceType: 'Observation',
      id: 'o1',
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">5 mg</div>' },
      status: 'final',
      code: { text: 'weight' },
      valueQuantity: { value: 5, unit: 'mg' },
      note: [{ text: 'not Σ in R5, kept: Observation has no flag table' }],
      component: [{ code: { text: 'c' }, valueString: 'v', extension: [{ url: 'http://example.org/ce', valueString: 'y' }] }],
      meta: { tag: [SUBSETTED] },
    },
  ],
];

/** Deep-freezes a value so any write to the input throws. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

describe('summarize', () => {
  it.each(cases)('%s', (_, input, mode, expected) => {
    const before = structuredClone(input);
    const out = summarize(deepFreeze(structuredClone(input)), mode);
    expect(out).toEqual(expected);
    expect(input).toEqual(before);
  });

  it.each(['true', 'text', 'data', 'false'] as const)('%s: returns a new object sharing nothing with the input', (mode) => {
    const input = deepFreeze(structuredClone(EXAMPLE));
    const out = summarize(input, mode) as ImagingSelection;
    expect(out).not.toBe(input);
    expect(Object.isFrozen(out.meta)).toBe(false);
    expect(Object.isFrozen(out.code)).toBe(false);
    out.meta!.tag!.push({ code: 'mine' });
    expect(input.meta!.tag).toHaveLength(1);
  });

  it('does not add SUBSETTED twice', () => {
    const tagged = { ...structuredClone(EXAMPLE), meta: { tag: [HTEST, SUBSETTED] } };
    for (const mode of ['true', 'text', 'data'] as const) {
      expect(summarize(tagged, mode).meta?.tag).toEqual([HTEST, SUBSETTED]);
    }
  });

  it('does not tag a result from which nothing was removed', () => {
    const noText = { resourceType: 'Patient', id: 'p', active: true, name: [{ family: 'Doe' }] } as Resource;
    expect(summarize(noText, 'data')).toEqual(noText);
    expect(summarize(noText, 'true')).toEqual(noText);
    expect(summarize({ resourceType: 'Endpoint', status: 'active', connectionType: [{ text: 'wado' }], address: 'https://pacs' } as Resource, 'text'))
      .toEqual({ resourceType: 'Endpoint', status: 'active', connectionType: [{ text: 'wado' }], address: 'https://pacs' });
  });

  it('drops properties the R5 model does not know for types with exact flags', () => {
    const odd = { resourceType: 'Endpoint', id: 'e', status: 'active', address: 'https://pacs', connectionType: [], fooBar: 1 } as Resource;
    expect(summarize(odd, 'true')).toEqual({
      resourceType: 'Endpoint', id: 'e', status: 'active', address: 'https://pacs', connectionType: [], meta: { tag: [SUBSETTED] },
    });
  });
});
