import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImagingSelection, OperationOutcome } from 'fhir/r5';
import type { Store } from '../../src/index.js';
import { openTestStore, selection, snapshot } from '../helpers.js';

let store: Store;
beforeEach(async () => {
  store = await openTestStore();
});
afterEach(() => store.close());

describe('update', () => {
  it('makes a new version each time (200) with Location and ETag', async () => {
    const v1 = await store.create(selection());
    const res = await store.handle({ method: 'PUT', url: `ImagingSelection/${v1.id}`, body: { ...v1, status: 'unknown' } });
    expect(res.status).toBe(200);
    expect(res.headers['ETag']).toBe('W/"2"');
    expect(res.headers['Location']).toBe(`ImagingSelection/${v1.id}/_history/2`);
    expect((res.body as ImagingSelection).meta?.versionId).toBe('2');
    expect((res.body as ImagingSelection).status).toBe('unknown');
  });

  it('update-as-create with a client id answers 201', async () => {
    const res = await store.handle({ method: 'PUT', url: 'ImagingSelection/client-1', body: selection({ id: 'client-1' }) });
    expect(res.status).toBe(201);
    expect(res.headers['Location']).toBe('ImagingSelection/client-1/_history/1');
  });

  it.each([
    ['a body without an id', 'ImagingSelection/a', selection(), 400],
    ['a body id that differs from the URL', 'ImagingSelection/a', selection({ id: 'b' }), 400],
    ['an invalid URL id', 'ImagingSelection/not valid', selection({ id: 'not valid' }), 400],
    ['a 65-character id', `ImagingSelection/${'x'.repeat(65)}`, selection({ id: 'x'.repeat(65) }), 400],
    ['an invalid resource', 'ImagingSelection/a', { resourceType: 'ImagingSelection', id: 'a', status: 'bogus', code: { text: 'x' } }, 422],
  ])('%s answers %s and writes nothing', async (_n, url, body, status) => {
    await store.update(selection({ id: 'a' }));
    const before = await snapshot(store);
    const res = await store.handle({ method: 'PUT', url, body });
    expect(res.status).toBe(status);
    expect((res.body as OperationOutcome).resourceType).toBe('OperationOutcome');
    expect(await snapshot(store)).toEqual(before);
  });

  it('If-Match with the current version succeeds; a stale one answers 412 and changes nothing', async () => {
    const v1 = await store.create(selection());
    const url = `ImagingSelection/${v1.id}`;
    const ok = await store.handle({ method: 'PUT', url, headers: { 'If-Match': 'W/"1"' }, body: { ...v1, status: 'unknown' } });
    expect(ok.status).toBe(200);
    const before = await snapshot(store);
    const stale = await store.handle({ method: 'PUT', url, headers: { 'If-Match': 'W/"1"' }, body: { ...v1, status: 'entered-in-error' } });
    expect(stale.status).toBe(412);
    expect(await snapshot(store)).toEqual(before);
  });

  it('If-Match on a resource that does not exist answers 412', async () => {
    const res = await store.handle({ method: 'PUT', url: 'ImagingSelection/x', headers: { 'If-Match': 'W/"1"' }, body: selection({ id: 'x' }) });
    expect(res.status).toBe(412);
  });

  it('a malformed If-Match answers 400', async () => {
    const v1 = await store.create(selection());
    const res = await store.handle({ method: 'PUT', url: `ImagingSelection/${v1.id}`, headers: { 'If-Match': 'W/' }, body: v1 });
    expect(res.status).toBe(400);
  });

  it('three concurrent updates with the same If-Match: exactly one succeeds', async () => {
    const v1 = await store.create(selection());
    const url = `ImagingSelection/${v1.id}`;
    const results = await Promise.all(
      (['unknown', 'entered-in-error', 'available'] as const).map((status) =>
        store.handle({ method: 'PUT', url, headers: { 'If-Match': 'W/"1"' }, body: { ...v1, status } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 412, 412]);
    const current = await store.read('ImagingSelection', v1.id!);
    expect(current.meta?.versionId).toBe('2');
  });

  describe('conditional update', () => {
    const ident = { system: 'urn:x', value: '1' };
    it('no match and no id creates (201)', async () => {
      const res = await store.handle({ method: 'PUT', url: 'ImagingSelection?identifier=urn:x|1', body: selection({ identifier: [ident] }) });
      expect(res.status).toBe(201);
    });
    it('no match with a body id creates with that id', async () => {
      const res = await store.handle({ method: 'PUT', url: 'ImagingSelection?identifier=urn:x|1', body: selection({ id: 'mine', identifier: [ident] }) });
      expect(res.status).toBe(201);
      expect(res.headers['Location']).toBe('ImagingSelection/mine/_history/1');
    });
    it('one match is updated', async () => {
      const v1 = await store.create(selection({ identifier: [ident] }));
      const res = await store.handle({ method: 'PUT', url: 'ImagingSelection?identifier=urn:x|1', body: selection({ identifier: [ident], status: 'unknown' }) });
      expect(res.status).toBe(200);
      expect(res.headers['Location']).toBe(`ImagingSelection/${v1.id}/_history/2`);
    });
    it('one match but another body id answers 400', async () => {
      await store.create(selection({ identifier: [ident] }));
      const res = await store.handle({ method: 'PUT', url: 'ImagingSelection?identifier=urn:x|1', body: selection({ id: 'other', identifier: [ident] }) });
      expect(res.status).toBe(400);
    });
    it('several matches answer 412', async () => {
      await store.create(selection({ identifier: [ident] }));
      await store.create(selection({ identifier: [ident] }));
      const before = await snapshot(store);
      const res = await store.handle({ method: 'PUT', url: 'ImagingSelection?identifier=urn:x|1', body: selection({ identifier: [ident] }) });
      expect(res.status).toBe(412);
      expect(await snapshot(store)).toEqual(before);
    });
  });
});

describe('delete', () => {
  it('answers 204, records a DELETE history entry, and read then gives 410', async () => {
    const v1 = await store.create(selection());
    const res = await store.handle({ method: 'DELETE', url: `ImagingSelection/${v1.id}` });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expect(res.headers['ETag']).toBe('W/"2"');
    const read = await store.handle({ method: 'GET', url: `ImagingSelection/${v1.id}` });
    expect(read.status).toBe(410);
    expect(read.headers['ETag']).toBe('W/"2"');
    expect((await store.handle({ method: 'GET', url: `ImagingSelection/${v1.id}/_history/2` })).status).toBe(410);
    expect((await store.handle({ method: 'GET', url: `ImagingSelection/${v1.id}/_history/1` })).status).toBe(200);
    const hist = await store.history('ImagingSelection', v1.id);
    expect(hist.entry?.[0]).toMatchObject({ request: { method: 'DELETE', url: `ImagingSelection/${v1.id}` } });
    expect(hist.entry?.[0]?.resource).toBeUndefined();
  });

  it('answers 200 with an OperationOutcome when Prefer: return=OperationOutcome', async () => {
    const v1 = await store.create(selection());
    const res = await store.handle({ method: 'DELETE', url: `ImagingSelection/${v1.id}`, headers: { Prefer: 'return=OperationOutcome' } });
    expect(res.status).toBe(200);
    expect((res.body as OperationOutcome).resourceType).toBe('OperationOutcome');
  });

  it('deleting twice or deleting the unknown changes nothing', async () => {
    const v1 = await store.create(selection());
    await store.delete('ImagingSelection', v1.id!);
    const before = await snapshot(store);
    expect((await store.handle({ method: 'DELETE', url: `ImagingSelection/${v1.id}` })).status).toBe(204);
    expect((await store.handle({ method: 'DELETE', url: 'ImagingSelection/never' })).status).toBe(204);
    expect(await snapshot(store)).toEqual(before);
  });

  it('a deleted resource is not found by search', async () => {
    const v1 = await store.create(selection({ identifier: [{ system: 'urn:x', value: 'd' }] }));
    await store.delete('ImagingSelection', v1.id!);
    const bundle = await store.search('ImagingSelection', { identifier: 'urn:x|d' });
    expect(bundle.total).toBe(0);
  });

  it('a later update re-creates it (201, next version)', async () => {
    const v1 = await store.create(selection());
    await store.delete('ImagingSelection', v1.id!);
    const res = await store.handle({ method: 'PUT', url: `ImagingSelection/${v1.id}`, body: { ...v1 } });
    expect(res.status).toBe(201);
    expect(res.headers['ETag']).toBe('W/"3"');
    expect((await store.handle({ method: 'GET', url: `ImagingSelection/${v1.id}` })).status).toBe(200);
  });

  it('honours If-Match', async () => {
    const v1 = await store.create(selection());
    expect((await store.handle({ method: 'DELETE', url: `ImagingSelection/${v1.id}`, headers: { 'If-Match': 'W/"9"' } })).status).toBe(412);
    expect((await store.handle({ method: 'DELETE', url: `ImagingSelection/${v1.id}`, headers: { 'If-Match': 'W/"1"' } })).status).toBe(204);
  });

  describe('conditional delete', () => {
    it('one match deletes it', async () => {
      const v1 = await store.create(selection({ identifier: [{ system: 'urn:x', value: '1' }] }));
      const res = await store.handle({ method: 'DELETE', url: 'ImagingSelection?identifier=urn:x|1' });
      expect(res.status).toBe(204);
      expect((await store.handle({ method: 'GET', url: `ImagingSelection/${v1.id}` })).status).toBe(410);
    });
    it('several matches answer 412 and delete nothing', async () => {
      await store.create(selection({ identifier: [{ system: 'urn:x', value: '1' }] }));
      await store.create(selection({ identifier: [{ system: 'urn:x', value: '1' }] }));
      const before = await snapshot(store);
      expect((await store.handle({ method: 'DELETE', url: 'ImagingSelection?identifier=urn:x|1' })).status).toBe(412);
      expect(await snapshot(store)).toEqual(before);
    });
    it('no match changes nothing', async () => {
      const before = await snapshot(store);
      expect((await store.handle({ method: 'DELETE', url: 'ImagingSelection?identifier=urn:x|none' })).status).toBe(204);
      expect(await snapshot(store)).toEqual(before);
    });
    it('without criteria answers 400', async () => {
      expect((await store.handle({ method: 'DELETE', url: 'ImagingSelection?' })).status).toBe(400);
    });
  });
});

describe('Prefer: return', () => {
  it('minimal: no body, headers kept', async () => {
    const res = await store.handle({ method: 'POST', url: 'ImagingSelection', headers: { Prefer: 'return=minimal' }, body: selection() });
    expect(res.status).toBe(201);
    expect(res.body).toBeUndefined();
    expect(res.headers['Location']).toBe('ImagingSelection/id1/_history/1');
  });
  it('OperationOutcome: an informational OperationOutcome', async () => {
    const res = await store.handle({ method: 'POST', url: 'ImagingSelection', headers: { prefer: 'return=OperationOutcome' }, body: selection() });
    expect(res.status).toBe(201);
    expect((res.body as OperationOutcome).issue[0]?.severity).toBe('information');
  });
  it('representation: the resource', async () => {
    const res = await store.handle({ method: 'POST', url: 'ImagingSelection', headers: { Prefer: 'return=representation' }, body: selection() });
    expect((res.body as ImagingSelection).id).toBe('id1');
  });
});

describe('routing', () => {
  it.each([
    ['POST', 'ImagingSelection/x', 405],
    ['GET', 'ImagingSelection/x/y', 404],
    ['GET', 'ImagingSelection/x/_history/1/more', 404],
    ['PUT', 'metadata', 405],
    ['DELETE', '_history', 405],
    ['DELETE', 'ImagingSelection', 400],
  ])('%s %s answers %s', async (method, url, status) => {
    expect((await store.handle({ method, url })).status).toBe(status);
  });
  it('accepts an absolute URL on the store base', async () => {
    const v1 = await store.create(selection());
    expect((await store.handle({ method: 'GET', url: `http://localhost/fhir/ImagingSelection/${v1.id}` })).status).toBe(200);
  });
});
