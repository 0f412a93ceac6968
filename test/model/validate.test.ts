import { readFileSync, readdirSync } from 'node:fs';
import type { OperationOutcomeIssue } from 'fhir/r5';
import { beforeAll, describe, expect, it } from 'vitest';
import { FhirError } from '../../src/errors/fhir-error.js';
import { checkResource, type ValidationIssue } from '../../src/model/validate/index.js';
import { loadValidation } from '../../src/model/validate/load.js';
import { validateResource } from '../../src/rest/validation.js';

// Narratives are checked with an XML parser that loads on demand; the store loads it before validating.
beforeAll(() => loadValidation());

// The official examples are kept in the repository, data/hl7-fhir-r5/examples/.
const EXAMPLES_DIR = new URL('../../data/hl7-fhir-r5/examples/', import.meta.url);

// Test data is raw JSON: mutations reach anywhere, so it is typed loosely on purpose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const exampleFiles = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json')).sort();
const examples = new Map<string, Json>(
  exampleFiles.map((f) => [f, JSON.parse(readFileSync(new URL(f, EXAMPLES_DIR), 'utf8')) as Json]),
);

/** A fresh copy of an official example (default: the 2D region one, which has every backbone but performer). */
function example(kind: '2d' | '3d' | 'basic' = '2d'): Json {
  const file = {
    '2d': 'ImagingSelection-example-2d-image-region-selection.json',
    '3d': 'ImagingSelection-example-3d-image-region-selection.json',
    basic: 'ImagingSelection-example-basic-image-selection.json',
  }[kind];
  const found = examples.get(file);
  if (!found) throw new Error(`missing example ${file}`);
  return structuredClone(found);
}

/** Adds an own enumerable property even for `__proto__` (an assignment would set the prototype). */
function defineOwn(target: Json, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
}

/** Runs the validator expecting failure; returns the HTTP status and the issues. */
function failure(input: unknown): { status: number; issues: ValidationIssue[] } {
  const found = checkResource(input);
  if (!found) throw new Error('expected the resource to be refused');
  return { status: found.status, issues: found.issues };
}

const expressionsOf = (issues: ValidationIssue[]): string[] => issues.flatMap((i) => i.expression ?? []);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

