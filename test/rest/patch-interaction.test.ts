import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImagingSelection, OperationOutcome } from 'fhir/r5';
import type { Store } from '../../src/index.js';
import { example, openTestStore, snapshot } from '../helpers.js';

let store: Store;
const ID = 'example-basic-image-selection';
beforeEach(async () => {
  store = await openTestStore();
  await store.update(example(ID));
});
afterEach(() => store.close());

const fhirPathPatch = (...ops: { type: string; path: string; name?: string; value?: unknown; index?: number }[]) => ({
  resourceType: 'Parameters',
  parameter: ops.map((op) => ({
    name: 'operation',
    part: [
      { name: 'type', valueCode: op.type },
      { name: 'path', valueString: op.path },
      ...(op.name !== undefined ? [{ name: 'name', valueString: op.name }] : []),
      ...(op.index !== undefined ? [{ name: 'index', valueInteger: op.index }] : []),
      ...(op.value !== undefined ? [{ name: 'value', ...(op.value as object) }] : []),
    ],
  })),
});

describe('PATCH through handle', () => {
  it('JSON Patch makes a new version (200, ETag, history records PUT)', async () => {
    const res = await store.handle({
      method: 'PATCH',
      url: `ImagingSelection/${ID}`,
      headers: { 'Content-Type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'replace', path: '/status', value: 'unknown' }]),
    });
    expect(res.status).toBe(200);
    expect(res.headers['ETag']).toBe('W/"2"');
    expect((res.body as ImagingSelection).status).toBe('unknown');
    const hist = await store.history('ImagingSelection', ID);
    expect(hist.entry?.[0]?.request?.method).toBe('PUT');
  });

  it('FHIRPath Patch with a Parameters body', async () => {
    const res = await store.handle({
      method: 'PATCH',
      url: `ImagingSelection/${ID}`,
      headers: { 'Content-Type': 'application/fhir+json' },
      body: fhirPathPatch({ type: 'delete', path: 'ImagingSelection.instance[1]' }, { type: 'replace', path: 'ImagingSelection.code.text', value: { valueString: 'Renamed' } }),
    });
    expect(res.status).toBe(200);
    const body = res.body as ImagingSelection;
    expect(body.instance).toHaveLength(1);
    expect(body.code.text).toBe('Renamed');
  });

  it.each([
    ['a result that is not a valid resource (status removed)', 'application/json-patch+json', [{ op: 'remove', path: '/status' }], 422],
    ['a result with an invalid code', 'application/json-patch+json', [{ op: 'replace', path: '/status', value: 'nope' }], 422],
    ['a result with an unknown element', 'application/json-patch+json', [{ op: 'add', path: '/colour', value: 'red' }], 422],
    ['a failing test op', 'application/json-patch+json', [{ op: 'test', path: '/status', value: 'unknown' }], 422],
    ['a malformed JSON patch', 'application/json-patch+json', { op: 'replace' }, 400],
    ['a prototype-polluting JSON patch', 'application/json-patch+json', [{ op: 'add', path: '/__proto__/polluted', value: 1 }], 400],
    ['a constructor JSON patch', 'application/json-patch+json', [{ op: 'add', path: '/constructor/prototype/polluted', value: 1 }], 400],
    ['a patch that changes the id', 'application/json-patch+json', [{ op: 'replace', path: '/id', value: 'other' }], 422],
    ['a FHIRPath patch to __proto__', 'application/fhir+json', fhirPathPatch({ type: 'add', path: 'ImagingSelection', name: '__proto__', value: { valueString: 'x' } }), 400],
    ['a FHIRPath patch with a bad type', 'application/fhir+json', fhirPathPatch({ type: 'explode', path: 'ImagingSelection.status' }), 400],
    ['a FHIRPath replace that matches nothing', 'application/fhir+json', fhirPathPatch({ type: 'replace', path: 'ImagingSelection.issued', value: { valueInstant: '2020-01-01T00:00:00Z' } }), 422],
    ['a body that is no patch', 'application/fhir+json', { resourceType: 'Patient' }, 400],
    ['an unsupported patch format', 'application/xml-patch+xml', '<diff/>', 415],
  ])('%s answers %s and stores nothing', async (_n, contentType, body, status) => {
    const before = await snapshot(store);
    const res = await store.handle({ method: 'PATCH', url: `ImagingSelection/${ID}`, headers: { 'Content-Type': contentType }, body });
    expect(res.status).toBe(status);
    expect((res.body as OperationOutcome).resourceType).toBe('OperationOutcome');
    expect(await snapshot(store)).toEqual(before);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('honours If-Match', async () => {
    const patch = [{ op: 'replace', path: '/status', value: 'unknown' }];
    const headers = { 'Content-Type': 'application/json-patch+json' };
    expect((await store.handle({ method: 'PATCH', url: `ImagingSelection/${ID}`, headers: { ...headers, 'If-Match': 'W/"2"' }, body: patch })).status).toBe(412);
    expect((await store.handle({ method: 'PATCH', url: `ImagingSelection/${ID}`, headers: { ...headers, 'If-Match': 'W/"1"' }, body: patch })).status).toBe(200);
  });

  it('404 on an unknown resource, 410 on a deleted one', async () => {
    const headers = { 'Content-Type': 'application/json-patch+json' };
    const patch = [{ op: 'replace', path: '/status', value: 'unknown' }];
    expect((await store.handle({ method: 'PATCH', url: 'ImagingSelection/none', headers, body: patch })).status).toBe(404);
    await store.delete('ImagingSelection', ID);
    expect((await store.handle({ method: 'PATCH', url: `ImagingSelection/${ID}`, headers, body: patch })).status).toBe(410);
  });

  it('concurrent patches both apply (each is re-planned on the newer version)', async () => {
    const headers = { 'Content-Type': 'application/fhir+json' };
    const [a, b] = await Promise.all([
      store.handle({ method: 'PATCH', url: `ImagingSelection/${ID}`, headers, body: fhirPathPatch({ type: 'replace', path: 'ImagingSelection.code.text', value: { valueString: 'A' } }) }),
      store.handle({ method: 'PATCH', url: `ImagingSelection/${ID}`, headers, body: fhirPathPatch({ type: 'replace', path: 'ImagingSelection.status', value: { valueCode: 'unknown' } }) }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const current = await store.read<ImagingSelection>('ImagingSelection', ID);
    expect(current.meta?.versionId).toBe('3');
    expect(current.code.text).toBe('A');
    expect(current.status).toBe('unknown');
  });

  it('conditional patch: one match is patched, none is 404, several 412', async () => {
    const headers = { 'Content-Type': 'application/json-patch+json' };
    const patch = [{ op: 'replace', path: '/status', value: 'unknown' }];
    const ident = example(ID).identifier![0]!;
    const url = `ImagingSelection?identifier=${encodeURIComponent(`${ident.system}|${ident.value}`)}`;
    expect((await store.handle({ method: 'PATCH', url, headers, body: patch })).status).toBe(200);
    expect((await store.handle({ method: 'PATCH', url: 'ImagingSelection?identifier=none', headers, body: patch })).status).toBe(404);
    await store.update({ ...example(ID), id: 'copy' });
    expect((await store.handle({ method: 'PATCH', url, headers, body: patch })).status).toBe(412);
  });
});

// Was a bug (issue 13, defect 8): 90 of 100 unconditional PATCHes at once answered 409 "Gave up after 5 attempts".
describe('PATCH under contention', () => {
  const addIdentifier = (k: number) => [{ op: 'add', path: '/identifier/-', value: { system: 'urn:test', value: `v${k}` } }];

  it('50 unconditional patches at once all apply: each lands on the version current when it commits', async () => {
    await store.patch('ImagingSelection', ID, [{ op: 'add', path: '/identifier', value: [{ system: 'urn:test', value: 'start' }] }]);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, k) => store.handle({ method: 'PATCH', url: `ImagingSelection/${ID}`, headers: { 'Content-Type': 'application/json-patch+json' }, body: addIdentifier(k) })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    const stored = await store.read('ImagingSelection', ID);
    expect(stored.identifier?.map((i) => i.value).sort()).toEqual(['start', ...Array.from({ length: 50 }, (_, k) => `v${k}`)].sort());
    expect(stored.meta?.versionId).toBe('52');
  });

  it('patches with If-Match at once: exactly one applies, the rest answer 412', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, k) =>
        store.handle({ method: 'PATCH', url: `ImagingSelection/${ID}`, headers: { 'Content-Type': 'application/json-patch+json', 'If-Match': 'W/"1"' }, body: [{ op: 'replace', path: '/status', value: k % 2 === 0 ? 'available' : 'entered-in-error' }] }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 412)).toHaveLength(19);
  });
});
