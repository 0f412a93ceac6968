import type { Bundle, OperationOutcome } from 'fhir/r5';
import { describe, expect, it } from 'vitest';
import { FhirError } from '../../src/index.js';
import { openTestStore, selection, snapshot } from '../helpers.js';

/*
 * Defects an adversarial suite found (issue 13): each is refused with an OperationOutcome and its status, and the
 * store is exactly as it was before.
 */

const json = (body: unknown) => ({ headers: { 'Content-Type': 'application/fhir+json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('prototype members never reach the store (defect 1)', () => {
  // JSON.parse makes "__proto__" an own member: the way it arrives over HTTP.
  const polluted = (extra: string) => `{"resourceType":"ImagingSelection","status":"available","code":{"text":"x"}${extra}}`;

  it.each([
    ['a transaction whose entries carry fullUrls (reference rewriting)', 'transaction'],
    ['a batch', 'batch'],
  ])('%s: __proto__ in an entry resource is a 400', async (_name, type) => {
    const store = await openTestStore();
    const before = await snapshot(store);
    const body = `{"resourceType":"Bundle","type":"${type}","entry":[{"fullUrl":"urn:uuid:6f1c4d4e-0d6a-4f3c-9f10-3a4c2b1d0e11","resource":${polluted(',"__proto__":{"subject":{"reference":"Patient/victim"}}')},"request":{"method":"POST","url":"ImagingSelection"}}]}`;
    const res = await store.handle({ method: 'POST', url: '', ...json(body) });
    expect(res.status).toBe(400);
    expect((res.body as OperationOutcome).resourceType).toBe('OperationOutcome');
    expect((res.body as OperationOutcome).issue[0]?.diagnostics).toMatch(/__proto__/);
    expect(await snapshot(store)).toEqual(before);
    const found = await store.search('ImagingSelection', 'subject=Patient/victim');
    expect(found.entry ?? []).toHaveLength(0);
    store.close();
  });

  it.each([
    ['__proto__ at the top', polluted(',"__proto__":{"subject":{"reference":"Patient/victim"}}')],
    ['constructor deep inside', polluted(',"instance":[{"uid":"1.2.3","constructor":{"prototype":{"x":1}}}]')],
  ])('a create with %s is a 400', async (_name, body) => {
    const store = await openTestStore();
    const before = await snapshot(store);
    const res = await store.handle({ method: 'POST', url: 'ImagingSelection', ...json(body) });
    expect(res.status).toBe(400);
    expect(await snapshot(store)).toEqual(before);
    store.close();
  });

  it('a typed create of an object with an own __proto__ member rejects with a FhirError', async () => {
    const store = await openTestStore();
    const resource = JSON.parse(polluted(',"__proto__":{"subject":{"reference":"Patient/victim"}}')) as never;
    await expect(store.create(resource)).rejects.toMatchObject({ status: 400 });
    store.close();
  });
});

describe('malformed shapes answer 400, not 500 (defect 4)', () => {
  const nested = (levels: number): string => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

  it('a transaction entry nested 5,000 levels deep', async () => {
    const store = await openTestStore();
    const before = await snapshot(store);
    const body = `{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:6f1c4d4e-0d6a-4f3c-9f10-3a4c2b1d0e12","resource":{"resourceType":"ImagingSelection","status":"available","code":{"text":"x"},"extension":[{"url":"http://x","valueString":"y","deep":${nested(5000)}}]},"request":{"method":"POST","url":"ImagingSelection"}}]}`;
    const res = await store.handle({ method: 'POST', url: '', ...json(body) });
    expect(res.status).toBe(400);
    expect((res.body as OperationOutcome).issue[0]?.diagnostics).toMatch(/nested more than/);
    expect(await snapshot(store)).toEqual(before);
    store.close();
  });

  it.each([null, 1, 'x', []])('a transaction or batch entry that is %j', async (entry) => {
    const store = await openTestStore();
    const before = await snapshot(store);
    for (const type of ['transaction', 'batch']) {
      const res = await store.handle({ method: 'POST', url: '', ...json({ resourceType: 'Bundle', type, entry: [entry] }) });
      expect(res.status).toBe(400);
      expect((res.body as OperationOutcome).issue[0]?.expression).toEqual(['Bundle.entry[0]']);
    }
    expect(await snapshot(store)).toEqual(before);
    store.close();
  });

  it('a lone UTF-16 surrogate in a query, over handle and through search()', async () => {
    const store = await openTestStore();
    await store.create(selection());
    const res = await store.handle({ method: 'GET', url: 'ImagingSelection?code:text=\uD800' });
    expect(res.status).toBe(400);
    await expect(store.search('ImagingSelection', { 'code:text': '\uD800' })).rejects.toBeInstanceOf(FhirError);
    await expect(store.search('ImagingSelection', { 'code:text': '\uD800' })).rejects.toMatchObject({ status: 400 });
    await expect(store.read('ImagingSelection', '\uDC00')).rejects.toMatchObject({ status: 400 });
    // A surrogate pair is a character: fine.
    expect((await store.search('ImagingSelection', { 'code:text': '\uD83D\uDE00' })).resourceType).toBe('Bundle');
    store.close();
  });
});

describe("ids every URL keeps (defect 3)", () => {
  it.each(['.', '..'])('PUT ImagingSelection/%s is a 400, and so is a transaction entry naming it', async (id) => {
    const store = await openTestStore();
    const before = await snapshot(store);
    const res = await store.handle({ method: 'PUT', url: `ImagingSelection/${id}`, ...json(selection({ id })) });
    expect(res.status).toBe(400);
    const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: selection({ id }), request: { method: 'PUT', url: `ImagingSelection/${id}` } }] };
    expect((await store.handle({ method: 'POST', url: '', ...json(bundle) })).status).toBe(400);
    expect(await snapshot(store)).toEqual(before);
    store.close();
  });

  it('ids with dots that are not whole segments stay valid', async () => {
    const store = await openTestStore();
    for (const id of ['...', 'a.b', '.a', 'a..']) expect((await store.handle({ method: 'PUT', url: `ImagingSelection/${id}`, ...json(selection({ id })) })).status).toBe(201);
    store.close();
  });
});

