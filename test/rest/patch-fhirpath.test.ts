import type { ImagingSelection, Parameters, ParametersParameter } from 'fhir/r5';
import { describe, expect, it } from 'vitest';
import { loadFhirPath } from '../../src/model/fhirpath-engine.js';
import { deepFreeze } from '../helpers.js';
import { applyEveryRow, basic, checkPatchRow, edited, multiframe, region2d, type Draft, type PatchRow } from './patch-fixtures.js';
import { FhirError } from '../../src/errors/fhir-error.js';
import { applyFhirPathPatch, isFhirPathPatch } from '../../src/rest/patch/index.js';

// The engine-backed functions are called directly here: load fhirpath.js as the store does before it calls them.
await loadFhirPath();

// Fixtures: the official R5 ImagingSelection examples, deep-frozen (patch-fixtures.ts).

const EXT_URL = 'http://example.org/fhir/StructureDefinition/note';
/** Multiframe with an extension on subset[1] only, so `_subset` must stay aligned with `subset`. */
const multiframeWithSubsetExt = deepFreeze(
  edited((d) => {
    d.instance[0]._subset = [null, { extension: [{ url: EXT_URL, valueString: 'on 2' }] }, null, null];
  })(multiframe) as ImagingSelection,
);
/** 2D region with an extension whose value is a choice (`valueString`). */
const region2dWithExt = deepFreeze(
  edited((d) => {
    d.extension = [{ url: EXT_URL, valueString: 'first' }];
  })(region2d) as ImagingSelection,
);

// ---------------------------------------------------------------------------------------------------------
// Patch builders (https://hl7.org/fhir/R5/fhirpatch.html#format)

type Part = ParametersParameter;
const part = (name: string, value: Omit<Part, 'name'>): Part => ({ name, ...value }) as Part;
const operation = (type: string, path: string, ...parts: Part[]): Part => ({
  name: 'operation',
  part: [part('type', { valueCode: type }), part('path', { valueString: path }), ...parts],
});
const patch = (...operations: Part[]): Parameters => ({ resourceType: 'Parameters', parameter: operations });

const value = (v: Omit<Part, 'name'>): Part => part('value', v);
const valueParts = (...parts: Part[]): Part => ({ name: 'value', part: parts });
const name = (n: string): Part => part('name', { valueString: n });
const index = (i: number): Part => part('index', { valueInteger: i });
const source = (i: number): Part => part('source', { valueInteger: i });
const destination = (i: number): Part => part('destination', { valueInteger: i });

const sopCT = { system: 'urn:ietf:rfc:3986', code: 'urn:oid:1.2.840.10008.5.1.4.1.1.2' };
const keyImages = { coding: [{ system: 'http://snomed.info/sct', code: '422675009' }], text: 'Key images' };

// ---------------------------------------------------------------------------------------------------------

type Row = PatchRow;

/** A row for a `delete` that succeeds: the expected result is the input after `edit`. */
const deleteRow = (name: string, input: ImagingSelection, path: string, edit: (draft: Draft) => void): Row => ({
  name,
  input,
  patch: patch(operation('delete', path)),
  expected: edited(edit),
});

