import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, OperationOutcome } from 'fhir/r5';
import type { Store } from '../../src/index.js';
import { openTestStore } from '../helpers.js';
import { loadFixture } from './fixture.js';

let store: Store;
beforeAll(async () => {
  store = await openTestStore();
  await loadFixture(store);
});
afterAll(() => store.close());

async function ids(url: string): Promise<string[]> {
  const res = await store.handle({ method: 'GET', url });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return ((res.body as Bundle).entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!.id!).sort();
}

const IS = 'ImagingSelection';

/** [query, expected ids] per parameter type; the expected ids are read off the fixture by hand. */
const TABLES: Record<string, [string, string[]][]> = {
  token: [
    [`${IS}?status=available`, ['is-1', 'is-4']],
    [`${IS}?status=available,unknown`, ['is-1', 'is-2', 'is-4']],
    [`${IS}?status=Available`, []], // codes are case-sensitive
    [`${IS}?status:not=available`, ['is-2', 'is-3']],
    [`${IS}?code=113000`, ['is-1', 'is-4']],
    [`${IS}?code=http://dicom.nema.org/resources/ontology/DCM|113000`, ['is-1']],
    [`${IS}?code=urn:other|`, ['is-4']],
    [`${IS}?code=|113000`, []],
    [`${IS}?code:text=key`, ['is-1']], // CodeableConcept.text starts-with, case-insensitive
    [`${IS}?code:text=rejected for`, ['is-3']], // Coding.display
    [`${IS}?code:text=images`, []], // starts-with, not contains
    [`${IS}?code:missing=true`, []],
    [`${IS}?body-site=51185008`, ['is-1']],
    [`${IS}?body-site:missing=true`, ['is-2', 'is-3', 'is-4']],
    [`${IS}?body-site:missing=false`, ['is-1']],
    [`${IS}?identifier=A1`, ['is-1']],
    [`${IS}?identifier=urn:sel|a1`, ['is-3']],
    [`${IS}?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|ACSN|A1`, ['is-1']],
    [`${IS}?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|ACSN|A2`, []],
    [`${IS}?identifier:text=access`, ['is-1']], // Identifier.type.text
    [`${IS}?study-uid=1.2.3`, ['is-1']],
    [`${IS}?study-uid=1.2.3,1.2.4`, ['is-1', 'is-2']],
    [`${IS}?_tag=urn:tag|red`, ['is-1']],
    [`${IS}?_tag:not=urn:tag|red`, ['is-2', 'is-3', 'is-4']],
    [`${IS}?_security=urn:sec|N`, ['is-1']],
    [`${IS}?_language=en-US`, ['is-1']],
    [`${IS}?_id=is-2,is-4`, ['is-2', 'is-4']],
    [`${IS}?_id:not=is-2`, ['is-1', 'is-3', 'is-4']],
    [`Patient?gender=male`, ['pat-2', 'pat-3']],
    [`ImagingStudy?modality=CT`, ['st-1']],
  ],
  reference: [
    [`${IS}?subject=Patient/pat-1`, ['is-1']],
    [`${IS}?subject=pat-1`, ['is-1']],
    [`${IS}?subject:Patient=pat-2`, ['is-2']], // stored as an absolute URL on the store base
    [`${IS}?subject=http://localhost/fhir/Patient/pat-2`, ['is-2']],
    [`${IS}?patient=Patient/pat-1,Patient/pat-2`, ['is-1', 'is-2']],
    [`${IS}?patient=g-1`, []], // patient keeps only Patient references
    [`${IS}?subject=Group/g-1`, ['is-3']],
    [`${IS}?subject:identifier=urn:mrn|100`, ['is-4']],
    [`${IS}?subject:text=anna`, ['is-1']],
    [`${IS}?subject:missing=true`, []],
    [`${IS}?derived-from=ImagingStudy/st-1`, ['is-1']],
    [`${IS}?derived-from:identifier=urn:dicom:uid|1.2.3`, ['is-4']],
    [`${IS}?based-on=ServiceRequest/sr-1`, ['is-1']],
    [`${IS}?body-structure=BodyStructure/bs-1`, ['is-1']],
    [`${IS}?_profile=http://example.org/fhir/StructureDefinition/sel`, ['is-1']],
    [`${IS}?_profile=http://example.org/fhir/StructureDefinition/sel|1.0`, ['is-1']],
    [`${IS}?_profile=http://example.org/fhir/StructureDefinition/sel|2.0`, []],
  ],
  date: [
    [`${IS}?issued=2024-03-01`, ['is-1']],
    [`${IS}?issued=2024-03`, ['is-1', 'is-2']],
    [`${IS}?issued=2024`, ['is-1', 'is-2', 'is-4']], // is-4: 2023-12-31T23:30-05:00 = 2024-01-01T04:30Z
    [`${IS}?issued=2023`, []],
    [`${IS}?issued=ge2024-03-02`, ['is-2']], // 2024-03-02T07:30Z
    [`${IS}?issued=gt2024-03-01T12:00:00Z`, ['is-2']],
    [`${IS}?issued=lt2024-03-01T12:00:00Z`, ['is-4']],
    [`${IS}?issued=le2024-03-01T12:00:00Z`, ['is-1', 'is-4']],
    [`${IS}?issued=sa2024-01-01`, ['is-1', 'is-2']],
    [`${IS}?issued=eb2024-03-01`, ['is-4']],
    [`${IS}?issued=ne2024-03-01`, ['is-2', 'is-4']],
    [`${IS}?issued=ge2024-01-01&issued=lt2024-03-02`, ['is-1', 'is-4']],
    [`${IS}?issued=2024-03-02T08:30:00%2B01:00`, ['is-2']],
    [`${IS}?issued=2024-03-02T07:30:00Z`, ['is-2']],
    [`${IS}?issued:missing=true`, ['is-3']],
    [`Patient?birthdate=1970-05`, ['pat-1', 'pat-3']],
    [`Patient?birthdate=ge1980`, ['pat-2']],
    [`Patient?birthdate=1985-06-01`, []], // the search range does not contain the year 1985
    [`Patient?birthdate=ap1970-05-10`, ['pat-1', 'pat-3']],
    [`ImagingStudy?started=2024-03-02`, ['st-2']],
  ],
  string: [
    [`Patient?family=mul`, ['pat-1']], // accent-insensitive: Müller
    [`Patient?family=mül`, ['pat-1']],
    [`Patient?family=mue`, ['pat-3']],
    [`Patient?family:exact=Müller`, ['pat-1']],
    [`Patient?family:exact=müller`, []],
    [`Patient?family:contains=ller`, ['pat-1', 'pat-3']],
    [`Patient?given=mar`, ['pat-1']], // the second given name
    [`Patient?name=o brien`, ['pat-2']], // punctuation ignored
    [`Patient?name=sean`, ['pat-2']],
  ],
  uri: [
    [`${IS}?_source=http://example.org/source/a`, ['is-1']],
    [`${IS}?_source:below=http://example.org/source/a`, ['is-1', 'is-2']],
    [`${IS}?_source:below=http://example.org/source`, ['is-1', 'is-2']],
    [`${IS}?_source:below=http://example.org/sour`, []], // path segments, not characters
    [`${IS}?_source:above=http://example.org/source/a/b/c`, ['is-1', 'is-2']],
    [`${IS}?_source:contains=SOURCE/A/B`, ['is-2']],
  ],
  chains: [
    [`${IS}?subject:Patient.name=anna`, ['is-1']],
    [`${IS}?patient.given=sean`, ['is-2']],
    [`${IS}?subject:Patient.gender=female`, ['is-1']],
    [`${IS}?derived-from:ImagingStudy.patient.family=mul`, ['is-1']],
    [`${IS}?derived-from:ImagingStudy.modality=MR`, ['is-2']],
    [`${IS}?based-on:ServiceRequest.code=77477000`, ['is-1']],
    [`${IS}?subject:Group.identifier=urn:grp|1`, ['is-3']],
    [`ImagingStudy?_has:ImagingSelection:derived-from:status=available`, ['st-1']],
    [`Patient?_has:ImagingSelection:patient:status=unknown`, ['pat-2']],
    [`Patient?_has:ImagingStudy:patient:_has:ImagingSelection:derived-from:code=113000`, ['pat-1']],
  ],
  text: [
    [`${IS}?_text=metastases`, ['is-1']],
    [`${IS}?_text=liver`, ['is-2', 'is-3']],
    [`${IS}?_text=liver bone`, ['is-3']],
    [`${IS}?_text=(bone OR chest) AND metastases`, ['is-1']],
    [`${IS}?_text=liver -bone`, ['is-2']],
    [`${IS}?_content=quality`, ['is-3']],
    [`${IS}?_content=region`, ['is-2', 'is-3']],
  ],
  escaping: [
    [`Patient?family=o\\'brien`, []], // a backslash before ' is an invalid escape → see the error table
  ],
};
delete TABLES['escaping'];

