import type { Resource, SearchParameter } from 'fhir/r5';
import { describe, expect, it } from 'vitest';
import { loadFhirPath } from '../../src/model/fhirpath-engine.js';
import { R5_RESOURCE_TYPES } from '../../src/model/resource-types.js';
import {
  branchesFor,
  compileForAllBases,
  compileSearchParameter,
  compileWithFhirPath,
  splitUnion,
  type CompiledSearchParameterInfo,
} from '../../src/search/parameters/compile-parameter.js';
import { R5_IMAGING_SELECTION_SEARCH_PARAMETERS } from '../../src/search/parameters/definitions/index.js';
import { compileSimplePaths, parseSimplePath, referencePointsTo } from '../../src/search/parameters/simple-path.js';

// The engine-backed functions are called directly here: load fhirpath.js as the store does before it calls them.
await loadFhirPath();

const published = (id: string): SearchParameter => R5_IMAGING_SELECTION_SEARCH_PARAMETERS.find((sp) => sp.id === id)!;

/** A SearchParameter with just what compilation reads. */
function sp(expression: string | undefined, base: string[], extra: Partial<Record<string, unknown>> = {}): SearchParameter {
  return {
    resourceType: 'SearchParameter',
    url: 'http://example.org/SearchParameter/test',
    name: 'test',
    status: 'active',
    description: 'test',
    code: 'test',
    type: 'token',
    base,
    ...(expression === undefined ? {} : { expression }),
    ...extra,
  } as unknown as SearchParameter;
}

const res = (r: Record<string, unknown>): Resource => r as unknown as Resource;

describe('splitUnion / branchesFor', () => {
  it('splits on top-level | only', () => {
    expect(splitUnion("A.b | (A.c | A.d) | A.e.where(x = 'p|q') | A.f")).toEqual(['A.b', '(A.c | A.d)', "A.e.where(x = 'p|q')", 'A.f']);
  });

  it('keeps the branches of one type from a multi-resource expression', () => {
    expect(branchesFor(published('clinical-identifier').expression!, 'ImagingSelection')).toEqual(['ImagingSelection.identifier']);
    expect(branchesFor(published('clinical-patient').expression!, 'ImagingSelection')).toEqual(['ImagingSelection.subject.where(resolve() is Patient)']);
    expect(branchesFor(published('clinical-code').expression!, 'AllergyIntolerance')).toEqual(['AllergyIntolerance.code', 'AllergyIntolerance.reaction.substance']);
    // A type whose name is a prefix of another's is not confused with it.
    expect(branchesFor(published('clinical-identifier').expression!, 'Medication')).toEqual(['Medication.identifier']);
  });

  it('rewrites Resource./DomainResource. branches to the concrete type', () => {
    expect(branchesFor('Resource.meta.tag', 'ImagingSelection')).toEqual(['ImagingSelection.meta.tag']);
    expect(branchesFor('(DomainResource.text as Narrative)', 'Patient')).toEqual(['(Patient.text as Narrative)']);
    expect(branchesFor('DomainResource.text', 'Bundle')).toEqual([]);
  });
});

