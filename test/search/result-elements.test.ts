import type { ImagingSelection, Resource } from 'fhir/r5';
import { describe, expect, it } from 'vitest';
import { isKnownElement, selectElements } from '../../src/search/result/index.js';
import { EXAMPLE, HTEST, OBSERVATION, SUBSETTED } from './result-fixtures.js';


const ID = 'example-2d-image-region-selection';
const CODE = { text: 'Region selected from image' };
const STUDY_UID = '1.2.840.113747.20080222.324856729726854657132726086516575';
const INSTANCE = [
  {
    uid: '1.2.840.113747.20080222.324856729726823100132726086516575.1.0',
    sopClass: { system: 'urn:ietf:rfc:3986', code: 'urn:oid:1.2.840.10008.5.1.4.1.1.2' },
    imageRegion2D: [{ regionType: 'polyline', coordinate: [0.25, 0.25, 0.75, 0.25, 0.75, 0.75, 0.25, 0.75] }],
  },
];

const PATIENT = {
  resourceType: 'Patient',
  id: 'p1',
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Jane</div>' },
  active: false,
  name: [{ family: 'Doe' }],
  birthDate: '1970-01-01',
  _birthDate: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '1970-01-01T08:30:00Z' }] },
  deceasedDateTime: '2020-02-02',
  multipleBirthInteger: 2,
  telecom: [{ system: 'phone', value: '555' }],
} as Resource;


const cases: [string, Resource, string[], unknown][] = [
  [
    'studyUid: plus id, meta and the mandatory status and code',
    EXAMPLE,
    ['studyUid'],
    { resourceType: 'ImagingSelection', id: ID, status: 'available', code: CODE, studyUid: STUDY_UID, meta: { tag: [HTEST, SUBSETTED] } },
  ],
  [
    'instance: kept whole (no nested filtering)',
    EXAMPLE,
    ['instance'],
    { resourceType: 'ImagingSelection', id: ID, status: 'available', code: CODE, instance: INSTANCE, meta: { tag: [HTEST, SUBSETTED] } },
  ],
  [
    'unknown names are ignored',
    EXAMPLE,
    ['studyUid', 'nonsense', 'value[x]', 'instance.uid', 'resourceType'],
    { resourceType: 'ImagingSelection', id: ID, status: 'available', code: CODE, studyUid: STUDY_UID, meta: { tag: [HTEST, SUBSETTED] } },
  ],
  [
    'only unknown names: the minimum (id, meta, mandatory)',
    EXAMPLE,
    ['nonsense'],
    { resourceType: 'ImagingSelection', id: ID, status: 'available', code: CODE, meta: { tag: [HTEST, SUBSETTED] } },
  ],
  [
    'every present element listed: nothing removed, no tag',
    EXAMPLE,
    ['text', 'identifier', 'subject', 'studyUid', 'derivedFrom', 'seriesUid', 'frameOfReferenceUid', 'instance'],
    EXAMPLE,
  ],
  [
    'Patient choice names without [x]: deceased keeps deceasedDateTime; _birthDate follows birthDate; modifiers active and deceased stay',
    PATIENT,
    ['birthDate', 'multipleBirth'],
    {
      resourceType: 'Patient',
      id: 'p1',
      active: false,
      birthDate: '1970-01-01',
      _birthDate: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '1970-01-01T08:30:00Z' }] },
      deceasedDateTime: '2020-02-02',
      multipleBirthInteger: 2,
      meta: { tag: [SUBSETTED] },
    },
  ],
  [
    'Observation (no flag table): only unlisted base elements are removed',
    OBSERVATION,
    ['code'],
    {
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      code: { text: 'weight' },
      valueQuantity: { value: 5, unit: 'mg' },
      meta: { tag: [SUBSETTED] },
    },
  ],
];

describe('selectElements', () => {
  it.each(cases)('%s', (_, input, elements, expected) => {
    const before = structuredClone(input);
    const out = selectElements(Object.freeze(structuredClone(input)), elements);
    expect(out).toEqual(expected);
    expect(out).not.toBe(input);
    expect(input).toEqual(before);
  });

  it('does not add SUBSETTED twice', () => {
    const tagged = { ...structuredClone(EXAMPLE), meta: { tag: [SUBSETTED, HTEST] } };
    expect(selectElements(tagged, ['studyUid']).meta).toEqual({ tag: [SUBSETTED, HTEST] });
  });

  it('shares nothing with the input', () => {
    const input = structuredClone(EXAMPLE);
    const out = selectElements(input, ['instance']) as ImagingSelection;
    out.instance![0]!.uid = 'changed';
    out.meta!.tag!.pop();
    expect(input.instance![0]!.uid).toBe(INSTANCE[0]!.uid);
    expect(input.meta!.tag).toEqual([HTEST]);
  });
});

describe('isKnownElement', () => {
  it.each([
    ['ImagingSelection', 'studyUid', true],
    ['ImagingSelection', 'instance', true],
    ['ImagingSelection', 'id', true],
    ['ImagingSelection', 'text', true],
    ['ImagingSelection', 'uid', false],
    ['ImagingSelection', 'instance.uid', false],
    ['ImagingSelection', 'resourceType', false],
    ['ImagingSelection', 'studyuid', false],
    ['Patient', 'deceased', true],
    ['Patient', 'deceasedBoolean', false],
    ['Patient', 'deceased[x]', false],
    ['Observation', 'value', true],
    ['Observation', 'valueQuantity', false],
    ['BodyStructure', 'excludedStructure', true],
    ['HumanName', 'family', false],
    ['NoSuchType', 'id', false],
  ] as const)('%s.%s → %s', (type, name, known) => {
    expect(isKnownElement(type, name)).toBe(known);
  });
});