describe.each(Object.entries(TABLES))('%s', (_kind, rows) => {
  it.each(rows)('%s → %j', async (url, expected) => {
    expect(await ids(url)).toEqual(expected);
  });
});

describe('the official examples (subject and derivedFrom are logical references)', () => {
  it('are found by study-uid, subject:identifier and derived-from:identifier', async () => {
    const s = await openTestStore();
    const { loadExamples } = await import('../helpers.js');
    for (const ex of loadExamples()) await s.update(ex);
    const find = async (q: string): Promise<string[]> =>
      ((await s.search(IS, q)).entry ?? []).map((e) => e.resource!.id!).sort();
    expect(await find('study-uid=1.2.840.113747.20080222.35738167368354306270412538783781')).toEqual(['example-basic-image-selection']);
    expect(await find('subject:identifier=https://fhirhospital.org|KUTGIQCVCDRHVBUK')).toEqual(['example-basic-image-selection']);
    expect(await find('derived-from:identifier=urn:dicom:uid|1.2.840.113747.20080222.324856729726954657132726086516575')).toEqual(['example-2d-image-region-selection']);
    expect(await find('code:text=key')).toEqual(['example-basic-image-selection', 'example-multiframe-image-selection']);
    expect(await find('patient=KUTGIQCVCDRHVBUK')).toEqual([]);
    s.close();
  });
});

