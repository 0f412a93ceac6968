import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImagingSelection, OperationOutcome } from 'fhir/r5';
import type { Store } from '../../src/index.js';
import { example, loadExamples, openTestStore, selection, snapshot } from '../helpers.js';

let store: Store;
beforeEach(async () => {
  store = await openTestStore();
});
afterEach(() => store.close());

describe('create', () => {
  it('assigns id, versionId 1 and lastUpdated; answers 201 with Location, ETag, Last-Modified', async () => {
    const res = await store.handle({ method: 'POST', url: 'ImagingSelection', body: selection({ id: 'ignored' }) });
    expect(res.status).toBe(201);
    expect(res.headers['Location']).toBe('ImagingSelection/id1/_history/1');
    expect(res.headers['ETag']).toBe('W/"1"');
    expect(res.headers['Last-Modified']).toBe('Wed, 01 Jan 2025 00:00:00 GMT');
    expect(res.headers['Content-Type']).toMatch(/^application\/fhir\+json/);
    const body = res.body as ImagingSelection;
    expect(body.id).toBe('id1');
    expect(body.meta).toEqual({ versionId: '1', lastUpdated: '2025-01-01T00:00:00.000Z' });
  });

  it('ignores client-supplied meta.versionId and meta.lastUpdated but keeps other meta', async () => {
    const body = selection({ meta: { versionId: '7', lastUpdated: '2000-01-01T00:00:00Z', tag: [{ code: 'x' }] } });
    const created = await store.create(body);
    expect(created.meta).toEqual({ versionId: '1', lastUpdated: '2025-01-01T00:00:00.000Z', tag: [{ code: 'x' }] });
  });

  it('accepts a JSON string body and parses it by Content-Type', async () => {
    const res = await store.handle({
      method: 'POST',
      url: 'ImagingSelection',
      headers: { 'content-type': 'application/fhir+json; charset=utf-8' },
      body: JSON.stringify(selection()),
    });
    expect(res.status).toBe(201);
  });

  it.each([
    ['malformed JSON', { method: 'POST', url: 'ImagingSelection', headers: { 'Content-Type': 'application/fhir+json' }, body: '{"resourceType":' }, 400],
    ['wrong resourceType', { method: 'POST', url: 'ImagingSelection', body: { resourceType: 'Patient' } }, 400],
    ['not an object', { method: 'POST', url: 'ImagingSelection', body: [1, 2] }, 400],
    ['no body', { method: 'POST', url: 'ImagingSelection' }, 400],
    ['invalid resource (missing status)', { method: 'POST', url: 'ImagingSelection', body: { resourceType: 'ImagingSelection', code: { text: 'x' } } }, 422],
    ['unknown element', { method: 'POST', url: 'ImagingSelection', body: { ...selection(), colour: 'red' } }, 400],
    ['unsupported content type', { method: 'POST', url: 'ImagingSelection', headers: { 'Content-Type': 'text/plain' }, body: 'hello' }, 415],
    ['unknown resource type', { method: 'POST', url: 'Imagingselection', body: selection() }, 404],
  ])('%s answers %s with an OperationOutcome and writes nothing', async (_name, req, status) => {
    const before = await snapshot(store);
    const res = await store.handle(req);
    expect(res.status).toBe(status);
    expect((res.body as OperationOutcome).resourceType).toBe('OperationOutcome');
    expect(await snapshot(store)).toEqual(before);
  });

  it('names the failing element in OperationOutcome.issue.expression', async () => {
    const res = await store.handle({ method: 'POST', url: 'ImagingSelection', body: { resourceType: 'ImagingSelection', code: { text: 'x' } } });
    const oo = res.body as OperationOutcome;
    expect(oo.issue.flatMap((i) => i.expression ?? [])).toContain('ImagingSelection.status');
  });

  describe('conditional create (If-None-Exist)', () => {
    const ident = { system: 'urn:dicom:uid', value: 'urn:oid:1.2.3' };
    it('no match creates', async () => {
      const res = await store.handle({
        method: 'POST',
        url: 'ImagingSelection',
        headers: { 'If-None-Exist': 'identifier=urn:dicom:uid|urn:oid:1.2.3' },
        body: selection({ identifier: [ident] }),
      });
      expect(res.status).toBe(201);
    });
    it('one match answers 200 with it and creates nothing', async () => {
      const first = await store.create(selection({ identifier: [ident] }));
      const before = await snapshot(store);
      const res = await store.handle({
        method: 'POST',
        url: 'ImagingSelection',
        headers: { 'If-None-Exist': 'identifier=urn:dicom:uid|urn:oid:1.2.3' },
        body: selection({ identifier: [ident] }),
      });
      expect(res.status).toBe(200);
      expect((res.body as ImagingSelection).id).toBe(first.id);
      expect(res.headers['Location']).toBe(`ImagingSelection/${first.id}/_history/1`);
      expect(await snapshot(store)).toEqual(before);
    });
    it('several matches answer 412', async () => {
      await store.create(selection({ identifier: [ident] }));
      await store.create(selection({ identifier: [ident] }));
      const res = await store.handle({
        method: 'POST',
        url: 'ImagingSelection',
        headers: { 'If-None-Exist': 'identifier=urn:dicom:uid|urn:oid:1.2.3' },
        body: selection({ identifier: [ident] }),
      });
      expect(res.status).toBe(412);
    });
    it('bad criteria answer 400', async () => {
      const res = await store.handle({ method: 'POST', url: 'ImagingSelection', headers: { 'If-None-Exist': 'colour=red' }, body: selection() });
      expect(res.status).toBe(400);
    });
  });
});

