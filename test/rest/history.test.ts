import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bundle } from 'fhir/r5';
import type { Store } from '../../src/index.js';
import { openTestStore, selection } from '../helpers.js';

let store: Store;
beforeEach(async () => {
  store = await openTestStore(); // clock: 2025-01-01T00:00:00Z, +1 s per call
});
afterEach(() => store.close());

const versions = (b: Bundle): string[] =>
  (b.entry ?? []).map((e) => `${e.request?.method} ${e.fullUrl?.replace('http://localhost/fhir/', '')} ${e.response?.etag}`);

/** a: create, update, delete; b: create; then a: re-create. The clock advances per write and per Bundle. */
async function seed(): Promise<void> {
  await store.update(selection({ id: 'a' }));
  await store.update(selection({ id: 'a', status: 'unknown' }));
  await store.create(selection());
  await store.delete('ImagingSelection', 'a');
  await store.handle({ method: 'PUT', url: 'Patient/p', body: { resourceType: 'Patient', id: 'p' } });
}

describe('history', () => {
  it('instance history: newest first, with request, response, and a delete entry without a resource', async () => {
    await seed();
    const res = await store.handle({ method: 'GET', url: 'ImagingSelection/a/_history' });
    expect(res.status).toBe(200);
    const b = res.body as Bundle;
    expect(b.type).toBe('history');
    expect(b.total).toBe(3);
    expect(versions(b)).toEqual(['DELETE ImagingSelection/a W/"3"', 'PUT ImagingSelection/a W/"2"', 'PUT ImagingSelection/a W/"1"']);
    expect(b.entry?.[2]?.response).toMatchObject({ status: '201 Created', lastModified: '2025-01-01T00:00:00.000Z' });
    expect(b.entry?.[1]?.response?.status).toBe('200 OK');
    expect(b.entry?.[0]?.resource).toBeUndefined();
    expect(b.entry?.[1]?.resource?.meta?.versionId).toBe('2');
  });

  it('type and system history', async () => {
    await seed();
    const type = await store.history('ImagingSelection');
    expect(versions(type)).toEqual([
      'DELETE ImagingSelection/a W/"3"',
      'POST ImagingSelection/id1 W/"1"',
      'PUT ImagingSelection/a W/"2"',
      'PUT ImagingSelection/a W/"1"',
    ]);
    const system = await store.history();
    expect(versions(system)[0]).toBe('PUT Patient/p W/"1"');
    expect(system.total).toBe(5);
  });

  it('_count pages with a next link that handle accepts back, and pages stay right while writes happen', async () => {
    await seed();
    const first = await store.history('ImagingSelection', undefined, { _count: '2' });
    expect(versions(first)).toHaveLength(2);
    const next = first.link?.find((l) => l.relation === 'next')?.url;
    expect(next).toBeDefined();
    await store.create(selection()); // newer than the page: must not shift the next page
    const res = await store.handle({ method: 'GET', url: next! });
    const second = res.body as Bundle;
    expect(versions(second)).toEqual(['PUT ImagingSelection/a W/"2"', 'PUT ImagingSelection/a W/"1"']);
    expect(second.link?.find((l) => l.relation === 'next')).toBeUndefined();
    // total is counted for the first page only.
    expect(first.total).toBe(versions(first).length + versions(second).length);
    expect(second.total).toBeUndefined();
  });

  it('_since keeps versions at or after the instant', async () => {
    await seed(); // writes at :00, :01, :02, :03, :04
    const b = await store.history('ImagingSelection', undefined, { _since: '2025-01-01T00:00:02Z' });
    expect(versions(b)).toEqual(['DELETE ImagingSelection/a W/"3"', 'POST ImagingSelection/id1 W/"1"']);
  });

  it('_at keeps the versions current at some point in the period', async () => {
    await seed();
    // At 00:00:01.5 a was at version 2; id1 did not exist yet.
    const b = await store.history('ImagingSelection', undefined, { _at: '2025-01-01T00:00:01.500Z' });
    expect(versions(b)).toEqual(['PUT ImagingSelection/a W/"2"']);
    // During the minute 00:00 every version was current at some point.
    const minute = await store.history('ImagingSelection', undefined, { _at: '2025-01-01T00:00Z' });
    expect(versions(minute)).toHaveLength(4);
    // After the delete at :03, only id1 is current.
    const later = await store.history('ImagingSelection', undefined, { _at: '2025-01-01T00:00:30Z' });
    expect(versions(later)).toEqual(['POST ImagingSelection/id1 W/"1"']);
  });

  it.each([
    ['_count=abc', 400],
    ['_since=yesterday', 400],
    ['_at=2025-13-01', 400],
    ['_count=1&_count=2', 400],
    ['colour=red', 400],
    ['_page=garbage', 400],
  ])('bad parameter %s answers %s', async (qs, status) => {
    expect((await store.handle({ method: 'GET', url: `ImagingSelection/_history?${qs}` })).status).toBe(status);
  });

  it('instance history of an unknown resource answers 404', async () => {
    expect((await store.handle({ method: 'GET', url: 'ImagingSelection/none/_history' })).status).toBe(404);
  });
});