describe('bad values answer 400 with an OperationOutcome that names the parameter', () => {
  it.each([
    [`${IS}?issued=2024-13-01`],
    [`${IS}?issued=yesterday`],
    [`${IS}?status:exact=available`],
    [`${IS}?status:missing=maybe`],
    [`${IS}?subject:Observation=1`],
    [`${IS}?subject.colour=red`],
    [`${IS}?status.name=x`],
    [`${IS}?_has:ImagingSelection:status:code=1`],
    [`${IS}?_has:Nope:subject:code=1`],
    [`${IS}?code:in=http://example.org/unknown-valueset`],
    [`${IS}?code:below=http://unknown.system|1`],
    [`${IS}?identifier:of-type=a|b`],
    [`${IS}?_sort=colour`],
    [`${IS}?_include=ImagingSelection:status`],
    [`${IS}?_text=(bone`],
    [`${IS}?_elements=colour`],
    [`Patient?family=o\\'brien`],
    [`${IS}?colour=red`],
  ])('%s', async (url) => {
    const res = await store.handle({ method: 'GET', url });
    expect(res.status).toBe(400);
    const oo = res.body as OperationOutcome;
    expect(oo.resourceType).toBe('OperationOutcome');
    expect(oo.issue[0]?.diagnostics).toBeTruthy();
  });
});

describe('fixes found while documenting search', () => {
  it.each([
    [`${IS}?status=http://hl7.org/fhir/imagingselection-status|available`, ['is-1', 'is-4']], // the system a code's binding implies
    [`Patient?gender=http://hl7.org/fhir/administrative-gender|male`, ['pat-2', 'pat-3']],
    [`${IS}?_id=is-1&_count=5000`, ['is-1']],
  ])('%s → %j', async (url, expected) => {
    expect(await ids(url)).toEqual(expected);
  });

  it.each([[`${IS}?_type=Patient&status=available`], [`${IS}?_sort=code:text`], [`${IS}?_sort=status:bogus`], [`${IS}?identifier=|`]])(
    '%s answers 400 naming the parameter',
    async (url) => {
      const res = await store.handle({ method: 'GET', url });
      expect(res.status).toBe(400);
      expect((res.body as OperationOutcome).issue[0]?.expression?.[0]).toBeTruthy();
    },
  );

  it('the self link shows what was applied', async () => {
    const b = (await store.handle({ method: 'GET', url: `${IS}?_id=is-1&_count=5000` })).body as Bundle;
    expect(b.link?.[0]?.url).toBe(`${IS}?_id=is-1&_count=1000`);
    const all = (await store.handle({ method: 'GET', url: IS })).body as Bundle;
    expect(all.link?.[0]?.url).toBe(IS);
    const lenient = (await store.handle({ method: 'GET', url: `${IS}?_id=is-1&_elements=studyUid,colour`, headers: { Prefer: 'handling=lenient' } })).body as Bundle;
    expect(lenient.link?.[0]?.url).toBe(`${IS}?_id=is-1&_elements=studyUid`);
    expect(JSON.stringify(lenient.entry?.at(-1)?.resource)).toContain('colour');
  });

  it('a system search sorts by a parameter only some of its types have', async () => {
    const b = (await store.handle({ method: 'GET', url: '?_type=ImagingSelection,Patient&_id=is-2,pat-1,is-1&_sort=status' })).body as Bundle;
    expect((b.entry ?? []).map((e) => e.resource?.id)).toEqual(['is-1', 'is-2', 'pat-1']);
  });
});

describe('fixes found by the property test', () => {
  it(':missing sees an element that has a value but no other index key', async () => {
    const s = await openTestStore();
    await s.update({
      resourceType: 'ImagingSelection', id: 'odd', status: 'available', code: { text: 'x' },
      identifier: [{ type: { coding: [{ code: 'MR' }] } }],
      contained: [{ resourceType: 'Patient', id: 'c' }], subject: { reference: '#c' },
    } as never);
    const find = async (q: string) => ((await s.search(IS, q)).entry ?? []).map((e) => e.resource!.id);
    expect(await find('identifier:missing=true')).toEqual([]);
    expect(await find('subject:missing=false')).toEqual(['odd']);
    s.close();
  });
  it('full text works inside _has and chains', async () => {
    expect(await ids('Patient?_has:ImagingSelection:patient:_text=liver')).toEqual(['pat-2']);
    expect(await ids(`ImagingStudy?_has:ImagingSelection:derived-from:_content=metastases`)).toEqual(['st-1']);
  });
});
