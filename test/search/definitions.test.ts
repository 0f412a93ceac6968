import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Resource, SearchParameter } from 'fhir/r5';
import { describe, expect, it } from 'vitest';
import { compileSearchParameter, searchParameterAppliesTo, type CompiledSearchParameterInfo } from '../../src/search/parameters/compile-parameter.js';
import type { CompiledSearchParameter, TypedValue } from '../../src/search/parameters/types.js';
import {
  BUILT_IN_SEARCH_PARAMETERS,
  IMAGING_SELECTION_CODE,
  R5_IMAGING_SELECTION_SEARCH_PARAMETERS,
  R5_TARGET_SEARCH_PARAMETERS,
  SERVICE_REQUEST_CODE,
  builtInParametersFor,
} from '../../src/search/parameters/definitions/index.js';

const R5_DATA = new URL('../../data/hl7-fhir-r5/', import.meta.url);
const EXAMPLES_DIR = new URL('examples/', R5_DATA);
/** The R5 SearchParameters as published (the Bundle the generated table is built from). */
const PUBLISHED = (
  JSON.parse(readFileSync(new URL('searchparameters/r5-searchparameters-imagingselection-and-common.json', R5_DATA), 'utf8')) as { entry: { resource: Record<string, unknown> }[] }
).entry.map((e) => e.resource);
const examples = new Map<string, Resource>(
  readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => {
      const r = JSON.parse(readFileSync(new URL(f, EXAMPLES_DIR), 'utf8')) as Resource;
      return [r.id!, r];
    }),
);

function param(resourceType: string, code: string): CompiledSearchParameter {
  const found = builtInParametersFor(resourceType).find((p) => p.code === code);
  if (!found) throw new Error(`no ${resourceType} parameter ${code}`);
  return found;
}

/** Values of every non-empty parameter of `resource`, by code. */
function valuesOf(resource: Resource): Record<string, TypedValue[]> {
  const out: Record<string, TypedValue[]> = {};
  for (const p of builtInParametersFor(resource.resourceType)) {
    const v = p.extract(resource);
    if (v.length > 0) out[p.code] = v;
  }
  return out;
}