describe('checkResource: official R5 ImagingSelection examples', () => {
  it('finds all 7 examples', () => {
    expect(exampleFiles).toHaveLength(7);
  });

  it.each(exampleFiles)('%s is valid and returned as is, unmutated', (file) => {
    const resource = examples.get(file);
    const before = structuredClone(resource);
    expect(checkResource(resource)).toBeUndefined();
    expect(resource).toEqual(before);
  });

  it('validates deep-frozen input (never writes to it)', () => {
    const frozen = deepFreeze(example('3d'));
    expect(checkResource(frozen)).toBeUndefined();
  });

  it('accepts a resource without id (create) and every optional element filled in', () => {
    const r = example();
    delete r.id;
    Object.assign(r, {
      implicitRules: 'http://example.org/rules',
      language: 'en-US',
      _status: { id: 's1', extension: [{ url: 'http://example.org/why', valueString: 'checked' }] },
      issued: '2023-03-26T15:21:02.749+11:00',
      performer: [
        {
          id: 'p1',
          function: { coding: [{ system: 'http://example.org/fn', code: 'reader', userSelected: true }] },
          actor: { reference: 'Practitioner/pr-1', display: 'Dr A' },
          modifierExtension: [{ url: 'http://example.org/m', valueBoolean: false }],
        },
      ],
      basedOn: [{ reference: 'ServiceRequest/sr-1' }],
      category: [{ text: 'key images' }],
      endpoint: [{ reference: 'Endpoint/wado' }],
      seriesNumber: 0,
      bodySite: { concept: { text: 'chest' }, reference: { reference: 'BodyStructure/b1' } },
      focus: [{ reference: '#sel' }],
      extension: [
        { url: 'http://example.org/q', valueQuantity: { value: 1.5, comparator: '<', unit: 'mm' } },
        { url: 'http://example.org/p', valuePeriod: { start: '2020', end: '2020-02-03T04:05:06Z' } },
        { url: 'http://example.org/n', extension: [{ url: 'a', valueInteger64: '9007199254740993' }] },
        { url: 'http://example.org/t', valueTiming: { repeat: { frequency: 2 } } },
        { url: 'http://example.org/c', _valueCode: { extension: [{ url: 'http://example.org/da', valueCode: 'unknown' }] } },
        { url: 'http://example.org/a', valueAnnotation: { authorString: 'me', text: '**note**' } },
        { url: 'http://example.org/h', valueHumanName: { use: 'official', given: ['A', 'B'] } },
        { url: 'http://example.org/x', valueAttachment: { contentType: 'text/plain; charset=UTF-8', data: 'aGVsbG8=' } },
      ],
      contained: [
        { resourceType: 'Patient', id: 'pat', name: [{ family: 'Doe' }] },
        { resourceType: 'ImagingSelection', id: 'sel', status: 'unknown', code: { text: 'inner' } },
      ],
    });
    r.identifier[0].use = 'official';
    r.identifier[0].period = { start: '2019-01-01' };
    r.identifier[0].assigner = { display: 'PACS' };
    r.meta.versionId = '3';
    r.meta.lastUpdated = '2023-03-01T23:03:57.298+11:00';
    r.meta.source = 'urn:uuid:2f9a8b1c-0d3e-4f5a-8b6c-7d8e9f0a1b2c';
    r.meta.profile = ['http://hl7.org/fhir/StructureDefinition/ImagingSelection'];
    r.meta.security = [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'N' }];
    Object.assign(r.instance[0], {
      id: 'i1',
      number: 7,
      subset: ['1', null, '3'],
      _subset: [null, { extension: [{ url: 'http://example.org/frame', valueId: 'f2' }] }, null],
      imageRegion3D: [{ regionType: 'ellipsoid', coordinate: Array.from({ length: 18 }, (_, i) => i - 9) }],
    });
    r.instance[0].imageRegion2D[0].coordinate = [1, null];
    r.instance[0].imageRegion2D[0]._coordinate = [null, { extension: [{ url: 'http://example.org/y', valueDecimal: 2 }] }];
    expect(checkResource(r)).toBeUndefined();
  });

  it('counts a primitive carried only by its _element (e.g. data-absent-reason) as present', () => {
    const r = example();
    delete r.status;
    r._status = { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] };
    expect(checkResource(r)).toBeUndefined();
  });

  it('accepts every code of the required bindings', () => {
    for (const status of ['available', 'entered-in-error', 'unknown']) {
      expect(checkResource({ ...example(), status })).toBeUndefined();
    }
    for (const regionType of ['point', 'polyline', 'interpolated', 'circle', 'ellipse']) {
      const r = example();
      r.instance[0].imageRegion2D[0].regionType = regionType;
      expect(checkResource(r)).toBeUndefined();
    }
    for (const regionType of ['point', 'multipoint', 'polyline', 'polygon', 'ellipse', 'ellipsoid']) {
      const r = example('3d');
      r.instance[0].imageRegion3D[0].regionType = regionType;
      expect(checkResource(r)).toBeUndefined();
    }
  });
});

interface BadInput {
  name: string;
  from?: '2d' | '3d' | 'basic';
  mutate: (r: Json) => void;
  status: 400 | 422;
  code: OperationOutcomeIssue['code'];
  expression: string;
}

const IS = 'ImagingSelection';
const REGION_2D = `${IS}.instance[0].imageRegion2D[0]`;
const REGION_3D = `${IS}.instance[0].imageRegion3D[0]`;

