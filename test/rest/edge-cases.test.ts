import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OperationOutcome, Patient } from 'fhir/r5';
import type { Store } from '../../src/index.js';
import { storeDatabase } from '../../src/store.js';
import { openTestStore, postTransaction, selection, snapshot } from '../helpers.js';

let store: Store;
beforeEach(async () => {
  store = await openTestStore();
});
afterEach(() => store.close());

const transaction = (entry: unknown[]) => postTransaction(store, entry);

describe('edge cases found while documenting', () => {
  it('HEAD answers errors without a body', async () => {
    const res = await store.handle({ method: 'HEAD', url: 'ImagingSelection/nope' });
    expect(res.status).toBe(404);
    expect(res.body).toBeUndefined();
  });

  it('a transaction may not change one resource twice, even through a conditional URL', async () => {
    await store.update({ resourceType: 'Patient', id: 'p2', identifier: [{ system: 'urn:mrn', value: '43' }] } as Patient);
    const before = await snapshot(store);
    const res = await transaction([
      { resource: { resourceType: 'Patient', identifier: [{ system: 'urn:mrn', value: '43' }] }, request: { method: 'PUT', url: 'Patient?identifier=urn:mrn|43' } },
      { resource: { resourceType: 'Patient', id: 'p2' }, request: { method: 'PUT', url: 'Patient/p2' } },
    ]);
    expect(res.status).toBe(400);
    expect(await snapshot(store)).toEqual(before);
  });

  it('a conditional reference may not point at a resource the same transaction deletes', async () => {
    await store.update({ resourceType: 'Patient', id: 'p1', identifier: [{ system: 'urn:mrn', value: '42' }] } as Patient);
    const res = await transaction([
      { request: { method: 'DELETE', url: 'Patient/p1' } },
      { resource: selection({ subject: { reference: 'Patient?identifier=urn:mrn|42' } }), request: { method: 'POST', url: 'ImagingSelection' } },
    ]);
    expect(res.status).toBe(400);
  });

  it('only references are rewritten to new ids, not data that happens to equal a fullUrl', async () => {
    const res = await transaction([
      {
        fullUrl: 'urn:uuid:7f000000-0000-0000-0000-000000000001',
        resource: { resourceType: 'Patient', identifier: [{ system: 'urn:ietf:rfc:3986', value: 'urn:uuid:7f000000-0000-0000-0000-000000000001' }] },
        request: { method: 'POST', url: 'Patient' },
      },
    ]);
    expect(res.status).toBe(200);
    const p = await store.read<Patient>('Patient', 'id1');
    expect(p.identifier?.[0]?.value).toBe('urn:uuid:7f000000-0000-0000-0000-000000000001');
  });

  it('an idGenerator that makes invalid ids is a 500, and nothing is stored', async () => {
    const s = await openTestStore({ idGenerator: () => 'not valid!' });
    const res = await s.handle({ method: 'POST', url: 'Patient', body: { resourceType: 'Patient' } });
    expect(res.status).toBe(500);
    expect(await storeDatabase(s).resources.count()).toBe(0);
    s.close();
  });

  it('a stale If-Match is quoted as sent', async () => {
    await store.update(selection({ id: 'a' }));
    const res = await store.handle({ method: 'PUT', url: 'ImagingSelection/a', headers: { 'If-Match': 'W/"abc"' }, body: selection({ id: 'a' }) });
    expect(res.status).toBe(412);
    expect((res.body as OperationOutcome).issue[0]?.diagnostics).toContain('W/"abc"');
  });

  it('operations answer 404 not-supported', async () => {
    const res = await store.handle({ method: 'GET', url: 'Patient/$everything' });
    expect(res.status).toBe(404);
    expect((res.body as OperationOutcome).issue[0]?.code).toBe('not-supported');
  });

  it('every R5 resource type the store accepts is in the CapabilityStatement', async () => {
    const cs = (await store.handle({ method: 'GET', url: 'metadata' })).body as { rest: { resource: { type: string }[] }[] };
    const types = cs.rest[0]!.resource.map((r) => r.type);
    expect(types).toContain('Observation');
    expect((await store.handle({ method: 'POST', url: 'Observation', body: { resourceType: 'Observation', status: 'final', code: { text: 'x' } } })).status).toBe(201);
  });
});

describe('transaction link rewriting follows element types', () => {
  it('rewrites uri/url elements (Attachment.url) but not identifiers or canonicals', async () => {
    const uuid = 'urn:uuid:7f000000-0000-0000-0000-0000000000aa';
    const res = await transaction([
      { fullUrl: uuid, resource: { resourceType: 'Binary', contentType: 'text/plain', data: 'aGk=' }, request: { method: 'POST', url: 'Binary' } },
      {
        resource: {
          resourceType: 'DocumentReference', status: 'current',
          identifier: [{ value: uuid }],
          content: [{ attachment: { url: uuid } }],
        },
        request: { method: 'POST', url: 'DocumentReference' },
      },
    ]);
    expect(res.status).toBe(200);
    const doc = await store.read('DocumentReference', 'id2');
    expect(doc.content[0]!.attachment.url).toBe('Binary/id1');
    expect(doc.identifier?.[0]!.value).toBe(uuid);
  });
});