const rows: Row[] = [
  // --- replace -------------------------------------------------------------------------------------------
  {
    name: 'replace a top-level primitive (status), path with resource type',
    input: region2d,
    patch: patch(operation('replace', 'ImagingSelection.status', value({ valueCode: 'unavailable' }))),
    expected: edited((d) => (d.status = 'unavailable')),
  },
  {
    name: 'replace a complex element (code) with a CodeableConcept, path without resource type',
    input: region2d,
    patch: patch(operation('replace', 'code', value({ valueCodeableConcept: keyImages }))),
    expected: edited((d) => (d.code = keyImages)),
  },
  {
    name: 'replace a repeating primitive by index (subset[0])',
    input: multiframe,
    patch: patch(operation('replace', 'ImagingSelection.instance[0].subset[0]', value({ valueString: '10' }))),
    expected: edited((d) => (d.instance[0].subset[0] = '10')),
  },
  {
    name: 'replace a decimal in coordinate by index',
    input: region2d,
    patch: patch(operation('replace', 'instance[0].imageRegion2D[0].coordinate[0]', value({ valueDecimal: 0.3 }))),
    expected: edited((d) => (d.instance[0].imageRegion2D[0].coordinate[0] = 0.3)),
  },
  {
    name: 'replace through a where() filter',
    input: region2d,
    patch: patch(operation('replace', "identifier.where(system='urn:dicom:uid').value", value({ valueString: 'urn:oid:1.2.3' }))),
    expected: edited((d) => (d.identifier[0].value = 'urn:oid:1.2.3')),
  },
  {
    name: 'replace through last()',
    input: basic,
    patch: patch(operation('replace', 'instance.last().uid', value({ valueId: '1.2.3.4' }))),
    expected: edited((d) => (d.instance[1].uid = '1.2.3.4')),
  },
  {
    name: 'replace a repeating complex element by index with parts',
    input: basic,
    patch: patch(
      operation('replace', 'instance[0]', valueParts(part('uid', { valueId: '9.9' }), part('sopClass', { valueCoding: sopCT }))),
    ),
    expected: edited((d) => (d.instance[0] = { uid: '9.9', sopClass: sopCT })),
  },
  {
    name: 'replace a primitive drops its old extensions (the element is replaced whole)',
    input: multiframeWithSubsetExt,
    patch: patch(operation('replace', 'instance[0].subset[1]', value({ valueString: 'two' }))),
    expected: edited((d) => {
      d.instance[0].subset[1] = 'two';
      delete d.instance[0]._subset;
    }),
  },
  {
    name: 'replace a choice element with another type renames its key (valueString → valueInteger)',
    input: region2dWithExt,
    patch: patch(operation('replace', 'extension[0].value', value({ valueInteger: 3 }))),
    expected: edited((d) => (d.extension[0] = { url: EXT_URL, valueInteger: 3 })),
  },
  {
    name: 'replace a primitive carries the new value’s extension into `_name`',
    input: region2d,
    patch: patch(
      operation('replace', 'status', { name: 'value', valueCode: 'unavailable', _valueCode: { extension: [{ url: EXT_URL, valueString: 'x' }] } } as Part),
    ),
    expected: edited((d) => {
      d.status = 'unavailable';
      d._status = { extension: [{ url: EXT_URL, valueString: 'x' }] };
    }),
  },

  // --- add -----------------------------------------------------------------------------------------------
  {
    name: 'add a repeating element that is absent (category) by value: a list is created',
    input: region2d,
    patch: patch(operation('add', 'ImagingSelection', name('category'), value({ valueCodeableConcept: keyImages }))),
    expected: edited((d) => (d.category = [keyImages])),
  },
  {
    name: 'add an anonymous value by nested parts (category with coding built from system/code parts)',
    input: region2d,
    patch: patch(
      operation(
        'add',
        'ImagingSelection',
        name('category'),
        valueParts(
          { name: 'coding', part: [part('system', { valueUri: 'http://snomed.info/sct' }), part('code', { valueCode: '422675009' })] },
          part('text', { valueString: 'Key images' }),
        ),
      ),
    ),
    expected: edited((d) => (d.category = [keyImages])),
  },
  {
    name: 'add a Coding by parts to code.coding',
    input: region2d,
    patch: patch(operation('add', 'code', name('coding'), valueParts(part('system', { valueUri: 'http://loinc.org' }), part('code', { valueCode: '18748-4' })))),
    expected: edited((d) => (d.code.coding = [{ system: 'http://loinc.org', code: '18748-4' }])),
  },
  {
    name: 'add appends to an existing list; operations apply in order',
    input: region2d,
    patch: patch(
      operation('add', 'ImagingSelection', name('category'), value({ valueCodeableConcept: { text: 'a' } })),
      operation('add', 'ImagingSelection', name('category'), value({ valueCodeableConcept: { text: 'b' } })),
    ),
    expected: edited((d) => (d.category = [{ text: 'a' }, { text: 'b' }])),
  },
  {
    name: 'add a non-repeating primitive that is absent (seriesNumber)',
    input: region2d,
    patch: patch(operation('add', 'ImagingSelection', name('seriesNumber'), value({ valueUnsignedInt: 3 }))),
    expected: edited((d) => (d.seriesNumber = 3)),
  },
  {
    name: 'add an instance built from parts: a single subset part still becomes a list',
    input: region2d,
    patch: patch(operation('add', 'ImagingSelection', name('instance'), valueParts(part('uid', { valueId: '7.7' }), part('subset', { valueString: '1' })))),
    expected: edited((d) => d.instance.push({ uid: '7.7', subset: ['1'] })),
  },
  {
    name: 'add an extension by parts: the choice `value` takes its type suffix',
    input: region2d,
    patch: patch(operation('add', 'ImagingSelection', name('extension'), valueParts(part('url', { valueUri: EXT_URL }), part('value', { valueString: 'n' })))),
    expected: edited((d) => (d.extension = [{ url: EXT_URL, valueString: 'n' }])),
  },
  {
    name: 'add an extension to a primitive goes into its `_name` sibling',
    input: region2d,
    patch: patch(operation('add', 'status', name('extension'), valueParts(part('url', { valueUri: EXT_URL }), part('value', { valueString: 'n' })))),
    expected: edited((d) => (d._status = { extension: [{ url: EXT_URL, valueString: 'n' }] })),
  },

  {
    name: 'add an extension to a repeating primitive creates an aligned `_subset`',
    input: multiframe,
    patch: patch(operation('add', 'instance[0].subset[2]', name('extension'), valueParts(part('url', { valueUri: EXT_URL }), part('value', { valueString: 'n' })))),
    expected: edited((d) => (d.instance[0]._subset = [null, null, { extension: [{ url: EXT_URL, valueString: 'n' }] }, null])),
  },
  {
    name: 'add a contained resource given as `resource`',
    input: region2d,
    patch: patch(operation('add', 'ImagingSelection', name('contained'), { name: 'value', resource: { resourceType: 'Patient', id: 'p1' } } as Part)),
    expected: edited((d) => (d.contained = [{ resourceType: 'Patient', id: 'p1' }])),
  },

  // --- insert --------------------------------------------------------------------------------------------
  {
    name: 'insert a repeating complex element at 0 (instance)',
    input: basic,
    patch: patch(operation('insert', 'ImagingSelection.instance', index(0), valueParts(part('uid', { valueId: '5.5' }), part('sopClass', { valueCoding: sopCT })))),
    expected: edited((d) => d.instance.unshift({ uid: '5.5', sopClass: sopCT })),
  },
  {
    name: 'insert a repeating primitive at index 1 (subset)',
    input: multiframe,
    patch: patch(operation('insert', 'instance[0].subset', index(1), value({ valueString: 'x' }))),
    expected: edited((d) => d.instance[0].subset.splice(1, 0, 'x')),
  },
  {
    name: 'insert at the end (index = length)',
    input: multiframe,
    patch: patch(operation('insert', 'instance[0].subset', index(4), value({ valueString: '5' }))),
    expected: edited((d) => d.instance[0].subset.push('5')),
  },
  {
    name: 'insert a decimal into coordinate',
    input: region2d,
    patch: patch(operation('insert', 'instance[0].imageRegion2D[0].coordinate', index(2), value({ valueDecimal: 0.5 }))),
    expected: edited((d) => d.instance[0].imageRegion2D[0].coordinate.splice(2, 0, 0.5)),
  },
  {
    name: 'insert into an absent list starts it (category)',
    input: region2d,
    patch: patch(operation('insert', 'ImagingSelection.category', index(0), value({ valueCodeableConcept: keyImages }))),
    expected: edited((d) => (d.category = [keyImages])),
  },
  {
    name: 'insert shifts the `_subset` extensions with `subset`',
    input: multiframeWithSubsetExt,
    patch: patch(operation('insert', 'instance[0].subset', index(0), value({ valueString: '0' }))),
    expected: edited((d) => {
      d.instance[0].subset.unshift('0');
      d.instance[0]._subset.unshift(null);
    }),
  },

  // --- delete --------------------------------------------------------------------------------------------
  deleteRow('delete a repeating complex element by index (instance[1])', basic, 'ImagingSelection.instance[1]', (d) => d.instance.splice(1, 1)),
  deleteRow('delete a repeating primitive by index (subset[2])', multiframe, 'instance[0].subset[2]', (d) => d.instance[0].subset.splice(2, 1)),
  deleteRow('delete the only item of a list removes the list (where())', region2d, "identifier.where(system='urn:dicom:uid')", (d) => delete d.identifier),
  deleteRow('delete a top-level primitive', region2d, 'ImagingSelection.frameOfReferenceUid', (d) => delete d.frameOfReferenceUid),
  deleteRow('delete that empties its parent removes the parent (code.text)', region2d, 'code.text', (d) => delete d.code),
  deleteRow('delete with no match is a no-op', region2d, "identifier.where(system='urn:ietf:rfc:3986')", () => undefined),
  deleteRow('delete a subset item drops its `_subset` entry; an all-null `_subset` goes', multiframeWithSubsetExt, 'instance[0].subset[1]', (d) => {
      d.instance[0].subset.splice(1, 1);
      delete d.instance[0]._subset;
    }),
  deleteRow('delete a subset item keeps `_subset` aligned', multiframeWithSubsetExt, 'instance[0].subset[0]', (d) => {
      d.instance[0].subset.splice(0, 1);
      d.instance[0]._subset.splice(0, 1);
    }),
  deleteRow('delete an extension of a primitive removes the emptied `_name` sibling', multiframeWithSubsetExt, 'instance[0].subset[1].extension[0]', (d) => delete d.instance[0]._subset),

  // --- move ----------------------------------------------------------------------------------------------
  {
    name: 'move a repeating complex element (instance 1 → 0)',
    input: basic,
    patch: patch(operation('move', 'ImagingSelection.instance', source(1), destination(0))),
    expected: edited((d) => d.instance.reverse()),
  },
  {
    name: 'move a repeating primitive (subset 0 → 3)',
    input: multiframe,
    patch: patch(operation('move', 'instance[0].subset', source(0), destination(3))),
    expected: edited((d) => (d.instance[0].subset = ['2', '3', '4', '1'])),
  },
  {
    name: 'move a coordinate (7 → 0)',
    input: region2d,
    patch: patch(operation('move', 'instance[0].imageRegion2D[0].coordinate', source(7), destination(0))),
    expected: edited((d) => (d.instance[0].imageRegion2D[0].coordinate = [0.75, 0.25, 0.25, 0.75, 0.25, 0.75, 0.75, 0.25])),
  },
  {
    name: 'move carries `_subset` along',
    input: multiframeWithSubsetExt,
    patch: patch(operation('move', 'instance[0].subset', source(1), destination(3))),
    expected: edited((d) => {
      d.instance[0].subset = ['1', '3', '4', '2'];
      d.instance[0]._subset = [null, null, null, { extension: [{ url: EXT_URL, valueString: 'on 2' }] }];
    }),
  },
  {
    name: 'an empty Parameters changes nothing',
    input: region2d,
    patch: { resourceType: 'Parameters' },
    expected: edited(() => undefined),
  },

  // --- 422: well formed, does not apply to this resource -----------------------------------------------
  { name: 'replace with no match', input: region2d, patch: patch(operation('replace', 'ImagingSelection.bodySite', value({ valueString: 'x' }))), status: 422 },
  { name: 'replace with a path matching several', input: basic, patch: patch(operation('replace', 'instance.uid', value({ valueId: '1' }))), status: 422 },
  { name: 'delete with a path matching several', input: basic, patch: patch(operation('delete', 'instance')), status: 422 },
  { name: 'add to a path matching nothing', input: region2d, patch: patch(operation('add', 'ImagingSelection.code.coding', name('code'), value({ valueCode: 'x' }))), status: 422 },
  { name: 'add to a non-repeating element that exists (status)', input: region2d, patch: patch(operation('add', 'ImagingSelection', name('status'), value({ valueCode: 'entered-in-error' }))), status: 422 },
  { name: 'add a second choice type next to an existing one', input: region2dWithExt, patch: patch(operation('add', 'extension[0]', name('value'), value({ valueInteger: 1 }))), status: 422 },
  { name: 'add an element the type does not have', input: region2d, patch: patch(operation('add', 'ImagingSelection', name('colour'), value({ valueString: 'red' }))), status: 422 },
  { name: 'insert index out of range', input: multiframe, patch: patch(operation('insert', 'instance[0].subset', index(5), value({ valueString: 'x' }))), status: 422 },
  { name: 'insert into a non-repeating element', input: region2d, patch: patch(operation('insert', 'code', index(0), value({ valueCodeableConcept: keyImages }))), status: 422 },
  { name: 'move source out of range', input: basic, patch: patch(operation('move', 'instance', source(2), destination(0))), status: 422 },
  { name: 'move destination out of range', input: multiframe, patch: patch(operation('move', 'instance[0].subset', source(0), destination(4))), status: 422 },
  { name: 'a value of the wrong type (Coding for a CodeableConcept)', input: region2d, patch: patch(operation('replace', 'code', value({ valueCoding: sopCT }))), status: 422 },
  { name: 'a primitive of the wrong JSON kind (boolean for a code)', input: region2d, patch: patch(operation('replace', 'status', value({ valueBoolean: true }))), status: 422 },
  { name: 'parts where a primitive is expected', input: region2d, patch: patch(operation('replace', 'status', valueParts(part('code', { valueCode: 'x' })))), status: 422 },
  { name: 'a non-repeating element given twice in parts', input: basic, patch: patch(operation('insert', 'instance', index(0), valueParts(part('uid', { valueId: '1' }), part('uid', { valueId: '2' })))), status: 422 },
  { name: 'a choice value of a type the choice does not allow', input: region2dWithExt, patch: patch(operation('replace', 'extension[0].value', valueParts(part('text', { valueString: 'x' })))), status: 422 },
  { name: 'resolve() (not supported by this synchronous engine)', input: region2d, patch: patch(operation('delete', 'subject.resolve()')), status: 422 },
  { name: 'replace the id', input: region2d, patch: patch(operation('replace', 'id', value({ valueId: 'other' }))), status: 422 },
  { name: 'replace the resource itself', input: region2d, patch: patch(operation('replace', 'ImagingSelection', value({ valueString: 'x' }))), status: 422 },
  { name: 'a computed value is not an element', input: region2d, patch: patch(operation('replace', "status + 'x'", value({ valueCode: 'x' }))), status: 422 },
  {
    name: 'the failing operation is named (second of two)',
    input: region2d,
    patch: patch(operation('replace', 'status', value({ valueCode: 'unavailable' })), operation('delete', 'instance.uid | identifier')),
    status: 422,
    diagnostics: 'operation 1 (delete',
  },

  // --- 400: malformed patch document --------------------------------------------------------------------
  { name: 'not a Parameters resource', input: region2d, patch: { resourceType: 'Bundle' }, status: 400 },
  { name: 'a parameter not named operation', input: region2d, patch: { resourceType: 'Parameters', parameter: [{ name: 'op', part: [] }] }, status: 400 },
  { name: 'an operation without parts', input: region2d, patch: { resourceType: 'Parameters', parameter: [{ name: 'operation' }] }, status: 400 },
  { name: 'a bad type code', input: region2d, patch: patch(operation('upsert', 'status', value({ valueCode: 'x' }))), status: 400, diagnostics: 'type' },
  { name: 'type given as valueString', input: region2d, patch: patch({ name: 'operation', part: [part('type', { valueString: 'delete' }), part('path', { valueString: 'status' })] }), status: 400 },
  { name: 'missing value (replace)', input: region2d, patch: patch(operation('replace', 'status')), status: 400, diagnostics: '"value"' },
  { name: 'missing name (add)', input: region2d, patch: patch(operation('add', 'ImagingSelection', value({ valueCode: 'x' }))), status: 400 },
  { name: 'missing index (insert)', input: multiframe, patch: patch(operation('insert', 'instance[0].subset', value({ valueString: 'x' }))), status: 400 },
  { name: 'negative index (insert)', input: multiframe, patch: patch(operation('insert', 'instance[0].subset', index(-1), value({ valueString: 'x' }))), status: 400 },
  { name: 'missing destination (move)', input: basic, patch: patch(operation('move', 'instance', source(0))), status: 400 },
  { name: 'missing path', input: region2d, patch: patch({ name: 'operation', part: [part('type', { valueCode: 'delete' })] }), status: 400 },
  { name: 'a path that is not FHIRPath', input: region2d, patch: patch(operation('delete', 'instance[0')), status: 400 },
  { name: 'an unknown part', input: region2d, patch: patch(operation('delete', 'status', part('where', { valueString: 'x' }))), status: 400 },
  { name: 'a value[x] type Parameters does not allow', input: region2d, patch: patch(operation('replace', 'status', value({ valueFoo: 'x' } as Omit<Part, 'name'>))), status: 400 },
  { name: 'two values', input: region2d, patch: patch(operation('replace', 'status', value({ valueCode: 'x', valueString: 'y' }))), status: 400 },
  { name: '`__proto__` as the name to add', input: region2d, patch: patch(operation('add', 'ImagingSelection', name('__proto__'), value({ valueString: 'x' }))), status: 400 },
  { name: '`constructor` as the name to add', input: region2d, patch: patch(operation('add', 'ImagingSelection', name('constructor'), value({ valueString: 'x' }))), status: 400 },
  { name: '`__proto__` in the path', input: region2d, patch: patch(operation('replace', 'ImagingSelection.`__proto__`', value({ valueString: 'x' }))), status: 400 },
  { name: '`constructor.prototype` in the path', input: region2d, patch: patch(operation('add', 'constructor.prototype', name('polluted'), value({ valueString: 'x' }))), status: 400 },
  { name: 'an escaped `__proto__` in the path', input: region2d, patch: patch(operation('delete', 'code.`\\u005f_proto__`')), status: 400 },
  { name: '`__proto__` as an external constant', input: region2d, patch: patch(operation('delete', '%`__proto__`')), status: 400 },
  { name: '`prototype` as a part name', input: region2d, patch: patch(operation('add', 'ImagingSelection', name('instance'), valueParts(part('prototype', { valueString: 'x' })))), status: 400 },
  {
    name: '`__proto__` as a key inside a value',
    input: region2d,
    patch: patch(operation('replace', 'code', value({ valueCodeableConcept: JSON.parse('{"text": "x", "__proto__": {"polluted": true}}') }))),
    status: 400,
  },
];

