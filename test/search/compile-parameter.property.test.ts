import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { Resource } from 'fhir/r5';
import { describe, expect, it } from 'vitest';
import { loadFhirPath } from '../../src/model/fhirpath-engine.js';
import { compileForAllBases, compileSearchParameter, compileWithFhirPath, type CompiledSearchParameterInfo } from '../../src/search/parameters/compile-parameter.js';
import { BUILT_IN_SEARCH_PARAMETERS } from '../../src/search/parameters/definitions/index.js';
import type { PathExtractor } from '../../src/search/parameters/simple-path.js';

// The engine-backed functions are called directly here: load fhirpath.js as the store does before it calls them.
await loadFhirPath();

/*
 * The fast path must give exactly what fhirpath.js gives (values, types, order) for every built-in
 * expression. fhirpath.js runs with `resolve() is T` replaced by the same Reference test (refIs), so the
 * comparison covers navigation and typing; the filter itself has its own table in compile-parameter.test.ts.
 */

const EXAMPLES_DIR = new URL('../../data/hl7-fhir-r5/examples/', import.meta.url);
const examples = readdirSync(EXAMPLES_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(new URL(f, EXAMPLES_DIR), 'utf8')) as Resource);

const TYPES = ['ImagingSelection', 'Patient', 'ImagingStudy', 'ServiceRequest', 'BodyStructure', 'Endpoint', 'Group'] as const;

/** Every built-in compiled for the types above, paired with fhirpath.js on the same expression. */
const pairs: { label: string; type: string; fast: PathExtractor; slow: PathExtractor }[] = [];
for (const sp of BUILT_IN_SEARCH_PARAMETERS) {
  for (const c of compileForAllBases(sp) as CompiledSearchParameterInfo[]) {
    if (!(TYPES as readonly string[]).includes(c.resourceType) || c.expression === undefined || c.strategy !== 'simple-path') continue;
    pairs.push({ label: `${c.code} ${c.expression}`, type: c.resourceType, fast: c.extract, slow: compileWithFhirPath(c.expression) });
  }
}

function sameAsFhirPath(resource: Resource): void {
  for (const p of pairs) {
    if (p.type !== resource.resourceType) continue;
    expect(p.fast(resource), p.label).toEqual(p.slow(resource));
  }
}

// ------------------------------------------------------------------------------------------------------
// Arbitrary resources: the elements the built-ins read, with the shapes JSON allows (arrays, null slots,
// primitives carrying only extensions) and every form of reference.
// ------------------------------------------------------------------------------------------------------