describe('read and vread', () => {
  it('reads the current version with ETag and Last-Modified', async () => {
    const created = await store.create(selection());
    const res = await store.handle({ method: 'GET', url: `ImagingSelection/${created.id}` });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(created);
    expect(res.headers['ETag']).toBe('W/"1"');
    expect(res.headers['Last-Modified']).toBe('Wed, 01 Jan 2025 00:00:00 GMT');
  });

  it('404 for an unknown id, 400 for an invalid id, 404 for an unknown type', async () => {
    expect((await store.handle({ method: 'GET', url: 'ImagingSelection/nope' })).status).toBe(404);
    expect((await store.handle({ method: 'GET', url: 'ImagingSelection/bad_id!' })).status).toBe(400);
    expect((await store.handle({ method: 'GET', url: 'NotAType/x' })).status).toBe(404);
  });

  it('conditional read: If-None-Match with the current ETag gives 304; an old one gives 200', async () => {
    const created = await store.create(selection());
    await store.update({ ...created });
    const url = `ImagingSelection/${created.id}`;
    expect((await store.handle({ method: 'GET', url, headers: { 'If-None-Match': 'W/"2"' } })).status).toBe(304);
    expect((await store.handle({ method: 'GET', url, headers: { 'If-None-Match': 'W/"1"' } })).status).toBe(200);
  });

  it('conditional read: If-Modified-Since not older than the version gives 304', async () => {
    const created = await store.create(selection());
    const url = `ImagingSelection/${created.id}`;
    const res304 = await store.handle({ method: 'GET', url, headers: { 'If-Modified-Since': 'Wed, 01 Jan 2025 00:00:00 GMT' } });
    expect(res304.status).toBe(304);
    expect(res304.body).toBeUndefined();
    const res200 = await store.handle({ method: 'GET', url, headers: { 'If-Modified-Since': 'Tue, 31 Dec 2024 23:59:59 GMT' } });
    expect(res200.status).toBe(200);
  });

  it('vread returns every version; a version that never existed is 404', async () => {
    const v1 = await store.create(selection());
    const v2 = await store.update({ ...v1, status: 'unknown' });
    const r1 = await store.handle({ method: 'GET', url: `ImagingSelection/${v1.id}/_history/1` });
    const r2 = await store.handle({ method: 'GET', url: `ImagingSelection/${v1.id}/_history/2` });
    expect(r1.body).toEqual(v1);
    expect(r2.body).toEqual(v2);
    expect(r2.headers['ETag']).toBe('W/"2"');
    expect((await store.handle({ method: 'GET', url: `ImagingSelection/${v1.id}/_history/3` })).status).toBe(404);
    expect((await store.handle({ method: 'GET', url: `ImagingSelection/${v1.id}/_history/abc` })).status).toBe(404);
  });

  it('HEAD answers like GET without a body', async () => {
    const created = await store.create(selection());
    const res = await store.handle({ method: 'HEAD', url: `ImagingSelection/${created.id}` });
    expect(res.status).toBe(200);
    expect(res.body).toBeUndefined();
    expect(res.headers['ETag']).toBe('W/"1"');
  });

  it('typed read throws FhirError with the status', async () => {
    await expect(store.read('ImagingSelection', 'missing')).rejects.toMatchObject({ name: 'FhirError', status: 404 });
  });
});

describe('the 7 official R5 examples', () => {
  it('round-trip unchanged apart from server-managed meta', async () => {
    for (const ex of loadExamples()) {
      const res = await store.handle({ method: 'PUT', url: `ImagingSelection/${ex.id}`, body: ex });
      expect(res.status).toBe(201);
      const back = await store.read<ImagingSelection>('ImagingSelection', ex.id!);
      const { meta, ...rest } = back;
      const { meta: exMeta, ...exRest } = ex;
      expect(rest).toEqual(exRest);
      expect(meta).toEqual({ ...exMeta, versionId: '1', lastUpdated: expect.any(String) });
    }
  });

  it('are found by identifier', async () => {
    const ex = example('example-basic-image-selection');
    await store.update(ex);
    const ident = ex.identifier![0]!;
    const bundle = await store.search('ImagingSelection', { identifier: `${ident.system}|${ident.value}` });
    expect(bundle.entry?.map((e) => e.resource?.id)).toEqual([ex.id]);
  });
});