describe('compileSearchParameter', () => {
  it('compiles the ImagingSelection branch of clinical-identifier with R5 metadata', () => {
    const c = compileSearchParameter(published('clinical-identifier'), 'ImagingSelection');
    expect(c).toMatchObject({
      url: 'http://hl7.org/fhir/SearchParameter/clinical-identifier',
      code: 'identifier',
      type: 'token',
      resourceType: 'ImagingSelection',
      description: 'Identifiers for the imaging selection',
      expression: 'ImagingSelection.identifier',
      targets: [],
      strategy: 'simple-path',
    });
    expect(c.extract(res({ resourceType: 'ImagingSelection', identifier: [{ value: 'a' }] }))).toEqual([{ type: 'Identifier', value: { value: 'a' } }]);
  });

  it('keeps the published clinical-code branch (ImagingSelection.status) when asked for it', () => {
    const c = compileSearchParameter(published('clinical-code'), 'ImagingSelection');
    expect(c.expression).toBe('ImagingSelection.status');
    expect(c.extract(res({ resourceType: 'ImagingSelection', status: 'available', code: { text: 'x' } }))).toEqual([{ type: 'code', value: 'available' }]);
  });

  it('copies reference targets', () => {
    expect(compileSearchParameter(published('ImagingSelection-derived-from'), 'ImagingSelection').targets).toEqual(['ImagingStudy', 'DocumentReference']);
  });

  it('throws a TypeError when the type is not in base', () => {
    expect(() => compileSearchParameter(published('ImagingSelection-status'), 'Patient')).toThrow(/does not apply to Patient/);
    expect(() => compileSearchParameter(published('DomainResource-text'), 'Bundle')).toThrow(TypeError);
    expect(() => compileSearchParameter(published('Resource-id'), 'NotAType')).toThrow(TypeError);
  });

  it('throws a TypeError when no branch applies', () => {
    expect(() => compileSearchParameter(sp('Patient.name', ['ImagingSelection']), 'ImagingSelection')).toThrow(/no branch/);
  });

  it('throws a TypeError for invalid FHIRPath', () => {
    expect(() => compileSearchParameter(sp('ImagingSelection.status.where(', ['ImagingSelection']), 'ImagingSelection')).toThrow(TypeError);
  });

  it('refuses resolve() other than `resolve() is T`: it would need I/O', () => {
    expect(() => compileSearchParameter(sp('ImagingSelection.subject.resolve().ofType(Patient)', ['ImagingSelection']), 'ImagingSelection')).toThrow(
      /only supported as `resolve\(\) is T`/,
    );
    expect(() => compileSearchParameter(sp('ImagingSelection.subject.resolve().name', ['ImagingSelection']), 'ImagingSelection')).toThrow(TypeError);
  });

  it('requires an expression unless the parameter is special or engine-handled', () => {
    expect(() => compileSearchParameter(sp(undefined, ['ImagingSelection']), 'ImagingSelection')).toThrow(/needs an expression/);
    const text = compileSearchParameter(published('DomainResource-text'), 'ImagingSelection');
    expect(text).toMatchObject({ strategy: 'none', code: '_text', type: 'special' });
    expect(text.expression).toBeUndefined();
    const inParam = compileSearchParameter(published('Resource-in'), 'ImagingSelection');
    expect(inParam).toMatchObject({ strategy: 'none', expression: 'ImagingSelection.id' });
    expect(inParam.extract(res({ resourceType: 'ImagingSelection', id: 'x' }))).toEqual([]);
  });

  it('takes the fast path for plain paths, unions and the resolve filter; fhirpath.js for the rest', () => {
    const strategy = (expression: string): string => compileSearchParameter(sp(expression, ['Observation']), 'Observation').strategy;
    expect(strategy('Observation.code')).toBe('simple-path');
    expect(strategy('Observation.code.coding.code | Observation.category')).toBe('simple-path');
    expect(strategy('Observation.subject.where(resolve() is Patient or resolve() is Group)')).toBe('simple-path');
    expect(strategy('Observation.value.ofType(Quantity)')).toBe('simple-path');
    expect(strategy('(Observation.value as Quantity)')).toBe('simple-path');
    expect(strategy('Observation.value as CodeableConcept')).toBe('simple-path');
    expect(strategy('Observation.`code`.coding')).toBe('simple-path');
    expect(strategy("Observation.code.coding.where(system = 'http://loinc.org')")).toBe('fhirpath');
    expect(strategy('Observation.component.first().code')).toBe('fhirpath');
    expect(strategy('Observation.contained')).toBe('fhirpath');
    expect(strategy('Observation.notAnElement')).toBe('fhirpath');
    expect(strategy("Observation.extension('http://x').value")).toBe('fhirpath');
    // Children of a primitive live under `_status` in JSON.
    expect(strategy('Observation.status.extension')).toBe('fhirpath');
    expect(strategy('Observation.id.extension')).toBe('fhirpath');
  });
});

describe('choice types, ofType and as', () => {
  const obs = res({
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'c' },
    valueQuantity: { value: 1.5, unit: 'mg' },
    component: [
      { code: { text: 'a' }, valueString: 'x' },
      { code: { text: 'b' }, valueInteger: 3 },
      { code: { text: 'c' }, valueCodeableConcept: { text: 'cc' } },
    ],
  });
  const extract = (expression: string, r: Resource = obs, base = 'Observation') => compileSearchParameter(sp(expression, [base]), base).extract(r);

  it('reads value[x] under its typed key and reports the chosen type', () => {
    expect(extract('Observation.value')).toEqual([{ type: 'Quantity', value: { value: 1.5, unit: 'mg' } }]);
    expect(extract('Observation.component.value')).toEqual([
      { type: 'string', value: 'x' },
      { type: 'integer', value: 3 },
      { type: 'CodeableConcept', value: { text: 'cc' } },
    ]);
  });

  it('filters by type with ofType(T) and as T', () => {
    expect(extract('Observation.value.ofType(Quantity)')).toEqual([{ type: 'Quantity', value: { value: 1.5, unit: 'mg' } }]);
    expect(extract('(Observation.value as Quantity)')).toEqual([{ type: 'Quantity', value: { value: 1.5, unit: 'mg' } }]);
    expect(extract('Observation.value.ofType(FHIR.Quantity).value')).toEqual([{ type: 'decimal', value: 1.5 }]);
    expect(extract('Observation.value as CodeableConcept')).toEqual([]);
    expect(extract('Observation.component.value.ofType(CodeableConcept)')).toEqual([{ type: 'CodeableConcept', value: { text: 'cc' } }]);
  });

  it('treats a specialization as its base type (Age is a Quantity)', () => {
    const c = res({ resourceType: 'Condition', subject: { reference: 'Patient/1' }, onsetAge: { value: 3, unit: 'a' } });
    expect(extract('Condition.onset.ofType(Quantity)', c, 'Condition')).toEqual([{ type: 'Age', value: { value: 3, unit: 'a' } }]);
  });
});