const BAD_INPUTS: BadInput[] = [
  // 422: cardinality, required bindings, invariants, business rules
  { name: 'missing status', mutate: (r) => delete r.status, status: 422, code: 'required', expression: `${IS}.status` },
  { name: 'status outside its required value set', mutate: (r) => (r.status = 'final'), status: 422, code: 'code-invalid', expression: `${IS}.status` },
  { name: 'missing code', mutate: (r) => delete r.code, status: 422, code: 'required', expression: `${IS}.code` },
  { name: 'instance.uid missing', mutate: (r) => delete r.instance[0].uid, status: 422, code: 'required', expression: `${IS}.instance[0].uid` },
  { name: '2D region with 3 coordinates', mutate: (r) => (r.instance[0].imageRegion2D[0].coordinate = [1, 2, 3]), status: 422, code: 'business-rule', expression: `${REGION_2D}.coordinate` },
  { name: '3D region with 4 coordinates', from: '3d', mutate: (r) => (r.instance[0].imageRegion3D[0].coordinate = [1, 2, 3, 4]), status: 422, code: 'business-rule', expression: `${REGION_3D}.coordinate` },
  { name: '2D regionType polygon (a 3D-only code)', mutate: (r) => (r.instance[0].imageRegion2D[0].regionType = 'polygon'), status: 422, code: 'code-invalid', expression: `${REGION_2D}.regionType` },
  { name: '3D regionType circle (a 2D-only code)', from: '3d', mutate: (r) => (r.instance[0].imageRegion3D[0].regionType = 'circle'), status: 422, code: 'code-invalid', expression: `${REGION_3D}.regionType` },
  { name: '2D region without regionType', mutate: (r) => delete r.instance[0].imageRegion2D[0].regionType, status: 422, code: 'required', expression: `${REGION_2D}.regionType` },
  { name: '2D region without coordinate', mutate: (r) => delete r.instance[0].imageRegion2D[0].coordinate, status: 422, code: 'required', expression: `${REGION_2D}.coordinate` },
  { name: '3D region without regionType', from: '3d', mutate: (r) => delete r.instance[0].imageRegion3D[0].regionType, status: 422, code: 'required', expression: `${REGION_3D}.regionType` },
  { name: 'extension with both value and extension (ext-1)', mutate: (r) => (r.extension = [{ url: 'http://x.org/e', valueString: 'a', extension: [{ url: 'n', valueBoolean: true }] }]), status: 422, code: 'invariant', expression: `${IS}.extension[0]` },
  { name: 'extension with neither value nor extension (ext-1)', mutate: (r) => (r.instance[0].modifierExtension = [{ url: 'http://x.org/e' }]), status: 422, code: 'invariant', expression: `${IS}.instance[0].modifierExtension[0]` },
  { name: 'extension without url', mutate: (r) => (r.extension = [{ valueString: 'a' }]), status: 422, code: 'required', expression: `${IS}.extension[0].url` },
  { name: 'contained with nested contained (dom-2)', mutate: (r) => (r.contained = [{ resourceType: 'Patient', id: 'p', contained: [{ resourceType: 'Patient', id: 'q' }] }]), status: 422, code: 'invariant', expression: `${IS}.contained[0].contained` },
  { name: 'contained with meta.versionId (dom-4)', mutate: (r) => (r.contained = [{ resourceType: 'Patient', id: 'p', meta: { versionId: '1' } }]), status: 422, code: 'invariant', expression: `${IS}.contained[0].meta.versionId` },
  { name: 'contained with meta.lastUpdated (dom-4)', mutate: (r) => (r.contained = [{ resourceType: 'Patient', id: 'p', meta: { lastUpdated: '2020-01-01T00:00:00Z' } }]), status: 422, code: 'invariant', expression: `${IS}.contained[0].meta.lastUpdated` },
  { name: 'contained with meta.security (dom-5)', mutate: (r) => (r.contained = [{ resourceType: 'Patient', id: 'p', meta: { security: [{ code: 'R' }] } }]), status: 422, code: 'invariant', expression: `${IS}.contained[0].meta.security` },
  { name: 'contained ImagingSelection without status', mutate: (r) => (r.contained = [{ resourceType: 'ImagingSelection', id: 's', code: { text: 'x' } }]), status: 422, code: 'required', expression: `${IS}.contained[0].status` },
  { name: 'language not a BCP-47 tag', mutate: (r) => (r.language = 'en_US'), status: 422, code: 'code-invalid', expression: `${IS}.language` },
  { name: 'text.status outside narrative-status', mutate: (r) => (r.text.status = 'draft'), status: 422, code: 'code-invalid', expression: `${IS}.text.status` },
  { name: 'text without div', mutate: (r) => delete r.text.div, status: 422, code: 'required', expression: `${IS}.text.div` },
  { name: 'identifier.use outside identifier-use', mutate: (r) => (r.identifier[0].use = 'primary'), status: 422, code: 'code-invalid', expression: `${IS}.identifier[0].use` },
  { name: 'Quantity.comparator in an extension value', mutate: (r) => (r.extension = [{ url: 'u', valueQuantity: { value: 1, comparator: '=' } }]), status: 422, code: 'code-invalid', expression: `${IS}.extension[0].value.ofType(Quantity).comparator` },
  { name: 'code set to undefined counts as missing', mutate: (r) => (r.code = undefined), status: 422, code: 'required', expression: `${IS}.code` },

  // 400: wrong JSON shape
  { name: 'status as number', mutate: (r) => (r.status = 1), status: 400, code: 'structure', expression: `${IS}.status` },
  { name: 'status as array', mutate: (r) => (r.status = ['available']), status: 400, code: 'structure', expression: `${IS}.status` },
  { name: 'status as object', mutate: (r) => (r.status = { code: 'available' }), status: 400, code: 'structure', expression: `${IS}.status` },
  { name: 'unknown top-level element', mutate: (r) => (r.modality = 'CT'), status: 400, code: 'structure', expression: `${IS}.modality` },
  { name: 'unknown element inside instance', mutate: (r) => (r.instance[0].frameNumber = [1]), status: 400, code: 'structure', expression: `${IS}.instance[0].frameNumber` },
  { name: 'unknown element inside imageRegion2D', mutate: (r) => (r.instance[0].imageRegion2D[0].z = 1), status: 400, code: 'structure', expression: `${REGION_2D}.z` },
  { name: 'unknown element inside a datatype (Reference)', mutate: (r) => (r.subject.id_ = 'x'), status: 400, code: 'structure', expression: `${IS}.subject.id_` },
  { name: 'instance.uid with a space', mutate: (r) => (r.instance[0].uid = '1.2.3 4'), status: 400, code: 'value', expression: `${IS}.instance[0].uid` },
  { name: 'studyUid with urn:oid: prefix', mutate: (r) => (r.studyUid = 'urn:oid:1.2.3'), status: 400, code: 'value', expression: `${IS}.studyUid` },
  { name: 'seriesUid longer than 64 characters', mutate: (r) => (r.seriesUid = '1.'.repeat(32) + '1'), status: 400, code: 'value', expression: `${IS}.seriesUid` },
  { name: 'coordinate as string', mutate: (r) => (r.instance[0].imageRegion2D[0].coordinate = '0.25,0.25'), status: 400, code: 'structure', expression: `${REGION_2D}.coordinate` },
  { name: 'coordinate item as string', mutate: (r) => (r.instance[0].imageRegion2D[0].coordinate[1] = '0.25'), status: 400, code: 'structure', expression: `${REGION_2D}.coordinate[1]` },
  { name: 'seriesNumber negative', mutate: (r) => (r.seriesNumber = -1), status: 400, code: 'value', expression: `${IS}.seriesNumber` },
  { name: 'seriesNumber decimal', mutate: (r) => (r.seriesNumber = 1.5), status: 400, code: 'value', expression: `${IS}.seriesNumber` },
  { name: 'seriesNumber as string', mutate: (r) => (r.seriesNumber = '1'), status: 400, code: 'structure', expression: `${IS}.seriesNumber` },
  { name: 'instance.number negative', mutate: (r) => (r.instance[0].number = -3), status: 400, code: 'value', expression: `${IS}.instance[0].number` },
  { name: 'issued date only (instant needs time and zone)', mutate: (r) => (r.issued = '2020-01-01'), status: 400, code: 'value', expression: `${IS}.issued` },
  { name: 'issued without zone', mutate: (r) => (r.issued = '2020-01-01T10:00:00'), status: 400, code: 'value', expression: `${IS}.issued` },
  { name: 'issued as a Date object', mutate: (r) => (r.issued = new Date()), status: 400, code: 'structure', expression: `${IS}.issued` },
  { name: 'empty array', mutate: (r) => (r.identifier = []), status: 400, code: 'structure', expression: `${IS}.identifier` },
  { name: 'empty string', mutate: (r) => (r.code.text = ''), status: 400, code: 'structure', expression: `${IS}.code.text` },
  { name: 'empty object', mutate: (r) => (r.subject = {}), status: 400, code: 'structure', expression: `${IS}.subject` },
  { name: 'null value', mutate: (r) => (r.subject = null), status: 400, code: 'structure', expression: `${IS}.subject` },
  { name: 'null inside an array', mutate: (r) => (r.derivedFrom = [null]), status: 400, code: 'structure', expression: `${IS}.derivedFrom[0]` },
  { name: 'null in a repeating primitive without _element', mutate: (r) => (r.instance[0].subset = ['1', null]), status: 400, code: 'structure', expression: `${IS}.instance[0].subset[1]` },
  { name: '__proto__ key at the top', mutate: (r) => defineOwn(r, '__proto__', { polluted: true }), status: 400, code: 'structure', expression: `${IS}.__proto__` },
  { name: '__proto__ key deep inside', mutate: (r) => defineOwn(r.instance[0].sopClass, '__proto__', {}), status: 400, code: 'structure', expression: `${IS}.instance[0].sopClass.__proto__` },
  { name: 'constructor key', mutate: (r) => (r.code.constructor = 'x'), status: 400, code: 'structure', expression: `${IS}.code.constructor` },
  { name: 'prototype key', mutate: (r) => (r.prototype = {}), status: 400, code: 'structure', expression: `${IS}.prototype` },
  { name: 'bad id on the resource', mutate: (r) => (r.id = 'bad id!'), status: 400, code: 'value', expression: `${IS}.id` },
  { name: 'meta.lastUpdated invalid', mutate: (r) => (r.meta.lastUpdated = 'yesterday'), status: 400, code: 'value', expression: `${IS}.meta.lastUpdated` },
  { name: 'meta.versionId not an id', mutate: (r) => (r.meta.versionId = 'v 1'), status: 400, code: 'value', expression: `${IS}.meta.versionId` },
  { name: 'meta.profile not an array', mutate: (r) => (r.meta.profile = 'http://x.org/p'), status: 400, code: 'structure', expression: `${IS}.meta.profile` },
  { name: 'meta.tag userSelected as string', mutate: (r) => (r.meta.tag[0].userSelected = 'yes'), status: 400, code: 'structure', expression: `${IS}.meta.tag[0].userSelected` },
  { name: 'bodySite as a plain CodeableConcept', mutate: (r) => (r.bodySite = { coding: [{ system: 'http://snomed.info/sct', code: '51185008' }] }), status: 400, code: 'structure', expression: `${IS}.bodySite.coding` },
  { name: 'subject.reference as number', mutate: (r) => (r.subject.reference = 42), status: 400, code: 'structure', expression: `${IS}.subject.reference` },
  { name: 'subject as array', mutate: (r) => (r.subject = [r.subject]), status: 400, code: 'structure', expression: `${IS}.subject` },
  { name: 'derivedFrom as single object', mutate: (r) => (r.derivedFrom = r.derivedFrom[0]), status: 400, code: 'structure', expression: `${IS}.derivedFrom` },
  { name: 'instance.sopClass as array', mutate: (r) => (r.instance[0].sopClass = [r.instance[0].sopClass]), status: 400, code: 'structure', expression: `${IS}.instance[0].sopClass` },
  { name: 'instance.subset as a single string', from: 'basic', mutate: (r) => (r.instance[0].subset = '1'), status: 400, code: 'structure', expression: `${IS}.instance[0].subset` },
  { name: 'imageRegion2D as object', mutate: (r) => (r.instance[0].imageRegion2D = r.instance[0].imageRegion2D[0]), status: 400, code: 'structure', expression: `${IS}.instance[0].imageRegion2D` },
  { name: 'performer.function as array', mutate: (r) => (r.performer = [{ function: [{ text: 'x' }] }]), status: 400, code: 'structure', expression: `${IS}.performer[0].function` },
  { name: 'derivedFrom identifier as array', mutate: (r) => (r.derivedFrom[0].identifier = [r.derivedFrom[0].identifier]), status: 400, code: 'structure', expression: `${IS}.derivedFrom[0].identifier` },
  { name: 'identifier.period.start with month 13', mutate: (r) => (r.identifier[0].period = { start: '2020-13-01' }), status: 400, code: 'value', expression: `${IS}.identifier[0].period.start` },
  { name: 'identifier.assigner.reference as number', mutate: (r) => (r.identifier[0].assigner = { reference: 5 }), status: 400, code: 'structure', expression: `${IS}.identifier[0].assigner.reference` },
  { name: 'text.div not starting with <div', mutate: (r) => (r.text.div = '<p>hello</p>'), status: 400, code: 'value', expression: `${IS}.text.div` },
  { name: 'implicitRules with whitespace', mutate: (r) => (r.implicitRules = 'http://x.org/a b'), status: 400, code: 'value', expression: `${IS}.implicitRules` },
  { name: 'extension value of an unknown type', mutate: (r) => (r.extension = [{ url: 'u', valueFoo: 1 }]), status: 400, code: 'structure', expression: `${IS}.extension[0].valueFoo` },
  { name: 'extension valueInteger not whole', mutate: (r) => (r.extension = [{ url: 'u', valueInteger: 1.5 }]), status: 400, code: 'value', expression: `${IS}.extension[0].value.ofType(integer)` },
  { name: 'extension with two value[x] types', mutate: (r) => (r.extension = [{ url: 'u', valueString: 'a', valueCode: 'b' }]), status: 400, code: 'structure', expression: `${IS}.extension[0].value` },
  { name: 'extension valueCoding with bad system', mutate: (r) => (r.extension = [{ url: 'u', valueCoding: { system: 'a b' } }]), status: 400, code: 'value', expression: `${IS}.extension[0].value.ofType(Coding).system` },
  { name: 'extension url as number', mutate: (r) => (r.extension = [{ url: 7, valueString: 'a' }]), status: 400, code: 'structure', expression: `${IS}.extension[0].url` },
  { name: 'extension value of an untabled type with null inside', mutate: (r) => (r.extension = [{ url: 'u', valueTiming: { event: null } }]), status: 400, code: 'structure', expression: `${IS}.extension[0].value.ofType(Timing).event` },
  { name: '_status with an unknown property', mutate: (r) => (r._status = { foo: 1 }), status: 400, code: 'structure', expression: `${IS}.status.foo` },
  { name: '_status as string', mutate: (r) => (r._status = 'x'), status: 400, code: 'structure', expression: `${IS}.status` },
  { name: '_element of a complex element', mutate: (r) => (r._subject = { id: 'x' }), status: 400, code: 'structure', expression: `${IS}._subject` },
  { name: '_subset longer than subset', from: 'basic', mutate: (r) => { r.instance[0].subset = ['1']; r.instance[0]._subset = [null, { extension: [{ url: 'http://x', valueString: 'y' }] }]; }, status: 400, code: 'structure', expression: `${IS}.instance[0].subset` },
  { name: '_status with an id only, no value (ele-1)', mutate: (r) => { delete r.status; r._status = { id: 'x' }; }, status: 400, code: 'structure', expression: `${IS}.status` },
  { name: '_subset entry with an id only beside a null value (ele-1)', from: 'basic', mutate: (r) => { r.instance[0].subset = ['1', null]; r.instance[0]._subset = [null, { id: 'x' }]; }, status: 400, code: 'structure', expression: `${IS}.instance[0].subset[1]` },
  { name: 'contained not an object', mutate: (r) => (r.contained = ['Patient/1']), status: 400, code: 'structure', expression: `${IS}.contained[0]` },
  { name: 'contained without resourceType', mutate: (r) => (r.contained = [{ id: 'p' }]), status: 400, code: 'structure', expression: `${IS}.contained[0].resourceType` },
  { name: 'contained Patient with an empty object', mutate: (r) => (r.contained = [{ resourceType: 'Patient', id: 'p', name: [{}] }]), status: 400, code: 'structure', expression: `${IS}.contained[0].name[0]` },
  { name: 'contained ImagingSelection with unknown element', mutate: (r) => (r.contained = [{ resourceType: 'ImagingSelection', status: 'unknown', code: { text: 'x' }, bogus: true }]), status: 400, code: 'structure', expression: `${IS}.contained[0].bogus` },
  { name: 'NaN decimal', mutate: (r) => (r.instance[0].imageRegion2D[0].coordinate[0] = Number.NaN), status: 400, code: 'value', expression: `${REGION_2D}.coordinate[0]` },
];

