import type { Resource } from 'fhir/r5';
import type { Store } from '../../src/index.js';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const SCT = 'http://snomed.info/sct';

/**
 * Hand-made data for the search tables: every parameter type, modifier and prefix has a case that matches
 * and one that must not. Expected ids in the tests are written out from this data by hand.
 */
export const FIXTURE: Resource[] = [
  {
    resourceType: 'Patient', id: 'pat-1', identifier: [{ system: 'urn:mrn', value: '100' }], gender: 'female', birthDate: '1970-05-01',
    name: [{ family: 'Müller', given: ['Anna', 'Maria'] }],
  },
  { resourceType: 'Patient', id: 'pat-2', identifier: [{ system: 'urn:mrn', value: '200' }], gender: 'male', birthDate: '1985', name: [{ family: "O'Brien", given: ['Sean'] }] },
  { resourceType: 'Patient', id: 'pat-3', gender: 'male', birthDate: '1970-05-15', name: [{ family: 'Mueller', given: ['Hans'] }] },
  {
    resourceType: 'ImagingStudy', id: 'st-1', status: 'available', subject: { reference: 'Patient/pat-1' }, started: '2024-03-01T10:00:00Z',
    identifier: [{ system: 'urn:dicom:uid', value: '1.2.3' }], series: [{ uid: '1.2.3.1', modality: { coding: [{ system: DCM, code: 'CT' }] } }],
  },
  {
    resourceType: 'ImagingStudy', id: 'st-2', status: 'registered', subject: { reference: 'Patient/pat-2' }, started: '2024-03-02',
    series: [{ uid: '1.2.4.1', modality: { coding: [{ system: DCM, code: 'MR' }] } }],
  },
  { resourceType: 'ServiceRequest', id: 'sr-1', status: 'active', intent: 'order', subject: { reference: 'Patient/pat-1' }, code: { concept: { coding: [{ system: SCT, code: '77477000' }] } } },
  { resourceType: 'BodyStructure', id: 'bs-1', patient: { reference: 'Patient/pat-1' }, identifier: [{ system: 'urn:bs', value: '1' }], includedStructure: [{ structure: { coding: [{ system: SCT, code: '51185008' }] } }] },
  { resourceType: 'Group', id: 'g-1', identifier: [{ system: 'urn:grp', value: '1' }], type: 'person', membership: 'definitional' },
  {
    resourceType: 'ImagingSelection', id: 'is-1', status: 'available',
    meta: { tag: [{ system: 'urn:tag', code: 'red' }], profile: ['http://example.org/fhir/StructureDefinition/sel|1.0'], source: 'http://example.org/source/a', security: [{ system: 'urn:sec', code: 'N' }] },
    language: 'en-US',
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Key images of the chest showing metastases</div>' },
    identifier: [{ system: 'urn:sel', value: 'A1', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN' }], text: 'Accession' } }],
    code: { coding: [{ system: DCM, code: '113000', display: 'Of Interest' }], text: 'Key Images' },
    subject: { reference: 'Patient/pat-1', display: 'Anna Müller' }, studyUid: '1.2.3', derivedFrom: [{ reference: 'ImagingStudy/st-1' }],
    basedOn: [{ reference: 'ServiceRequest/sr-1' }], issued: '2024-03-01T12:00:00Z',
    bodySite: { concept: { coding: [{ system: SCT, code: '51185008', display: 'Thoracic structure' }] }, reference: { reference: 'BodyStructure/bs-1' } },
  },
  {
    resourceType: 'ImagingSelection', id: 'is-2', status: 'unknown',
    meta: { tag: [{ system: 'urn:tag', code: 'blue' }], source: 'http://example.org/source/a/b' },
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Liver lesion outlined</div>' },
    identifier: [{ system: 'urn:sel', value: 'A2' }], code: { text: 'Region selected' },
    subject: { reference: 'http://localhost/fhir/Patient/pat-2' }, studyUid: '1.2.4', derivedFrom: [{ reference: 'ImagingStudy/st-2' }],
    issued: '2024-03-02T08:30:00+01:00',
  },
  {
    resourceType: 'ImagingSelection', id: 'is-3', status: 'entered-in-error',
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Bone scan of the liver region</div>' },
    identifier: [{ system: 'urn:sel', value: 'a1' }], code: { coding: [{ system: DCM, code: '113001', display: 'Rejected for Quality Reasons' }] },
    subject: { reference: 'Group/g-1' },
  },
  {
    resourceType: 'ImagingSelection', id: 'is-4', status: 'available', code: { coding: [{ system: 'urn:other', code: '113000' }] },
    subject: { type: 'Patient', identifier: { system: 'urn:mrn', value: '100' } },
    derivedFrom: [{ identifier: { system: 'urn:dicom:uid', value: '1.2.3' } }], issued: '2023-12-31T23:30:00-05:00',
    focus: [{ reference: 'ImagingSelection/is-1' }],
  },
] as unknown as Resource[];

/** Loads the fixture with one transaction Bundle. */
export async function loadFixture(store: Store): Promise<void> {
  await store.transaction({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: FIXTURE.map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } })),
  });
}