const HTEST = { type: 'Coding', value: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HTEST', display: 'test health data' } };

/** What each official example holds, copied by hand from the JSON files. */
const EXPECTED: { id: string; identifier: string; subject: string; code: string; studyUid: string; derivedFrom: string }[] = [
  { id: 'example-2d-image-region-selection', identifier: 'urn:oid:1.2.840.113747.20080222.3248567223100954657132726086516575.2.1', subject: 'NTCGFHHKYUYKDPQX', code: 'Region selected from image', studyUid: '1.2.840.113747.20080222.324856729726854657132726086516575', derivedFrom: '1.2.840.113747.20080222.324856729726954657132726086516575' },
  { id: 'example-3d-image-region-selection', identifier: 'urn:oid:1.2.840.113747.20080222.189914271934823329266024988586343.2.1', subject: 'PNWYPXNBXMPGMTWX', code: 'Region selected from multiframe CT volume', studyUid: '1.2.840.113747.20080222.189914271934870656966024988586343', derivedFrom: 'urn:oid:1.2.840.113747.20080222.189914271956923329266024988586343' },
  { id: 'example-basic-image-selection', identifier: 'urn:oid:1.2.840.113747.20080222.35738167372924306270412538783781.2.1', subject: 'KUTGIQCVCDRHVBUK', code: 'Key Images', studyUid: '1.2.840.113747.20080222.35738167368354306270412538783781', derivedFrom: 'urn:oid:1.2.840.113747.20080222.35738358372924306270412538783781' },
  { id: 'example-dicom-sr-selection', identifier: 'urn:oid:1.2.840.113747.20080222.95946059916364657859950275.2.1', subject: 'RNKZPSBNZLNADAZV', code: 'Observation within a DICOM SR', studyUid: '1.2.840.113747.20080222.95946058738694657859950275', derivedFrom: 'urn:oid:1.2.840.113747.20080222.95946072916364657859950275' },
  { id: 'example-multiframe-image-selection', identifier: 'urn:oid:1.2.840.113747.20080222.307765875869300980245024554221747.2.1', subject: 'MNSOIISABIDCHRCY', code: 'Key Frames', studyUid: '1.2.840.113747.20080222.307765875869300489345024554221747', derivedFrom: 'urn:oid:1.2.840.113747.20080222.307765875889350980245024554221747' },
  { id: 'example-presentation-state-selection', identifier: 'urn:oid:1.2.840.113747.20080222.104120739293836151163903631439818.2.1', subject: 'WMQVWGBPNPQHAWCO', code: 'Referenced DICOM Grayscale Softcopy Presentation State', studyUid: '1.2.840.113747.20080222.104120739293836153163903631439818', derivedFrom: 'urn:oid:1.2.840.113747.20080222.104120739291289003163903631439818' },
  { id: 'example-segmentation-image-selection', identifier: 'urn:oid:1.2.840.113747.20080222.234082332589842666931650220811572.2.1', subject: 'ISRNEJAWJHZOTNBS', code: 'Segment within a DICOM Segmentation instance', studyUid: '1.2.840.113747.20080222.234082332589846966931650220811572', derivedFrom: 'urn:oid:1.2.840.113747.20080222.234082332592522666931650220811572' },
];

describe('built-in SearchParameters as data', () => {
  it('keeps the 27 R5 ImagingSelection/common entries as published, in their order, with the fields the store reads', () => {
    const kept = ['resourceType', 'id', 'url', 'name', 'status', 'description', 'code', 'base', 'type', 'expression', 'target'];
    const trimmed = PUBLISHED.map((sp) => Object.fromEntries(Object.entries(sp).filter(([k]) => kept.includes(k))));
    expect(R5_IMAGING_SELECTION_SEARCH_PARAMETERS).toEqual(trimmed);
    expect(R5_IMAGING_SELECTION_SEARCH_PARAMETERS).toHaveLength(27);
    // What is left out is metadata only (the 44 KB verbatim copy carried it into every browser bundle).
    const dropped = new Set(PUBLISHED.flatMap((sp) => Object.keys(sp).filter((k) => !kept.includes(k))));
    expect([...dropped].sort()).toEqual(['_base', 'comparator', 'contact', 'date', 'experimental', 'extension', 'jurisdiction', 'processingMode', 'publisher', 'version']);
  });

  it('is what scripts/gen-r5-search-parameters.mjs generates from data/hl7-fhir-r5/searchparameters (not stale)', () => {
    const file = fileURLToPath(new URL('../../src/search/parameters/definitions/r5-imagingselection.ts', import.meta.url));
    const generated = execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/gen-r5-search-parameters.mjs', import.meta.url)), '--stdout'], { encoding: 'utf8' });
    expect(generated === readFileSync(file, 'utf8'), 'run node scripts/gen-r5-search-parameters.mjs').toBe(true);
  });

  it('compiles each generated entry as the published one, for every type it applies to', () => {
    const types = ['ImagingSelection', 'Patient', 'Observation', 'ImagingStudy', 'ServiceRequest', 'Binary', 'Bundle', 'Parameters', 'DiagnosticReport', 'Procedure'];
    const view = (p: CompiledSearchParameterInfo) => ({ ...p, extract: undefined });
    let compared = 0;
    for (const [i, sp] of R5_IMAGING_SELECTION_SEARCH_PARAMETERS.entries()) {
      const published = PUBLISHED[i] as unknown as SearchParameter;
      for (const type of types.filter((t) => searchParameterAppliesTo(published, t))) {
        expect(searchParameterAppliesTo(sp, type)).toBe(true);
        const [mine, theirs] = [compileSearchParameter(sp, type), compileSearchParameter(published, type)];
        expect(view(mine), `${sp.id} for ${type}`).toEqual(view(theirs));
        for (const example of examples.values()) if (example.resourceType === type) expect(mine.extract(example)).toEqual(theirs.extract(example));
        compared++;
      }
      expect(types.filter((t) => searchParameterAppliesTo(sp, t))).toEqual(types.filter((t) => searchParameterAppliesTo(published, t)));
    }
    expect(compared).toBeGreaterThan(150);
  });

  it('lists every built-in once in BUILT_IN_SEARCH_PARAMETERS, with unique ids', () => {
    expect(BUILT_IN_SEARCH_PARAMETERS).toEqual([...R5_IMAGING_SELECTION_SEARCH_PARAMETERS, IMAGING_SELECTION_CODE, ...R5_TARGET_SEARCH_PARAMETERS, SERVICE_REQUEST_CODE]);
    const ids = BUILT_IN_SEARCH_PARAMETERS.map((sp) => sp.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('defines the ImagingSelection code erratum as its own SearchParameter', () => {
    expect(IMAGING_SELECTION_CODE).toMatchObject({
      url: 'http://fhir-offline-store.dev/SearchParameter/ImagingSelection-code',
      code: 'code',
      type: 'token',
      base: ['ImagingSelection'],
      expression: 'ImagingSelection.code',
    });
    const published = R5_IMAGING_SELECTION_SEARCH_PARAMETERS.find((sp) => sp.id === 'clinical-code')!;
    expect(published.expression).toContain('ImagingSelection.status');
  });

  it('gives single-type branches of multi-resource parameters the R5 url and only their type as base', () => {
    const rows = R5_TARGET_SEARCH_PARAMETERS.map((sp) => [sp.url, sp.code, sp.type, (sp.base as string[]).join(), sp.expression, (sp.target as string[] | undefined)?.join() ?? '']);
    expect(rows).toEqual([
      ['http://hl7.org/fhir/SearchParameter/Patient-identifier', 'identifier', 'token', 'Patient', 'Patient.identifier', ''],
      ['http://hl7.org/fhir/SearchParameter/Patient-name', 'name', 'string', 'Patient', 'Patient.name', ''],
      ['http://hl7.org/fhir/SearchParameter/individual-family', 'family', 'string', 'Patient', 'Patient.name.family', ''],
      ['http://hl7.org/fhir/SearchParameter/individual-given', 'given', 'string', 'Patient', 'Patient.name.given', ''],
      ['http://hl7.org/fhir/SearchParameter/individual-birthdate', 'birthdate', 'date', 'Patient', 'Patient.birthDate', ''],
      ['http://hl7.org/fhir/SearchParameter/individual-gender', 'gender', 'token', 'Patient', 'Patient.gender', ''],
      ['http://hl7.org/fhir/SearchParameter/clinical-identifier', 'identifier', 'token', 'ImagingStudy', 'ImagingStudy.identifier', ''],
      ['http://hl7.org/fhir/SearchParameter/clinical-patient', 'patient', 'reference', 'ImagingStudy', 'ImagingStudy.subject.where(resolve() is Patient)', 'Patient'],
      ['http://hl7.org/fhir/SearchParameter/ImagingStudy-subject', 'subject', 'reference', 'ImagingStudy', 'ImagingStudy.subject', 'Device,Group,Patient'],
      ['http://hl7.org/fhir/SearchParameter/ImagingStudy-started', 'started', 'date', 'ImagingStudy', 'ImagingStudy.started', ''],
      ['http://hl7.org/fhir/SearchParameter/ImagingStudy-status', 'status', 'token', 'ImagingStudy', 'ImagingStudy.status', ''],
      ['http://hl7.org/fhir/SearchParameter/ImagingStudy-modality', 'modality', 'token', 'ImagingStudy', 'ImagingStudy.series.modality', ''],
      ['http://hl7.org/fhir/SearchParameter/clinical-identifier', 'identifier', 'token', 'ServiceRequest', 'ServiceRequest.identifier', ''],
      ['http://hl7.org/fhir/SearchParameter/clinical-patient', 'patient', 'reference', 'ServiceRequest', 'ServiceRequest.subject.where(resolve() is Patient)', 'Patient'],
      ['http://hl7.org/fhir/SearchParameter/ServiceRequest-subject', 'subject', 'reference', 'ServiceRequest', 'ServiceRequest.subject', 'Device,Group,Location,Patient'],
      ['http://hl7.org/fhir/SearchParameter/ServiceRequest-code-concept', 'code-concept', 'token', 'ServiceRequest', 'ServiceRequest.code.concept', ''],
      ['http://hl7.org/fhir/SearchParameter/ServiceRequest-status', 'status', 'token', 'ServiceRequest', 'ServiceRequest.status', ''],
      ['http://hl7.org/fhir/SearchParameter/clinical-identifier', 'identifier', 'token', 'BodyStructure', 'BodyStructure.identifier', ''],
      ['http://hl7.org/fhir/SearchParameter/clinical-patient', 'patient', 'reference', 'BodyStructure', 'BodyStructure.patient', 'Patient'],
      ['http://hl7.org/fhir/SearchParameter/Endpoint-identifier', 'identifier', 'token', 'Endpoint', 'Endpoint.identifier', ''],
      ['http://hl7.org/fhir/SearchParameter/Endpoint-name', 'name', 'string', 'Endpoint', 'Endpoint.name', ''],
      ['http://hl7.org/fhir/SearchParameter/Group-identifier', 'identifier', 'token', 'Group', 'Group.identifier', ''],
    ]);
  });

  it('keeps the single-type branches equal to the branch of the published multi-resource parameter', () => {
    for (const sp of R5_TARGET_SEARCH_PARAMETERS.filter((s) => s.url.includes('/clinical-'))) {
      const published = R5_IMAGING_SELECTION_SEARCH_PARAMETERS.find((p) => p.url === sp.url)!;
      expect(published.expression!.split(' | ')).toContain(sp.expression);
      expect(published.base as string[]).toContain((sp.base as string[])[0]);
    }
  });
});

describe('builtInParametersFor', () => {
  it('gives ImagingSelection one parameter per code: its own, the clinical ones and the common ones', () => {
    const codes = builtInParametersFor('ImagingSelection').map((p) => p.code).sort();
    expect(codes).toEqual(
      ['_content', '_filter', '_has', '_id', '_in', '_language', '_lastUpdated', '_list', '_profile', '_query', '_security', '_source', '_tag', '_text', '_type', 'based-on', 'body-site', 'body-structure', 'code', 'derived-from', 'identifier', 'issued', 'patient', 'status', 'study-uid', 'subject'].sort(),
    );
  });

  it('compiles once per type and caches', () => {
    const a = builtInParametersFor('ImagingSelection');
    const b = builtInParametersFor('ImagingSelection');
    expect(a).not.toBe(b);
    a.forEach((p, i) => expect(p).toBe(b[i]));
  });

  it('lets the erratum take precedence over clinical-code for ImagingSelection', () => {
    const code = param('ImagingSelection', 'code');
    expect(code.url).toBe('http://fhir-offline-store.dev/SearchParameter/ImagingSelection-code');
    expect(code.expression).toBe('ImagingSelection.code');
    expect(code.extract(examples.get('example-basic-image-selection')!)).toEqual([{ type: 'CodeableConcept', value: { text: 'Key Images' } }]);
    // Other clinical-code types keep the published definition.
    expect(param('Observation', 'code').url).toBe('http://hl7.org/fhir/SearchParameter/clinical-code');
  });

  it('picks DomainResource _text (special) for domain resources and Resource _text for Bundle', () => {
    expect(param('ImagingSelection', '_text')).toMatchObject({ url: 'http://hl7.org/fhir/SearchParameter/DomainResource-text', type: 'special' });
    expect(param('Bundle', '_text')).toMatchObject({ url: 'http://hl7.org/fhir/SearchParameter/Resource-text', type: 'string' });
  });

  it('applies the common parameters to every type', () => {
    for (const t of ['Patient', 'ImagingStudy', 'ServiceRequest', 'BodyStructure', 'Endpoint', 'Group', 'Bundle', 'Observation']) {
      const codes = builtInParametersFor(t).map((p) => p.code);
      expect(codes).toEqual(expect.arrayContaining(['_id', '_lastUpdated', '_tag', '_profile', '_security', '_source', '_language', '_text', '_has']));
    }
  });

  it('extracts nothing for the parameters the engine handles', () => {
    const r = { resourceType: 'ImagingSelection', id: 'x', status: 'available', code: {}, text: { status: 'generated', div: '<div>x</div>' } } as Resource;
    for (const code of ['_text', '_content', '_has', '_type', '_filter', '_query', '_list', '_in']) expect(param('ImagingSelection', code).extract(r)).toEqual([]);
  });

  it('refuses a type that is not an R5 resource', () => {
    expect(() => builtInParametersFor('Imagingselection')).toThrow(TypeError);
  });
});

describe('ImagingSelection parameters on the official examples', () => {
  it.each(EXPECTED)('$id', (e) => {
    const subject = { type: 'Reference', value: { type: 'Patient', identifier: { system: 'https://fhirhospital.org', value: e.subject } } };
    expect(valuesOf(examples.get(e.id)!)).toEqual({
      _id: [{ type: 'id', value: e.id }],
      _tag: [HTEST],
      identifier: [{ type: 'Identifier', value: { system: 'urn:dicom:uid', value: e.identifier } }],
      // The examples give subject.type = Patient, so the identifier-only reference still counts as a Patient.
      patient: [subject],
      subject: [subject],
      code: [{ type: 'CodeableConcept', value: { text: e.code } }],
      'derived-from': [{ type: 'Reference', value: { type: 'ImagingStudy', identifier: { system: 'urn:dicom:uid', value: e.derivedFrom } } }],
      status: [{ type: 'code', value: 'available' }],
      'study-uid': [{ type: 'id', value: e.studyUid }],
    });
  });
});

describe('ImagingSelection parameters on hand-made resources', () => {
  const full = {
    resourceType: 'ImagingSelection',
    id: 'sel-1',
    meta: {
      versionId: '3',
      lastUpdated: '2025-02-03T04:05:06.789Z',
      source: 'http://device.example/ws-1',
      profile: ['http://example.org/StructureDefinition/key-images'],
      security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }],
      tag: [{ system: 'http://example.org/tags', code: 'reviewed' }, { code: 'second' }],
    },
    language: 'en-AU',
    identifier: [{ system: 'urn:dicom:uid', value: 'urn:oid:1.2.3' }, { value: 'local-7' }],
    status: 'available',
    issued: '2025-02-03T04:05:06Z',
    subject: { reference: 'Patient/p1' },
    basedOn: [{ reference: 'ServiceRequest/sr1' }, { reference: 'http://server/fhir/Task/t1' }],
    code: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '113000' }] },
    studyUid: '1.2.840.1',
    derivedFrom: [{ reference: 'ImagingStudy/st1' }],
    bodySite: [
      { concept: { coding: [{ system: 'http://snomed.info/sct', code: '80891009' }], text: 'Heart' } },
      { reference: { reference: 'BodyStructure/bs1' } },
      { concept: { text: 'Left ventricle' }, reference: { reference: 'BodyStructure/bs2' } },
    ],
  } as unknown as Resource;

  it('extracts every parameter with its FHIR type', () => {
    expect(valuesOf(full)).toEqual({
      _id: [{ type: 'id', value: 'sel-1' }],
      _language: [{ type: 'code', value: 'en-AU' }],
      _lastUpdated: [{ type: 'instant', value: '2025-02-03T04:05:06.789Z' }],
      _profile: [{ type: 'canonical', value: 'http://example.org/StructureDefinition/key-images' }],
      _security: [{ type: 'Coding', value: { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' } }],
      _source: [{ type: 'uri', value: 'http://device.example/ws-1' }],
      _tag: [
        { type: 'Coding', value: { system: 'http://example.org/tags', code: 'reviewed' } },
        { type: 'Coding', value: { code: 'second' } },
      ],
      identifier: [
        { type: 'Identifier', value: { system: 'urn:dicom:uid', value: 'urn:oid:1.2.3' } },
        { type: 'Identifier', value: { value: 'local-7' } },
      ],
      patient: [{ type: 'Reference', value: { reference: 'Patient/p1' } }],
      subject: [{ type: 'Reference', value: { reference: 'Patient/p1' } }],
      code: [{ type: 'CodeableConcept', value: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '113000' }] } }],
      'based-on': [
        { type: 'Reference', value: { reference: 'ServiceRequest/sr1' } },
        { type: 'Reference', value: { reference: 'http://server/fhir/Task/t1' } },
      ],
      'body-site': [
        { type: 'CodeableConcept', value: { coding: [{ system: 'http://snomed.info/sct', code: '80891009' }], text: 'Heart' } },
        { type: 'CodeableConcept', value: { text: 'Left ventricle' } },
      ],
      'body-structure': [
        { type: 'Reference', value: { reference: 'BodyStructure/bs1' } },
        { type: 'Reference', value: { reference: 'BodyStructure/bs2' } },
      ],
      'derived-from': [{ type: 'Reference', value: { reference: 'ImagingStudy/st1' } }],
      issued: [{ type: 'instant', value: '2025-02-03T04:05:06Z' }],
      status: [{ type: 'code', value: 'available' }],
      'study-uid': [{ type: 'id', value: '1.2.840.1' }],
    });
  });

  const withSubject = (subject: unknown): Resource => ({ resourceType: 'ImagingSelection', status: 'available', code: {}, subject }) as unknown as Resource;

  it.each([
    ['relative', { reference: 'Patient/x' }, true],
    ['absolute', { reference: 'http://server/fhir/Patient/x' }, true],
    ['versioned', { reference: 'Patient/x/_history/2' }, true],
    ['absolute versioned', { reference: 'https://server/fhir/Patient/x/_history/2' }, true],
    ['by type and identifier', { type: 'Patient', identifier: { system: 'urn:mrn', value: '7' } }, true],
    ['Group', { reference: 'Group/g' }, false],
    ['Device by type', { type: 'Device', identifier: { value: 'd' } }, false],
    ['identifier only, no type', { identifier: { system: 'urn:mrn', value: '7' } }, false],
    ['contained', { reference: '#p1' }, false],
    ['contained, typed', { reference: '#p1', type: 'Patient' }, true],
    ['urn:uuid', { reference: 'urn:uuid:7c2c4d4e-6f0a-4c1e-9a7b-2f3c1d5e6a7b' }, false],
    ['Patient-like id under another type', { reference: 'Group/Patient' }, false],
    ['display only', { display: 'John' }, false],
  ])('patient keeps only Patient references: %s', (_label, subject, kept) => {
    const r = withSubject(subject);
    expect(param('ImagingSelection', 'patient').extract(r)).toEqual(kept ? [{ type: 'Reference', value: subject }] : []);
    // subject keeps every reference.
    expect(param('ImagingSelection', 'subject').extract(r)).toEqual([{ type: 'Reference', value: subject }]);
  });

  it('finds nothing in a minimal ImagingSelection but status and code', () => {
    expect(valuesOf({ resourceType: 'ImagingSelection', status: 'unknown', code: { text: 't' } } as Resource)).toEqual({
      status: [{ type: 'code', value: 'unknown' }],
      code: [{ type: 'CodeableConcept', value: { text: 't' } }],
    });
  });

  it('skips primitives that carry only extensions, and null array slots', () => {
    const r = {
      resourceType: 'ImagingSelection',
      code: {},
      _status: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] },
      _issued: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] },
      meta: { profile: [null, 'http://p'], _profile: [{ id: 'x' }, null] },
    } as unknown as Resource;
    expect(param('ImagingSelection', 'status').extract(r)).toEqual([]);
    expect(param('ImagingSelection', 'issued').extract(r)).toEqual([]);
    expect(param('ImagingSelection', '_profile').extract(r)).toEqual([{ type: 'canonical', value: 'http://p' }]);
  });
});