describe('checkResource: bad ImagingSelections (one mutation of a valid example each)', () => {
  it.each(BAD_INPUTS)('$name → $status $code at $expression', ({ from, mutate, status, code, expression }) => {
    const resource = example(from);
    mutate(resource);
    const result = failure(resource);
    expect(result.issues.map((i) => [i.code, i.expression])).toEqual([[code, [expression]]]);
    expect(result.status).toBe(status);
    expect(result.issues[0]?.diagnostics).toBeTruthy();
  });
});

describe('checkResource: whole-resource failures', () => {
  it.each([
    ['a string', 'ImagingSelection'],
    ['an array', [example()]],
    ['null', null],
    ['undefined', undefined],
    ['a number', 1],
  ])('refuses %s with 400 at Resource', (_label, input) => {
    const result = failure(input);
    expect(result.status).toBe(400);
    expect(expressionsOf(result.issues)).toEqual(['Resource']);
  });

  it('refuses a missing resourceType with 400 and still reports what it can', () => {
    const r = example();
    delete r.resourceType;
    r.id = 'bad id';
    const result = failure(r);
    expect(result.status).toBe(400);
    expect(expressionsOf(result.issues)).toEqual(['Resource.resourceType', 'Resource.id']);
  });

  it('refuses resourceType of the wrong JSON type', () => {
    const result = failure({ ...example(), resourceType: 7 });
    expect(result.status).toBe(400);
    expect(result.issues[0]?.code).toBe('structure');
    expect(expressionsOf(result.issues)).toContain('Resource.resourceType');
  });

  it('refuses a cyclic object graph with 400 instead of overflowing the stack', () => {
    const r = example();
    r.extension = [{ url: 'u', valueTiming: {} as Json }];
    r.extension[0].valueTiming.repeat = r.extension[0].valueTiming;
    const result = failure(r);
    expect(result.status).toBe(400);
  });
});