describe('fhirpath.js fallback', () => {
  const sel = res({
    resourceType: 'ImagingSelection',
    id: 'sel',
    status: 'available',
    code: {},
    studyUid: '1.2.3',
    subject: { reference: 'Group/g1' },
    identifier: [{ system: 'urn:a', value: 'one' }, { system: 'urn:b', value: 'two' }],
    instance: [{ uid: '1.2.3.4', imageRegion2D: [{ regionType: 'point', coordinate: [0.25, 1] }] }],
  });

  it('maps nodes to their FHIR type and data, decimals back to numbers', () => {
    expect(compileWithFhirPath("ImagingSelection.identifier.where(system = 'urn:b')")(sel)).toEqual([{ type: 'Identifier', value: { system: 'urn:b', value: 'two' } }]);
    expect(compileWithFhirPath('ImagingSelection.instance.imageRegion2D.coordinate')(sel)).toEqual([
      { type: 'decimal', value: 0.25 },
      { type: 'decimal', value: 1 },
    ]);
    expect(compileWithFhirPath('ImagingSelection.id')(sel)).toEqual([{ type: 'id', value: 'sel' }]);
    expect(compileWithFhirPath('ImagingSelection.studyUid')(sel)).toEqual([{ type: 'id', value: '1.2.3' }]);
  });

  it('types plain results by their JS type', () => {
    expect(compileWithFhirPath('ImagingSelection.studyUid.substring(0, 3)')(sel)).toEqual([{ type: 'string', value: '1.2' }]);
    expect(compileWithFhirPath('ImagingSelection.instance.exists()')(sel)).toEqual([{ type: 'boolean', value: true }]);
    expect(compileWithFhirPath('ImagingSelection.identifier.count()')(sel)).toEqual([{ type: 'decimal', value: 2 }]);
    expect(compileWithFhirPath('@2020-01-02')(sel)).toEqual([{ type: 'date', value: '2020-01-02' }]);
  });

  it('answers resolve() is T from the Reference, never resolving', () => {
    expect(compileWithFhirPath('ImagingSelection.subject.where(resolve() is Patient)')(sel)).toEqual([]);
    expect(compileWithFhirPath('ImagingSelection.subject.where(resolve() is Patient or resolve() is Group)')(sel)).toEqual([
      { type: 'Reference', value: { reference: 'Group/g1' } },
    ]);
    expect(compileWithFhirPath('ImagingSelection.subject.resolve() is FHIR.Group')(sel)).toEqual([{ type: 'boolean', value: true }]);
  });

  it('compiles lazily and reports evaluation errors with the expression', () => {
    const extract = compileWithFhirPath('ImagingSelection.identifier as Identifier');
    expect(() => extract(sel)).toThrow(/ImagingSelection.identifier as Identifier.*ImagingSelection\/sel/);
  });
});