const token = fc.stringMatching(/^[A-Za-z0-9.\-]{1,12}$/);
const uri = fc.constantFrom('urn:dicom:uid', 'http://snomed.info/sct', 'http://loinc.org', 'urn:ietf:rfc:3986', 'https://fhirhospital.org');
const coding = fc.record({ system: uri, code: token, display: fc.string({ maxLength: 8 }) }, { requiredKeys: [] });
const concept = fc.record({ coding: fc.array(coding, { maxLength: 3 }), text: fc.string({ maxLength: 10 }) }, { requiredKeys: [] });
const identifier = fc.record({ system: uri, value: token, use: fc.constantFrom('usual', 'official') }, { requiredKeys: [] });
const resourceTypeName = fc.constantFrom('Patient', 'Group', 'Device', 'Location', 'ImagingStudy', 'ServiceRequest', 'BodyStructure', 'Task');
const reference = fc.oneof(
  fc.record({ reference: fc.tuple(resourceTypeName, token).map(([t, id]) => `${t}/${id}`) }),
  fc.record({ reference: fc.tuple(resourceTypeName, token).map(([t, id]) => `http://server.example/fhir/${t}/${id}/_history/2`) }),
  fc.record({ type: resourceTypeName, identifier }),
  fc.record({ reference: fc.constant('#contained'), type: fc.option(resourceTypeName, { nil: undefined }) }, { requiredKeys: ['reference'] }),
  fc.record({ display: fc.string({ maxLength: 6 }) }),
);
const instant = fc.date({ min: new Date('1990-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
const partialDate = fc.constantFrom('1970', '1970-03', '1970-03-04');
const dataAbsent = fc.constant({ extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] });
/** A repeating element: an array, sometimes with a null slot. */
const many = <T>(arb: fc.Arbitrary<T>) => fc.array(fc.option(arb, { nil: null, freq: 6 }), { maxLength: 3 });

const meta = fc.record(
  {
    lastUpdated: instant,
    source: fc.constantFrom('http://device.example/ws-1', 'urn:uuid:1'),
    profile: many(fc.constantFrom('http://example.org/StructureDefinition/a', 'http://hl7.org/fhir/StructureDefinition/ImagingSelection')),
    security: fc.array(coding, { maxLength: 2 }),
    tag: fc.array(coding, { maxLength: 3 }),
  },
  { requiredKeys: [] },
);
const common = { id: token, meta, language: fc.constantFrom('en', 'en-AU', 'fr'), identifier: many(identifier), _language: dataAbsent };

const imagingSelection = fc.record(
  {
    resourceType: fc.constant('ImagingSelection' as const),
    ...common,
    status: fc.constantFrom('available', 'entered-in-error', 'unknown'),
    _status: dataAbsent,
    issued: instant,
    _issued: dataAbsent,
    subject: reference,
    basedOn: many(reference),
    code: concept,
    studyUid: token,
    derivedFrom: many(reference),
    bodySite: many(fc.record({ concept, reference }, { requiredKeys: [] })),
  },
  { requiredKeys: ['resourceType'] },
);
const humanName = fc.record({ family: fc.string({ maxLength: 8 }), given: many(fc.string({ minLength: 1, maxLength: 6 })), text: fc.string({ maxLength: 8 }) }, { requiredKeys: [] });
const patient = fc.record(
  { resourceType: fc.constant('Patient' as const), ...common, name: many(humanName), birthDate: partialDate, _birthDate: dataAbsent, gender: fc.constantFrom('female', 'male', 'other', 'unknown') },
  { requiredKeys: ['resourceType'] },
);
const imagingStudy = fc.record(
  {
    resourceType: fc.constant('ImagingStudy' as const),
    ...common,
    status: fc.constantFrom('available', 'registered'),
    subject: reference,
    started: fc.oneof(instant, partialDate),
    series: many(fc.record({ uid: token, modality: concept }, { requiredKeys: [] })),
  },
  { requiredKeys: ['resourceType'] },
);
const serviceRequest = fc.record(
  {
    resourceType: fc.constant('ServiceRequest' as const),
    ...common,
    status: fc.constantFrom('active', 'draft'),
    subject: reference,
    code: fc.record({ concept, reference }, { requiredKeys: [] }),
  },
  { requiredKeys: ['resourceType'] },
);
const bodyStructure = fc.record({ resourceType: fc.constant('BodyStructure' as const), ...common, patient: reference }, { requiredKeys: ['resourceType'] });
const endpoint = fc.record({ resourceType: fc.constant('Endpoint' as const), ...common, name: fc.string({ maxLength: 10 }), _name: dataAbsent }, { requiredKeys: ['resourceType'] });
const group = fc.record({ resourceType: fc.constant('Group' as const), ...common }, { requiredKeys: ['resourceType'] });

const anyResource = fc.oneof(imagingSelection, patient, imagingStudy, serviceRequest, bodyStructure, endpoint, group) as unknown as fc.Arbitrary<Resource>;

describe('fast path ≡ fhirpath.js on the built-in expressions', () => {
  it('covers every built-in of the store’s resource types', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(90);
    expect(new Set(pairs.map((p) => p.type))).toEqual(new Set(TYPES));
  });

  it.each(examples.map((e) => [e.id!, e] as const))('official example %s', (_id, resource) => {
    sameAsFhirPath(resource);
  });

  it('hand-made resources', () => {
    sameAsFhirPath({
      resourceType: 'ImagingSelection',
      id: 'h',
      meta: { lastUpdated: '2025-01-01T00:00:00Z', tag: [{ code: 'a' }], profile: ['http://p'], security: [{ code: 'R' }], source: 'http://s' },
      language: 'en',
      status: 'available',
      issued: '2025-01-01T00:00:00Z',
      subject: { reference: 'Patient/p' },
      basedOn: [{ reference: 'ServiceRequest/s' }],
      code: { text: 'c' },
      bodySite: [{ concept: { text: 'b' } }, { reference: { reference: 'BodyStructure/b' } }],
      derivedFrom: [{ reference: 'ImagingStudy/i' }],
      studyUid: '1.2',
    } as Resource);
    // Non-repeating elements given as arrays and repeating ones given singly are read the same way.
    sameAsFhirPath({ resourceType: 'ImagingSelection', subject: [{ reference: 'Patient/p' }, { reference: 'Group/g' }], identifier: { value: 'single' } } as unknown as Resource);
    sameAsFhirPath({ resourceType: 'Patient', name: [{ given: ['a', null, 'c'], _given: [null, { id: 'x' }, null] }], _gender: { id: 'g' } } as unknown as Resource);
  });

  it('arbitrary resources', () => {
    fc.assert(
      fc.property(anyResource, (r) => {
        sameAsFhirPath(r);
      }),
      { numRuns: 300 },
    );
  });
});

describe('fast path ≡ fhirpath.js beyond the built-ins', () => {
  const quantity = fc.record({ value: fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }), unit: fc.constantFrom('mg', 'mm') }, { requiredKeys: ['value'] });
  const valueX = fc.oneof(
    quantity.map((v) => ({ valueQuantity: v })),
    concept.map((v) => ({ valueCodeableConcept: v })),
    fc.string({ maxLength: 5 }).map((v) => ({ valueString: v })),
    fc.integer().map((v) => ({ valueInteger: v })),
    fc.boolean().map((v) => ({ valueBoolean: v })),
    instant.map((v) => ({ valueDateTime: v })),
    fc.record({ start: instant, end: instant }, { requiredKeys: [] }).map((v) => ({ valuePeriod: v })),
    fc.constant({}),
  );
  const observation = fc
    .tuple(valueX, many(fc.tuple(concept, valueX)), fc.option(reference, { nil: undefined }))
    .map(([v, comps, subject]) => ({
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'o' },
      ...v,
      ...(subject === undefined ? {} : { subject }),
      component: comps.map((c) => (c === null ? null : { code: c[0], ...c[1] })),
    })) as unknown as fc.Arbitrary<Resource>;

  const EXPRESSIONS = [
    'Observation.value',
    'Observation.value.ofType(Quantity)',
    '(Observation.value as Quantity)',
    'Observation.value.ofType(Quantity).value',
    'Observation.value.ofType(Quantity).unit',
    'Observation.value.ofType(string)',
    'Observation.value.ofType(CodeableConcept).coding.code',
    'Observation.value.ofType(Period).start',
    'Observation.component.value',
    'Observation.component.code.coding',
    'Observation.component.value.ofType(CodeableConcept)',
    'Observation.component.value.ofType(integer)',
    'Observation.code | Observation.component.code',
    'Observation.subject.where(resolve() is Patient or resolve() is Group)',
    'Observation.subject.identifier.value',
  ];
  const compiled = EXPRESSIONS.map((e) => {
    const c = compileSearchParameter({ resourceType: 'SearchParameter', url: 'u', name: 'n', status: 'active', description: 'd', code: 'c', type: 'token', base: ['Observation'], expression: e } as never, 'Observation');
    expect(c.strategy, e).toBe('simple-path');
    return { e, fast: c.extract, slow: compileWithFhirPath(e) };
  });

  it('choice types, ofType/as, nested repeats and unions on arbitrary Observations', () => {
    fc.assert(
      fc.property(observation, (r) => {
        for (const c of compiled) expect(c.fast(r), c.e).toEqual(c.slow(r));
      }),
      { numRuns: 300 },
    );
  });
});