describe('checkResource: several problems reported together', () => {
  it('reports every problem in one 400 when any is a shape problem', () => {
    const r = example();
    delete r.code;
    r.status = 'done';
    r.modality = 'CT';
    r.instance[0].uid = 'has space';
    r.instance[0].imageRegion2D[0].coordinate = [1, 2, 3];
    r.extension = [{ valueString: 'x' }];
    const result = failure(r);
    expect(result.status).toBe(400);
    expect(result.issues.map((i) => [i.code, i.expression?.[0]])).toEqual(
      expect.arrayContaining([
        ['required', `${IS}.code`],
        ['code-invalid', `${IS}.status`],
        ['structure', `${IS}.modality`],
        ['value', `${IS}.instance[0].uid`],
        ['business-rule', `${REGION_2D}.coordinate`],
        ['required', `${IS}.extension[0].url`],
      ]),
    );
    expect(result.issues).toHaveLength(6);
  });

  it('answers 422 when every problem is a content rule', () => {
    const r = example('3d');
    delete r.status;
    r.instance[0].imageRegion3D[0].coordinate = [1, 2];
    r.instance.push({ imageRegion3D: [{ regionType: 'sphere', coordinate: [0, 0, 0] }] });
    const result = failure(r);
    expect(result.status).toBe(422);
    expect(expressionsOf(result.issues).sort()).toEqual(
      [
        `${IS}.status`,
        `${REGION_3D}.coordinate`,
        `${IS}.instance[1].uid`,
        `${IS}.instance[1].imageRegion3D[0].regionType`,
      ].sort(),
    );
  });

  it('the REST layer turns the failure into a FhirError carrying an OperationOutcome', () => {
    const r = example();
    delete r.status;
    try {
      validateResource(r);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FhirError);
      const error = e as FhirError;
      expect(error.status).toBe(422);
      expect(error.outcome.resourceType).toBe('OperationOutcome');
      expect(error.message).toMatch(/status/);
    }
  });
});

