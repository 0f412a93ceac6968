import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bundle, ImagingSelection, OperationOutcome, Patient } from 'fhir/r5';
import type { Store } from '../../src/index.js';
import { openTestStore, postTransaction, selection, snapshot } from '../helpers.js';

let store: Store;
beforeEach(async () => {
  store = await openTestStore();
});
afterEach(() => store.close());

const post = (body: unknown) => store.handle({ method: 'POST', url: '', body });
/** POSTs a transaction Bundle of these entries (loose JSON: some are invalid on purpose). */
const transaction = (...entry: unknown[]) => postTransaction(store, entry);

describe('transaction', () => {
  it('creates related resources and rewrites urn:uuid references, in one transaction', async () => {
    const res = await transaction(
      {
        fullUrl: 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a',
        resource: selection({ subject: { reference: 'urn:uuid:88f151c0-a954-468a-88bd-5ae15c08e059' } }),
        request: { method: 'POST', url: 'ImagingSelection' },
      },
      {
        fullUrl: 'urn:uuid:88f151c0-a954-468a-88bd-5ae15c08e059',
        resource: { resourceType: 'Patient', name: [{ family: 'Doe' }] },
        request: { method: 'POST', url: 'Patient' },
      },
    );
    expect(res.status).toBe(200);
    const bundle = res.body as Bundle;
    expect(bundle.type).toBe('transaction-response');
    expect(bundle.entry?.map((e) => e.response?.status)).toEqual(['201 Created', '201 Created']);
    const selLocation = bundle.entry?.[0]?.response?.location;
    const patLocation = bundle.entry?.[1]?.response?.location;
    expect(selLocation).toMatch(/^ImagingSelection\/id\d\/_history\/1$/);
    const patientId = patLocation!.split('/')[1]!;
    const sel = await store.read<ImagingSelection>('ImagingSelection', selLocation!.split('/')[1]!);
    expect(sel.subject?.reference).toBe(`Patient/${patientId}`);
    expect((await store.read<Patient>('Patient', patientId)).name?.[0]?.family).toBe('Doe');
  });

  it('is all or nothing: one invalid entry rolls every entry back', async () => {
    await store.update(selection({ id: 'keep' }));
    const before = await snapshot(store);
    const res = await transaction(
      { resource: selection(), request: { method: 'POST', url: 'ImagingSelection' } },
      { request: { method: 'DELETE', url: 'ImagingSelection/keep' } },
      { resource: { resourceType: 'ImagingSelection', id: 'bad', code: { text: 'no status' } }, request: { method: 'PUT', url: 'ImagingSelection/bad' } },
    );
    expect(res.status).toBe(422);
    expect((res.body as OperationOutcome).issue[0]?.diagnostics).toMatch(/^Bundle\.entry\[2\]/);
    expect(await snapshot(store)).toEqual(before);
  });

  it('names the entry of an invalid POST too (creates are planned apart from the router)', async () => {
    const before = await snapshot(store);
    const res = await transaction(
      { resource: selection(), request: { method: 'POST', url: 'ImagingSelection' } },
      { resource: { resourceType: 'ImagingSelection', code: { text: 'no status' } }, request: { method: 'POST', url: 'ImagingSelection' } },
    );
    expect(res.status).toBe(422);
    expect((res.body as OperationOutcome).issue[0]?.diagnostics).toMatch(/^Bundle\.entry\[1\]: /);
    expect(await snapshot(store)).toEqual(before);
  });

  it('a failing read (404) fails the whole transaction', async () => {
    const before = await snapshot(store);
    const res = await transaction(
      { resource: selection(), request: { method: 'POST', url: 'ImagingSelection' } },
      { request: { method: 'GET', url: 'ImagingSelection/missing' } },
    );
    expect(res.status).toBe(404);
    expect(await snapshot(store)).toEqual(before);
  });

  it('processes DELETE, POST, PUT, GET in the R5 order whatever the entry order', async () => {
    await store.update(selection({ id: 'a' }));
    const res = await transaction(
      { request: { method: 'GET', url: 'ImagingSelection/b' } },
      { resource: selection({ id: 'b' }), request: { method: 'PUT', url: 'ImagingSelection/b' } },
      { request: { method: 'DELETE', url: 'ImagingSelection/a' } },
    );
    expect(res.status).toBe(200);
    const entries = (res.body as Bundle).entry!;
    expect(entries.map((e) => e.response?.status)).toEqual(['200 OK', '201 Created', '204 No Content']);
    expect(entries[0]?.resource?.id).toBe('b');
  });

  it('refuses two entries that change the same resource', async () => {
    const res = await transaction(
      { resource: selection({ id: 'a' }), request: { method: 'PUT', url: 'ImagingSelection/a' } },
      { request: { method: 'DELETE', url: 'ImagingSelection/a' } },
    );
    expect(res.status).toBe(400);
  });

  it('resolves conditional references and conditional creates', async () => {
    await store.update({ resourceType: 'Patient', id: 'p1', identifier: [{ system: 'urn:mrn', value: '42' }] } as Patient);
    const res = await transaction(
      {
        fullUrl: 'urn:uuid:00000000-0000-0000-0000-000000000001',
        resource: { resourceType: 'Patient', identifier: [{ system: 'urn:mrn', value: '42' }] },
        request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:mrn|42' },
      },
      {
        resource: selection({
          subject: { reference: 'urn:uuid:00000000-0000-0000-0000-000000000001' },
          focus: [{ reference: 'Patient?identifier=urn:mrn|42' }],
        }),
        request: { method: 'POST', url: 'ImagingSelection' },
      },
    );
    expect(res.status).toBe(200);
    const entries = (res.body as Bundle).entry!;
    expect(entries[0]?.response?.status).toBe('200 OK');
    const sel = await store.read<ImagingSelection>('ImagingSelection', entries[1]!.response!.location!.split('/')[1]!);
    expect(sel.subject?.reference).toBe('Patient/p1');
    expect(sel.focus?.[0]?.reference).toBe('Patient/p1');
  });

  it('a conditional reference without a single match fails with 412', async () => {
    const res = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: selection({ subject: { reference: 'Patient?identifier=urn:mrn|none' } }), request: { method: 'POST', url: 'ImagingSelection' } }],
    });
    expect(res.status).toBe(412);
  });

  it('applies FHIRPath Patch entries', async () => {
    await store.update(selection({ id: 'a' }));
    const res = await transaction(
      {
        resource: {
          resourceType: 'Parameters',
          parameter: [{ name: 'operation', part: [
            { name: 'type', valueCode: 'replace' },
            { name: 'path', valueString: 'ImagingSelection.status' },
            { name: 'value', valueCode: 'unknown' },
          ] }],
        },
        request: { method: 'PATCH', url: 'ImagingSelection/a' },
      },
    );
    expect(res.status).toBe(200);
    expect((await store.read<ImagingSelection>('ImagingSelection', 'a')).status).toBe('unknown');
  });
});

describe('batch', () => {
  it('answers each entry on its own: failures do not undo the others', async () => {
    const res = await post({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: selection(), request: { method: 'POST', url: 'ImagingSelection' } },
        { request: { method: 'GET', url: 'ImagingSelection/missing' } },
        { resource: { resourceType: 'ImagingSelection' }, request: { method: 'POST', url: 'ImagingSelection' } },
        { request: { method: 'GET', url: 'ImagingSelection/id1' } },
        { request: { url: 'ImagingSelection' } },
      ],
    });
    expect(res.status).toBe(200);
    const b = res.body as Bundle;
    expect(b.type).toBe('batch-response');
    expect(b.entry?.map((e) => e.response?.status)).toEqual(['201 Created', '404 Not Found', '422 Unprocessable Entity', '200 OK', '400 Bad Request']);
    expect(b.entry?.[1]?.response?.outcome?.resourceType).toBe('OperationOutcome');
    expect(b.entry?.[3]?.resource?.id).toBe('id1');
  });

  it('rejects a Bundle that is neither batch nor transaction', async () => {
    expect((await post({ resourceType: 'Bundle', type: 'collection' })).status).toBe(400);
    expect((await post({ resourceType: 'Patient' })).status).toBe(400);
  });
});