describe('applyFhirPathPatch (https://hl7.org/fhir/R5/fhirpatch.html)', () => {
  it.each(rows)('$name', (row) => {
    const error = checkPatchRow(applyFhirPathPatch, row);
    if (!error) return;
    expect(error.outcome.resourceType).toBe('OperationOutcome');
    // Without a text of its own, the diagnostics name the failing operation's position.
    if (!row.diagnostics && Array.isArray((row.patch as Parameters).parameter)) {
      expect(error.outcome.issue[0]?.diagnostics).toMatch(/FHIRPath Patch operation 0/);
    }
  });

  it('never reaches Object.prototype', () => {
    applyEveryRow(applyFhirPathPatch, rows);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('returns a result that shares nothing with the input or the patch', () => {
    const coding = { system: 'http://loinc.org', code: '18748-4' };
    const body = patch(operation('replace', 'code', value({ valueCodeableConcept: { coding: [coding] } })));
    const result = applyFhirPathPatch(region2d, body) as ImagingSelection;
    coding.code = 'changed';
    expect(result.code).toEqual({ coding: [{ system: 'http://loinc.org', code: '18748-4' }] });
    expect(result.instance?.[0]).not.toBe(region2d.instance?.[0]);
  });

  it('applies the same compiled path to different resources', () => {
    const body = patch(operation('replace', 'status', value({ valueCode: 'unavailable' })));
    expect((applyFhirPathPatch(basic, body) as ImagingSelection).status).toBe('unavailable');
    expect((applyFhirPathPatch(multiframe, body) as ImagingSelection).status).toBe('unavailable');
    expect(basic.status).toBe('available');
  });

  it('stops at the first failing operation and leaves no partial result', () => {
    const body = patch(operation('replace', 'status', value({ valueCode: 'unavailable' })), operation('replace', 'bodySite', value({ valueString: 'x' })));
    expect(() => applyFhirPathPatch(region2d, body)).toThrow(FhirError);
    expect(region2d.status).toBe('available');
  });
});

describe('isFhirPathPatch', () => {
  it.each([
    { name: 'a FHIRPath Patch', body: patch(operation('delete', 'status')), expected: true },
    { name: 'an empty Parameters', body: { resourceType: 'Parameters' }, expected: true },
    { name: 'Parameters with another parameter', body: { resourceType: 'Parameters', parameter: [{ name: 'operation', part: [] }, { name: 'count', valueInteger: 1 }] }, expected: false },
    { name: 'a JSON Patch', body: [{ op: 'remove', path: '/status' }], expected: false },
    { name: 'another resource', body: region2d, expected: false },
    { name: 'null', body: null, expected: false },
  ])('$name → $expected', ({ body, expected }) => {
    expect(isFhirPathPatch(body)).toBe(expected);
  });
});
