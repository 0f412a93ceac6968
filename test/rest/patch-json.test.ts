import type { ImagingSelection } from 'fhir/r5';
import { describe, expect, it } from 'vitest';
import { applyEveryRow, basic, checkPatchRow, edited, multiframe, region2d, type PatchRow } from './patch-fixtures.js';
import { applyJsonPatch } from '../../src/rest/patch/index.js';

// Fixtures: the official R5 ImagingSelection examples, deep-frozen (patch-fixtures.ts).

const keyImages = { text: 'Key images' };

interface Row extends PatchRow {
  /** The OperationOutcome expression expected for the failure. */
  expression?: string;
}

const rows: Row[] = [
  // --- applied -------------------------------------------------------------------------------------------
  { name: 'replace', input: region2d, patch: [{ op: 'replace', path: '/status', value: 'unavailable' }], expected: edited((d) => (d.status = 'unavailable')) },
  { name: 'add a new member', input: region2d, patch: [{ op: 'add', path: '/category', value: [keyImages] }], expected: edited((d) => (d.category = [keyImages])) },
  { name: 'add to the end of a list (-)', input: multiframe, patch: [{ op: 'add', path: '/instance/0/subset/-', value: '5' }], expected: edited((d) => d.instance[0].subset.push('5')) },
  { name: 'add into a list by index', input: multiframe, patch: [{ op: 'add', path: '/instance/0/subset/1', value: 'x' }], expected: edited((d) => d.instance[0].subset.splice(1, 0, 'x')) },
  { name: 'remove a list item', input: basic, patch: [{ op: 'remove', path: '/instance/1' }], expected: edited((d) => d.instance.splice(1, 1)) },
  { name: 'remove a member', input: region2d, patch: [{ op: 'remove', path: '/frameOfReferenceUid' }], expected: edited((d) => delete d.frameOfReferenceUid) },
  { name: 'move', input: basic, patch: [{ op: 'move', from: '/instance/1', path: '/instance/0' }], expected: edited((d) => d.instance.reverse()) },
  {
    name: 'copy',
    input: region2d,
    patch: [{ op: 'copy', from: '/identifier/0', path: '/identifier/1' }],
    expected: edited((d) => d.identifier.push({ ...d.identifier[0] })),
  },
  {
    name: 'test that passes, then replace (applied in order)',
    input: region2d,
    patch: [
      { op: 'test', path: '/status', value: 'available' },
      { op: 'replace', path: '/instance/0/imageRegion2D/0/coordinate/0', value: 0.3 },
      { op: 'test', path: '/instance/0/imageRegion2D/0/coordinate/0', value: 0.3 },
    ],
    expected: edited((d) => (d.instance[0].imageRegion2D[0].coordinate[0] = 0.3)),
  },
  { name: 'test on the id (unchanged)', input: region2d, patch: [{ op: 'test', path: '/id', value: region2d.id }], expected: edited(() => undefined) },
  { name: 'replace the id with itself', input: region2d, patch: [{ op: 'replace', path: '/id', value: region2d.id }], expected: edited(() => undefined) },
  { name: 'an empty patch', input: region2d, patch: [], expected: edited(() => undefined) },
  { name: 'a key with an escaped "/" (~1) is a plain key', input: region2d, patch: [{ op: 'add', path: '/meta/a~1b', value: 1 }], expected: edited((d) => (d.meta['a/b'] = 1)) },

  // --- 422: does not apply to this resource ------------------------------------------------------------
  { name: 'failing test', input: region2d, patch: [{ op: 'test', path: '/status', value: 'cancelled' }], status: 422, expression: 'ImagingSelection.status' },
  {
    name: 'failing test after a successful op names its index',
    input: region2d,
    patch: [{ op: 'replace', path: '/status', value: 'unavailable' }, { op: 'test', path: '/status', value: 'available' }],
    status: 422,
    diagnostics: 'JSON Patch operation 1 (test /status)',
  },
  { name: 'replace a member that does not exist', input: region2d, patch: [{ op: 'replace', path: '/bodySite', value: [] }], status: 422 },
  { name: 'remove a path that does not exist', input: region2d, patch: [{ op: 'remove', path: '/instance/3' }], status: 422, expression: 'ImagingSelection.instance[3]' },
  { name: 'add under a missing parent', input: region2d, patch: [{ op: 'add', path: '/bodySite/0/concept', value: keyImages }], status: 422 },
  { name: 'add past the end of a list', input: basic, patch: [{ op: 'add', path: '/instance/5', value: {} }], status: 422 },
  { name: 'a non-numeric list index', input: basic, patch: [{ op: 'replace', path: '/instance/first', value: {} }], status: 422 },
  { name: 'move from a path that does not exist', input: basic, patch: [{ op: 'move', from: '/category/0', path: '/instance/0' }], status: 422 },
  { name: 'write below a primitive', input: region2d, patch: [{ op: 'add', path: '/status/x', value: 1 }], status: 422 },
  { name: 'change the id', input: region2d, patch: [{ op: 'replace', path: '/id', value: 'other' }], status: 422, expression: 'ImagingSelection.id' },
  { name: 'remove the id', input: region2d, patch: [{ op: 'remove', path: '/id' }], status: 422 },
  { name: 'change the resourceType', input: region2d, patch: [{ op: 'replace', path: '/resourceType', value: 'Patient' }], status: 422 },
  { name: 'move the id away', input: region2d, patch: [{ op: 'move', from: '/id', path: '/language' }], status: 422 },
  { name: 'replace the whole document with another resource', input: region2d, patch: [{ op: 'replace', path: '', value: { resourceType: 'ImagingSelection', id: 'other', status: 'available' } }], status: 422 },
  { name: 'remove the whole document', input: region2d, patch: [{ op: 'remove', path: '' }], status: 422 },

  // --- 400: malformed patch document ---------------------------------------------------------------------
  { name: 'not an array (an object)', input: region2d, patch: { op: 'replace', path: '/status', value: 'x' }, status: 400 },
  { name: 'not an array (null)', input: region2d, patch: null, status: 400 },
  { name: 'an operation that is not an object', input: region2d, patch: ['remove /status'], status: 400 },
  { name: 'unknown op', input: region2d, patch: [{ op: 'merge', path: '/status', value: 'x' }], status: 400, diagnostics: 'JSON Patch operation 0' },
  { name: "fast-json-patch's private _get op", input: region2d, patch: [{ op: '_get', path: '/status' }], status: 400 },
  { name: 'missing path', input: region2d, patch: [{ op: 'remove' }], status: 400 },
  { name: 'path not a pointer', input: region2d, patch: [{ op: 'remove', path: 'status' }], status: 400 },
  { name: 'missing value', input: region2d, patch: [{ op: 'replace', path: '/status' }], status: 400 },
  { name: 'missing from', input: region2d, patch: [{ op: 'copy', path: '/status' }], status: 400 },
  { name: 'bad second operation is reported with its index', input: region2d, patch: [{ op: 'remove', path: '/status' }, { op: 'add', path: '/code' }], status: 400, diagnostics: 'JSON Patch operation 1' },
  { name: 'move into its own child', input: region2d, patch: [{ op: 'move', from: '/code', path: '/code/text' }], status: 400 },
  { name: '/__proto__/x', input: region2d, patch: [{ op: 'add', path: '/__proto__/x', value: 1 }], status: 400 },
  { name: '/constructor/prototype', input: region2d, patch: [{ op: 'add', path: '/constructor/prototype/x', value: 1 }], status: 400 },
  { name: 'a constructor token deeper down', input: region2d, patch: [{ op: 'replace', path: '/code/constructor', value: 1 }], status: 400 },
  { name: 'a __proto__ token deeper down', input: region2d, patch: [{ op: 'add', path: '/instance/0/__proto__', value: {} }], status: 400 },
  { name: '__proto__ in from', input: region2d, patch: [{ op: 'copy', from: '/__proto__', path: '/x' }], status: 400 },
  { name: 'a value with an own __proto__ key', input: region2d, patch: [{ op: 'add', path: '/code', value: JSON.parse('{"__proto__": {"polluted": true}}') }], status: 400 },
];

