import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bundle, OperationOutcome } from 'fhir/r5';
import type { Store } from '../../src/index.js';
import { openTestStore, selection } from '../helpers.js';

let store: Store;
beforeEach(async () => {
  store = await openTestStore({ timeZone: 'Europe/Amsterdam' });
  // Written at 2025-01-01T00:00:00Z, :01, :02, :03 (the stepping clock).
  await store.update(selection({ id: 'a', identifier: [{ system: 'urn:s1', value: 'x' }] }));
  await store.update(selection({ id: 'b', identifier: [{ system: 'urn:s2', value: 'x' }, { value: 'y' }] }));
  await store.update(selection({ id: 'c', identifier: [{ system: 'urn:s1', value: 'z' }] }));
  await store.update({ resourceType: 'Patient', id: 'p', identifier: [{ system: 'urn:s1', value: 'x' }] });
});
afterEach(() => store.close());

const ids = async (query: string): Promise<string[]> => {
  const res = await store.handle({ method: 'GET', url: `ImagingSelection?${query}` });
  expect(res.status).toBe(200);
  return ((res.body as Bundle).entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!.id!);
};

describe('search skeleton', () => {
  it.each([
    ['', ['a', 'b', 'c']],
    ['_id=b', ['b']],
    ['_id=a,c', ['a', 'c']],
    ['_id=zzz', []],
    ['identifier=x', ['a', 'b']],
    ['identifier=urn:s1|x', ['a']],
    ['identifier=urn:s1|', ['a', 'c']],
    ['identifier=|y', ['b']],
    ['identifier=|x', []],
    ['identifier=urn:s1|x,urn:s2|x', ['a', 'b']],
    ['identifier=x&identifier=urn:s2|', ['b']],
    ['identifier=x&_id=a', ['a']],
    ['_lastUpdated=2025-01-01T00:00:01Z', ['b']], // second precision: the range [00:01.000, 00:01.999] holds b's instant
    ['_lastUpdated=ge2025-01-01T00:00:01Z', ['b', 'c']],
    ['_lastUpdated=lt2025-01-01T00:00:01Z', ['a']],
    ['_lastUpdated=2025-01-01', ['a', 'b', 'c']], // a day in Amsterdam: 2024-12-31T23:00Z .. 2025-01-01T22:59:59.999Z
    ['_lastUpdated=2024-12-31', []],
    ['_lastUpdated=gt2025-01-01T01:00:00', ['b', 'c']], // no offset: read in Europe/Amsterdam (UTC+1)
    ['_lastUpdated=gt2025-01-01T01:00:01', ['c']], // b's instant lies inside the second, not above it
    ['_lastUpdated=ne2025-01-01T00:00:01Z', ['a', 'c']],
    ['identifier=&_id=a', ['a']], // empty parameters are ignored
  ])('%s → %j', async (query, expected) => {
    expect(await ids(query)).toEqual(expected);
  });

  it('_count pages with next links that handle accepts back; total counts all matches', async () => {
    const first = (await store.handle({ method: 'GET', url: 'ImagingSelection?_count=2' })).body as Bundle;
    expect(first.total).toBe(3);
    expect(first.entry?.map((e) => e.resource?.id)).toEqual(['a', 'b']);
    expect(first.link?.find((l) => l.relation === 'self')?.url).toBe('ImagingSelection?_count=2');
    const next = first.link?.find((l) => l.relation === 'next')?.url;
    const second = (await store.handle({ method: 'GET', url: next! })).body as Bundle;
    expect(second.entry?.map((e) => e.resource?.id)).toEqual(['c']);
    expect(second.link?.find((l) => l.relation === 'next')).toBeUndefined();
  });

  it('_summary=count and _count=0 give the total only', async () => {
    for (const q of ['_summary=count', '_count=0']) {
      const b = (await store.handle({ method: 'GET', url: `ImagingSelection?identifier=x&${q}` })).body as Bundle;
      expect(b.total).toBe(2);
      expect(b.entry).toBeUndefined();
    }
  });

  it('POST _search with a form body equals the GET', async () => {
    const res = await store.handle({
      method: 'POST',
      url: 'ImagingSelection/_search',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'identifier=urn%3As1%7C',
    });
    expect(((res.body as Bundle).entry ?? []).map((e) => e.resource?.id)).toEqual(['a', 'c']);
  });

  it('searches other resource types too', async () => {
    const res = await store.search('Patient', { identifier: 'urn:s1|x' });
    expect(res.entry?.map((e) => e.resource?.id)).toEqual(['p']);
  });

  it('entries carry absolute fullUrls and search mode match', async () => {
    const b = await store.search('ImagingSelection', { _id: 'a' });
    expect(b.entry?.[0]).toMatchObject({ fullUrl: 'http://localhost/fhir/ImagingSelection/a', search: { mode: 'match' } });
  });

  it.each([
    ['colour=red', 400],
    ['identifier:exact=x', 400],
    ['_lastUpdated=yesterday', 400],
    ['_count=-1', 400],
    ['_summary=maybe', 400],
    ['identifier=a\\b', 400], // a backslash may only escape , $ | or itself
  ])('%s answers %s with an OperationOutcome', async (query, status) => {
    const res = await store.handle({ method: 'GET', url: `ImagingSelection?${query}` });
    expect(res.status).toBe(status);
    expect((res.body as OperationOutcome).resourceType).toBe('OperationOutcome');
  });

  it('Prefer: handling=lenient ignores unknown parameters and says so in an outcome entry', async () => {
    const res = await store.handle({ method: 'GET', url: 'ImagingSelection?colour=red&_id=a', headers: { Prefer: 'handling=lenient' } });
    expect(res.status).toBe(200);
    const b = res.body as Bundle;
    expect(b.entry?.map((e) => e.search?.mode)).toEqual(['match', 'outcome']);
    expect(b.link?.[0]?.url).toBe('ImagingSelection?_id=a');
  });
});