describe('values R5 forbids are not stored (defect 5)', () => {
  it.each([
    ['issued on 30 February', { issued: '2024-02-30T10:00:00Z' }, /issued/],
    ['issued on 29 February of a common year', { issued: '2023-02-29T10:00:00Z' }, /issued/],
    ['an extension dateTime on 31 April', { extension: [{ url: 'http://x', valueDateTime: '2024-04-31' }] }, /not a valid dateTime.*a day that exists/],
    ['status given only as _status: {id}', { status: undefined, _status: { id: 's1' } }, /ele-1/],
  ])('%s', async (_name, patch, message) => {
    const store = await openTestStore();
    const before = await snapshot(store);
    const res = await store.handle({ method: 'POST', url: 'ImagingSelection', ...json({ ...selection(), ...patch }) });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(message);
    expect(await snapshot(store)).toEqual(before);
    store.close();
  });

  it('leap days, and a value-less status carried by an extension, are fine', async () => {
    const store = await openTestStore();
    expect((await store.handle({ method: 'POST', url: 'ImagingSelection', ...json(selection({ issued: '2024-02-29T10:00:00Z' })) })).status).toBe(201);
    expect((await store.handle({ method: 'POST', url: 'ImagingSelection', ...json(selection({ issued: '2000-02-29T10:00:00Z' })) })).status).toBe(201);
    const absent = { ...selection(), status: undefined, _status: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] } };
    const res = await store.handle({ method: 'POST', url: 'ImagingSelection', ...json(absent) });
    // status is required (1..1): an extension in its place is an element with children, so ele-1 holds; whatever
    // else is said of it, it is not the ele-1 refusal.
    expect(JSON.stringify(res.body)).not.toMatch(/ele-1/);
    store.close();
  });
});

describe('a search cannot hold the database (defect 2)', () => {
  const values = (n: number, last: string) => [...Array.from({ length: n - 1 }, (_, i) => `x${i}`), last].join(',');

  it('1,000 OR values answer correctly, in one read transaction; inside a conditional write too', async () => {
    const store = await openTestStore();
    await store.update(selection({ id: 'a', status: 'available' }));
    await store.update(selection({ id: 'b', status: 'entered-in-error' }));
    const found = await store.search('ImagingSelection', { status: values(1000, 'available') });
    expect(found.entry?.map((e) => e.resource!.id)).toEqual(['a']);
    const twelve = await store.search('ImagingSelection', { status: values(12, 'entered-in-error') });
    expect(twelve.entry?.map((e) => e.resource!.id)).toEqual(['b']);
    // A conditional create re-checks its matches inside the write transaction: the shared read nests in it.
    const res = await store.handle({ method: 'POST', url: 'ImagingSelection', headers: { 'Content-Type': 'application/fhir+json', 'If-None-Exist': `status=${values(12, 'available')}` }, body: JSON.stringify(selection()) });
    expect(res.status).toBe(200);
    expect((await store.search('ImagingSelection', '_summary=count')).total).toBe(2);
    store.close();
  });

  it.each([
    ['5,001 OR values of one parameter', `status=${values(5001, 'available')}`, /at most 5000/],
    ['a query of more than 32 KB', `identifier=${'x'.repeat(33 * 1024)}`, /too long/],
    ['101 parameters', Array.from({ length: 101 }, (_, i) => `identifier=v${i}`).join('&'), /at most 100/],
  ])('%s is a 400', async (_name, query, message) => {
    const store = await openTestStore();
    await store.update(selection({ id: 'a' }));
    const res = await store.handle({ method: 'GET', url: `ImagingSelection?${query}` });
    expect(res.status).toBe(400);
    expect((res.body as OperationOutcome).issue[0]?.diagnostics).toMatch(message);
    const posted = await store.handle({ method: 'POST', url: 'ImagingSelection/_search', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: query });
    expect(posted.status).toBe(400);
    store.close();
  });
});