describe('applyJsonPatch (https://hl7.org/fhir/R5/http.html#patch, RFC 6902)', () => {
  it.each(rows)('$name', (row) => {
    const issue = checkPatchRow(applyJsonPatch, row)?.outcome.issue[0];
    // Diagnostics are one readable sentence, never fast-json-patch's dump of the document.
    expect(issue?.diagnostics ?? '').not.toContain('\n');
    if (row.expression) expect(issue?.expression).toEqual([row.expression]);
  });

  it('never reaches Object.prototype', () => {
    applyEveryRow(applyJsonPatch, rows);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('returns a result that shares nothing with the input or the patch', () => {
    const value = { text: 'Key images' };
    const ops = [
      { op: 'add', path: '/category', value: [value] },
      { op: 'copy', from: '/category/0', path: '/category/1' },
    ];
    const result = applyJsonPatch(region2d, ops) as ImagingSelection;
    value.text = 'changed';
    expect(result.category).toEqual([{ text: 'Key images' }, { text: 'Key images' }]);
    expect(result.category?.[0]).not.toBe(result.category?.[1]);
    expect(result.instance?.[0]).not.toBe(region2d.instance?.[0]);
    expect(ops[0]).toEqual({ op: 'add', path: '/category', value: [{ text: 'changed' }] });
  });
});