describe('checkResource: the JSON rules every resource type obeys (here a Patient)', () => {
  const patient = (): Json => ({
    resourceType: 'Patient',
    id: 'pat-1',
    meta: { versionId: '2', lastUpdated: '2024-05-06T07:08:09.123Z', tag: [{ code: 'x' }] },
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Jane</div>' },
    identifier: [{ system: 'https://fhirhospital.org', value: 'KUTGIQCVCDRHVBUK' }],
    active: true,
    name: [{ family: 'Doe', given: ['Jane', null], _given: [null, { extension: [{ url: 'u', valueCode: 'x' }] }] }],
    birthDate: '1970-01-01',
    deceasedBoolean: false,
    multipleBirthInteger: 2,
    extension: [{ url: 'http://example.org/e', valueString: 'v' }],
  });

  it('accepts a valid Patient', () => {
    const p = patient();
    expect(validateResource(p)).toBe(p);
  });

  it('checks a name that is no R5 resource type by shape only (the REST layer answers 404 for it)', () => {
    expect(checkResource({ resourceType: 'SomethingLocal', status: 'whatever', odd: [{ a: 1 }] })).toBeUndefined();
  });

  it.each<[string, (p: Json) => void, 400 | 422, string]>([
    ['null value', (p) => (p.name[0].family = null), 400, 'Patient.name[0].family'],
    ['empty object', (p) => (p.contact = [{}]), 400, 'Patient.contact[0]'],
    ['empty nested object', (p) => (p.contact = [{ name: {} }]), 400, 'Patient.contact[0].name'],
    ['empty array', (p) => (p.telecom = []), 400, 'Patient.telecom'],
    ['empty string', (p) => (p.gender = ''), 400, 'Patient.gender'],
    ['null in an array without _element', (p) => (p.name[0].prefix = ['Dr', null]), 400, 'Patient.name[0].prefix[1]'],
    ['__proto__ deep inside', (p) => defineOwn(p.name[0], '__proto__', { x: 1 }), 400, 'Patient.name[0].__proto__'],
    ['bad id', (p) => (p.id = 'a/b'), 400, 'Patient.id'],
    ['bad meta.lastUpdated', (p) => (p.meta.lastUpdated = '2024-05-06'), 400, 'Patient.meta.lastUpdated'],
    ['unknown element in meta', (p) => (p.meta.owner = 'me'), 400, 'Patient.meta.owner'],
    ['text.div not XHTML', (p) => (p.text.div = 'Jane'), 400, 'Patient.text.div'],
    ['text.status outside narrative-status', (p) => (p.text.status = 'done'), 422, 'Patient.text.status'],
    ['text without status', (p) => delete p.text.status, 422, 'Patient.text.status'],
    ['extension without url', (p) => delete p.extension[0].url, 422, 'Patient.extension[0].url'],
    ['contained with nested contained', (p) => (p.contained = [{ resourceType: 'Organization', id: 'o', contained: [{ resourceType: 'Basic', code: { text: 'b' } }] }]), 422, 'Patient.contained[0].contained'],
  ])('refuses a Patient with %s', (_label, mutate, status, expression) => {
    const p = patient();
    mutate(p);
    const result = failure(p);
    expect(result.status).toBe(status);
    expect(expressionsOf(result.issues)).toEqual([expression]);
  });

  it('refuses a resourceType that is not a type name', () => {
    const result = failure({ resourceType: 'patient', id: 'x' });
    expect(result.status).toBe(400);
    expect(result.issues.map((i) => [i.code, i.expression?.[0]])).toEqual([['value', 'Resource.resourceType']]);
  });
});