describe('referencePointsTo (the where(resolve() is T) filter)', () => {
  it.each([
    [{ reference: 'Patient/123' }, 'Patient', true],
    [{ reference: 'Patient/123/_history/4' }, 'Patient', true],
    [{ reference: 'http://example.org/fhir/Patient/123' }, 'Patient', true],
    [{ reference: 'http://example.org/fhir/Patient/123/_history/4' }, 'Patient', true],
    [{ reference: 'http://example.org/fhir/Group/Patient' }, 'Patient', false],
    [{ reference: 'Practitioner/123' }, 'Patient', false],
    [{ reference: 'PatientX/123' }, 'Patient', false],
    [{ reference: 'Patient' }, 'Patient', false],
    [{ reference: 'Patient/' }, 'Patient', false],
    [{ reference: '#contained' }, 'Patient', false],
    [{ reference: '#contained', type: 'Patient' }, 'Patient', true],
    [{ type: 'Patient', identifier: { value: 'x' } }, 'Patient', true],
    [{ type: 'http://hl7.org/fhir/StructureDefinition/Patient' }, 'Patient', true],
    [{ type: 'Group', reference: 'Patient/1' }, 'Patient', true],
    [{ identifier: { value: 'x' } }, 'Patient', false],
    [{ reference: 'urn:uuid:53fefa32-fcbb-4ff8-8a92-55ee120877b7' }, 'Patient', false],
    [{ reference: 'Patient?identifier=urn:x|1' }, 'Patient', false],
    [null, 'Patient', false],
    ['Patient/1', 'Patient', false],
  ])('%j is a %s: %s', (ref, type, expected) => {
    expect(referencePointsTo(ref, type)).toBe(expected);
    // The fast path and the fhirpath.js fallback apply the same test.
    const r = res({ resourceType: 'ImagingSelection', status: 'available', code: {}, subject: ref });
    const fast = compileSimplePaths('ImagingSelection', [parseSimplePath(`ImagingSelection.subject.where(resolve() is ${type})`)!])!;
    const slow = compileWithFhirPath(`ImagingSelection.subject.where(resolve() is ${type})`);
    expect(fast(r)).toEqual(slow(r));
    expect(fast(r).length).toBe(expected && ref !== null ? 1 : 0);
  });
});

describe('parseSimplePath', () => {
  it.each([
    ['ImagingSelection.bodySite.concept', [{ kind: 'member', name: 'ImagingSelection' }, { kind: 'member', name: 'bodySite' }, { kind: 'member', name: 'concept' }]],
    ['( Observation.value as FHIR.Quantity )', [{ kind: 'member', name: 'Observation' }, { kind: 'member', name: 'value' }, { kind: 'ofType', type: 'Quantity' }]],
    ['A.b.where(resolve() is Patient or resolve() is Group)', [{ kind: 'member', name: 'A' }, { kind: 'member', name: 'b' }, { kind: 'refTo', targets: ['Patient', 'Group'] }]],
    ['A.b.as(Reference)', [{ kind: 'member', name: 'A' }, { kind: 'member', name: 'b' }, { kind: 'ofType', type: 'Reference' }]],
  ])('%s', (text, steps) => {
    expect(parseSimplePath(text)).toEqual(steps);
  });

  it.each(['A.b.first()', "A.b.where(c = 'x')", 'A.b[0]', 'A.b | A.c', 'A.b.where(resolve() is Patient and x)', "A.b.extension('u')", 'A.b.where(resolve().is(Patient))', '%resource.id', 'A.b = 1', ''])(
    'leaves %j to fhirpath.js',
    (text) => {
      expect(parseSimplePath(text)).toBeUndefined();
    },
  );
});

describe('compileForAllBases', () => {
  it('compiles one entry per concrete base', () => {
    const all = compileForAllBases(published('clinical-identifier'));
    expect(all.map((c) => c.resourceType)).toEqual(published('clinical-identifier').base);
    for (const c of all) expect(c.expression).toBe(`${c.resourceType}.identifier`);
  });

  it('expands Resource to every R5 type and DomainResource to all but Binary, Bundle, Parameters', () => {
    const ids = compileForAllBases(published('Resource-id'));
    expect(ids.map((c) => c.resourceType).sort()).toEqual([...R5_RESOURCE_TYPES].sort());
    const texts = compileForAllBases(published('DomainResource-text')).map((c) => c.resourceType);
    expect(texts).toHaveLength(R5_RESOURCE_TYPES.size - 3);
    expect(texts).not.toContain('Bundle');
    expect(texts).not.toContain('Binary');
    expect(texts).not.toContain('Parameters');
  });

  it('compiles expanded entries lazily, yet reports a bad expression up front', () => {
    const tags = compileForAllBases(published('Resource-tag'));
    const patient = tags.find((c) => c.resourceType === 'Patient') as CompiledSearchParameterInfo;
    expect(patient.expression).toBe('Patient.meta.tag');
    expect(patient.extract(res({ resourceType: 'Patient', meta: { tag: [{ code: 't' }] } }))).toEqual([{ type: 'Coding', value: { code: 't' } }]);
    expect(patient.strategy).toBe('simple-path');
    expect(() => compileForAllBases(sp('Resource.meta.tag.where(', ['Resource']))).toThrow(TypeError);
  });

  it('gives each type its line of a multi-resource description', () => {
    const patient = compileForAllBases(published('clinical-patient'));
    expect(patient.find((c) => c.resourceType === 'ImagingSelection')?.description).toBe('Who the study is about');
    expect(patient.find((c) => c.resourceType === 'Task')?.expression).toBe('Task.for.where(resolve() is Patient)');
  });
});