describe('target parameters on hand-made resources', () => {
  it('Patient', () => {
    const p = {
      resourceType: 'Patient',
      id: 'p1',
      identifier: [{ system: 'urn:mrn', value: '123' }],
      name: [
        { use: 'official', family: 'Doe', given: ['Jane', 'Q'] },
        { text: 'J. Doe', given: ['Janie'] },
      ],
      birthDate: '1970-03',
      gender: 'female',
    } as Resource;
    expect(valuesOf(p)).toEqual({
      _id: [{ type: 'id', value: 'p1' }],
      identifier: [{ type: 'Identifier', value: { system: 'urn:mrn', value: '123' } }],
      name: [
        { type: 'HumanName', value: { use: 'official', family: 'Doe', given: ['Jane', 'Q'] } },
        { type: 'HumanName', value: { text: 'J. Doe', given: ['Janie'] } },
      ],
      family: [{ type: 'string', value: 'Doe' }],
      given: [
        { type: 'string', value: 'Jane' },
        { type: 'string', value: 'Q' },
        { type: 'string', value: 'Janie' },
      ],
      birthdate: [{ type: 'date', value: '1970-03' }],
      gender: [{ type: 'code', value: 'female' }],
    });
  });

  it('ImagingStudy (modality is series.modality, a CodeableConcept in R5)', () => {
    const CT = { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }] };
    const SR = { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'SR' }] };
    const s = {
      resourceType: 'ImagingStudy',
      id: 'st1',
      identifier: [{ system: 'urn:dicom:uid', value: 'urn:oid:2.16.124.113543' }],
      status: 'available',
      subject: { reference: 'http://server/fhir/Patient/p1' },
      started: '2017-01-01T11:01:20+03:00',
      series: [
        { uid: '2.16.124.1', modality: CT },
        { uid: '2.16.124.2', modality: SR },
      ],
    } as Resource;
    expect(valuesOf(s)).toEqual({
      _id: [{ type: 'id', value: 'st1' }],
      identifier: [{ type: 'Identifier', value: { system: 'urn:dicom:uid', value: 'urn:oid:2.16.124.113543' } }],
      patient: [{ type: 'Reference', value: { reference: 'http://server/fhir/Patient/p1' } }],
      subject: [{ type: 'Reference', value: { reference: 'http://server/fhir/Patient/p1' } }],
      started: [{ type: 'dateTime', value: '2017-01-01T11:01:20+03:00' }],
      status: [{ type: 'code', value: 'available' }],
      modality: [
        { type: 'CodeableConcept', value: CT },
        { type: 'CodeableConcept', value: SR },
      ],
    });
    const ofGroup = { ...s, subject: { reference: 'Group/g1' } } as Resource;
    expect(param('ImagingStudy', 'patient').extract(ofGroup)).toEqual([]);
    expect(param('ImagingStudy', 'subject').extract(ofGroup)).toEqual([{ type: 'Reference', value: { reference: 'Group/g1' } }]);
  });

  it('ServiceRequest (code and code-concept read code.concept)', () => {
    const concept = { coding: [{ system: 'http://loinc.org', code: '24627-2' }], text: 'Chest CT' };
    const sr = {
      resourceType: 'ServiceRequest',
      id: 'sr1',
      identifier: [{ value: 'ORD-1' }],
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/p1' },
      code: { concept, reference: { reference: 'ActivityDefinition/ad1' } },
    } as Resource;
    expect(valuesOf(sr)).toEqual({
      _id: [{ type: 'id', value: 'sr1' }],
      identifier: [{ type: 'Identifier', value: { value: 'ORD-1' } }],
      patient: [{ type: 'Reference', value: { reference: 'Patient/p1' } }],
      subject: [{ type: 'Reference', value: { reference: 'Patient/p1' } }],
      'code-concept': [{ type: 'CodeableConcept', value: concept }],
      code: [{ type: 'CodeableConcept', value: concept }],
      status: [{ type: 'code', value: 'active' }],
    });
    expect(param('ServiceRequest', 'patient').extract({ ...sr, subject: { reference: 'Location/l1' } } as Resource)).toEqual([]);
  });

  it('BodyStructure', () => {
    const b = {
      resourceType: 'BodyStructure',
      id: 'bs1',
      identifier: [{ system: 'urn:body', value: 'lv' }],
      patient: { reference: 'Patient/p1' },
      includedStructure: [{ structure: { text: 'Left ventricle' } }],
    } as Resource;
    expect(valuesOf(b)).toEqual({
      _id: [{ type: 'id', value: 'bs1' }],
      identifier: [{ type: 'Identifier', value: { system: 'urn:body', value: 'lv' } }],
      patient: [{ type: 'Reference', value: { reference: 'Patient/p1' } }],
    });
  });

  it('Endpoint', () => {
    const e = {
      resourceType: 'Endpoint',
      id: 'ep1',
      identifier: [{ system: 'urn:ep', value: 'pacs' }],
      name: 'PACS WADO-RS',
      status: 'active',
      address: 'https://pacs.example/wado',
    } as Resource;
    expect(valuesOf(e)).toEqual({
      _id: [{ type: 'id', value: 'ep1' }],
      identifier: [{ type: 'Identifier', value: { system: 'urn:ep', value: 'pacs' } }],
      name: [{ type: 'string', value: 'PACS WADO-RS' }],
    });
  });

  it('Group', () => {
    const g = { resourceType: 'Group', id: 'g1', identifier: [{ value: 'cohort-1' }], type: 'person', membership: 'enumerated' } as Resource;
    expect(valuesOf(g)).toEqual({
      _id: [{ type: 'id', value: 'g1' }],
      identifier: [{ type: 'Identifier', value: { value: 'cohort-1' } }],
    });
  });
});
