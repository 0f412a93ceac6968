import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, BundleEntry, CodeSystem, ImagingSelection, SearchParameter, ValueSet } from 'fhir/r5';
import { FhirError, type Store } from '../../src/index.js';
import { openTestStore, selection } from '../helpers.js';
import { loadFixture } from './fixture.js';

let store: Store;
beforeAll(async () => {
  store = await openTestStore();
  await loadFixture(store);
});
afterAll(() => store.close());

const get = async (url: string): Promise<Bundle> => {
  const res = await store.handle({ method: 'GET', url });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Bundle;
};
const matchIds = (b: Bundle): string[] => (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!.id!);
const modeIds = (b: Bundle, mode: string): string[] => (b.entry ?? []).filter((e) => e.search?.mode === mode).map((e) => `${e.resource!.resourceType}/${e.resource!.id}`).sort();
const linkOf = (b: Bundle, rel: string): string | undefined => b.link?.find((l) => l.relation === rel)?.url;

describe('_sort', () => {
  it.each([
    ['_sort=issued', ['is-4', 'is-1', 'is-2', 'is-3']], // a missing value sorts last
    ['_sort=-issued', ['is-2', 'is-1', 'is-4', 'is-3']],
    ['_sort=status,-_id', ['is-4', 'is-1', 'is-3', 'is-2']],
    ['_sort=-_id', ['is-4', 'is-3', 'is-2', 'is-1']],
    ['_sort=study-uid', ['is-1', 'is-2', 'is-3', 'is-4']],
    ['_sort=code', ['is-1', 'is-4', 'is-3', 'is-2']], // by the least code: 113000, 113000, 113001, none
  ])('%s', async (q, expected) => {
    expect(matchIds(await get(`ImagingSelection?${q}`))).toEqual(expected);
  });

  it('Patient by family name, case- and accent-insensitively', async () => {
    expect(matchIds(await get('Patient?_sort=family'))).toEqual(['pat-3', 'pat-1', 'pat-2']); // mueller < müller (u < ü after normalising? no: muller) < o brien
  });
});

describe('paging', () => {
  it('next and previous links walk the pages, and handle accepts them back as they are', async () => {
    const p1 = await get('ImagingSelection?_sort=issued&_count=2');
    expect(matchIds(p1)).toEqual(['is-4', 'is-1']);
    expect(p1.total).toBe(4);
    expect(linkOf(p1, 'previous')).toBeUndefined();
    const p2 = await get(linkOf(p1, 'next')!);
    expect(matchIds(p2)).toEqual(['is-2', 'is-3']);
    expect(linkOf(p2, 'next')).toBeUndefined();
    expect(linkOf(p2, 'self')).toContain('_page=');
    expect(matchIds(await get(linkOf(p2, 'previous')!))).toEqual(['is-4', 'is-1']);
  });

  it('a page does not shift when resources are added before it', async () => {
    const s = await openTestStore();
    for (const id of ['b', 'd', 'f']) await s.update(selection({ id }));
    const p1 = (await s.handle({ method: 'GET', url: 'ImagingSelection?_count=2' })).body as Bundle;
    expect(matchIds(p1)).toEqual(['b', 'd']);
    await s.update(selection({ id: 'a' }));
    await s.update(selection({ id: 'c' }));
    const p2 = (await s.handle({ method: 'GET', url: linkOf(p1, 'next')! })).body as Bundle;
    expect(matchIds(p2)).toEqual(['f']);
    s.close();
  });

  it('_count=0 answers the total only; _total=none leaves it out', async () => {
    const b = await get('ImagingSelection?status=available&_count=0');
    expect(b.total).toBe(2);
    expect(b.entry).toBeUndefined();
    expect((await get('ImagingSelection?_total=none')).total).toBeUndefined();
    expect((await get('ImagingSelection?_total=accurate')).total).toBe(4);
  });

  it('a tampered cursor answers 400', async () => {
    expect((await store.handle({ method: 'GET', url: 'ImagingSelection?_page=not-a-cursor' })).status).toBe(400);
  });
});

describe('_summary and _elements', () => {
  const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };
  it('_summary=true keeps summary elements and tags SUBSETTED', async () => {
    const r = (await get('ImagingSelection?_id=is-1&_summary=true')).entry![0]!.resource as ImagingSelection;
    expect(r.text).toBeUndefined();
    expect(r.studyUid).toBe('1.2.3');
    expect(r.meta?.tag).toContainEqual(SUBSETTED);
  });
  it('_summary=data drops the narrative', async () => {
    const r = (await get('ImagingSelection?_id=is-1&_summary=data')).entry![0]!.resource as ImagingSelection;
    expect(r.text).toBeUndefined();
    expect(r.bodySite).toBeDefined();
  });
  it('_elements keeps the named and the mandatory elements', async () => {
    const r = (await get('ImagingSelection?_id=is-1&_elements=studyUid')).entry![0]!.resource as ImagingSelection;
    expect(Object.keys(r).sort()).toEqual(['code', 'id', 'meta', 'resourceType', 'status', 'studyUid']);
    expect(r.meta?.tag).toContainEqual(SUBSETTED);
  });
});

describe('_include and _revinclude', () => {
  it('_include adds the referenced resources as include entries', async () => {
    const b = await get('ImagingSelection?_id=is-1,is-2&_include=ImagingSelection:subject');
    expect(modeIds(b, 'include')).toEqual(['Patient/pat-1', 'Patient/pat-2']);
  });
  it('_include with a target type, and *', async () => {
    expect(modeIds(await get('ImagingSelection?_id=is-1&_include=ImagingSelection:subject:Group'), 'include')).toEqual([]);
    expect(modeIds(await get('ImagingSelection?_id=is-1&_include=ImagingSelection:*'), 'include')).toEqual([
      'BodyStructure/bs-1', 'ImagingStudy/st-1', 'Patient/pat-1', 'ServiceRequest/sr-1',
    ]);
  });
  it(':iterate follows references of included resources', async () => {
    const b = await get('ImagingSelection?_id=is-2&_include=ImagingSelection:derived-from&_include:iterate=ImagingStudy:patient');
    expect(modeIds(b, 'include')).toEqual(['ImagingStudy/st-2', 'Patient/pat-2']);
    const without = await get('ImagingSelection?_id=is-2&_include=ImagingSelection:derived-from&_include=ImagingSelection:subject');
    expect(modeIds(without, 'include')).toEqual(['ImagingStudy/st-2', 'Patient/pat-2']);
  });
  it('_revinclude adds the resources that refer to the matches', async () => {
    const b = await get('Patient?_id=pat-1&_revinclude=ImagingSelection:subject&_revinclude=ImagingStudy:patient');
    expect(modeIds(b, 'include')).toEqual(['ImagingSelection/is-1', 'ImagingStudy/st-1']);
  });
  it('a match is never repeated as an include', async () => {
    const b = await get('?_type=ImagingSelection,Patient&_id=is-1,pat-1,is-2&_include=ImagingSelection:subject');
    expect(modeIds(b, 'include')).toEqual(['Patient/pat-2']);
    expect(modeIds(b, 'match')).toEqual(['ImagingSelection/is-1', 'ImagingSelection/is-2', 'Patient/pat-1']);
  });
});

describe('search contexts and forms', () => {
  it('system search with _type', async () => {
    const b = await get('?_type=Patient,ImagingSelection&_tag=urn:tag|red');
    expect(modeIds(b, 'match')).toEqual(['ImagingSelection/is-1']);
    expect(linkOf(b, 'self')).toBe('?_type=Patient%2CImagingSelection&_tag=urn%3Atag%7Cred');
  });
  it('system search without _type covers every type', async () => {
    expect((await get('?_id=pat-1,is-1,g-1')).total).toBe(3);
  });
  it('POST _search with a form body equals the GET', async () => {
    const res = await store.handle({
      method: 'POST',
      url: 'ImagingSelection/_search',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'status=available&_sort=-issued',
    });
    expect(matchIds(res.body as Bundle)).toEqual(matchIds(await get('ImagingSelection?status=available&_sort=-issued')));
  });
  it('_text with _sort=_score orders by relevance and reports scores in [0, 1]', async () => {
    const b = await get('ImagingSelection?_text=liver&_sort=_score');
    const scores = (b.entry ?? []).map((e: BundleEntry) => e.search?.score ?? -1);
    expect(scores[0]).toBe(1);
    expect(scores.every((s) => s > 0 && s <= 1)).toBe(true);
    expect(matchIds(b).sort()).toEqual(['is-2', 'is-3']);
  });
  it('lenient handling names the ignored parameters in an outcome entry; the self link omits them', async () => {
    const res = await store.handle({ method: 'GET', url: 'ImagingSelection?colour=red&status=unknown', headers: { Prefer: 'handling=lenient' } });
    const b = res.body as Bundle;
    expect(matchIds(b)).toEqual(['is-2']);
    expect(b.entry?.at(-1)?.search?.mode).toBe('outcome');
    expect(linkOf(b, 'self')).toBe('ImagingSelection?status=unknown');
  });
});

describe('registered search parameters and terminology', () => {
  it('a registered parameter is back-filled over existing resources, persisted, and answers searches', async () => {
    const { IDBFactory, IDBKeyRange } = await import('fake-indexeddb');
    const { openStore, sequentialIds, steppingClock } = await import('../../src/index.js');
    const opts = { name: 'reg', indexedDB: new IDBFactory(), IDBKeyRange, clock: steppingClock(), idGenerator: sequentialIds() };
    const s = await openStore(opts);
    await s.update(selection({ id: 'x', seriesUid: '9.8.7' }));
    await s.update(selection({ id: 'y', seriesUid: '9.8.8' }));
    const sp = {
      resourceType: 'SearchParameter', url: 'http://example.org/SearchParameter/series-uid', name: 'SeriesUid', status: 'active',
      description: 'DICOM Series Instance UID', code: 'series-uid', base: ['ImagingSelection'], type: 'token', expression: 'ImagingSelection.seriesUid',
    } as unknown as SearchParameter;
    expect((await s.handle({ method: 'GET', url: 'ImagingSelection?series-uid=9.8.7' })).status).toBe(400);
    await s.registerSearchParameter(sp);
    expect(((await s.search('ImagingSelection', 'series-uid=9.8.7')).entry ?? []).map((e) => e.resource?.id)).toEqual(['x']);
    await s.update(selection({ id: 'z', seriesUid: '9.8.7' }));
    expect((await s.search('ImagingSelection', 'series-uid=9.8.7')).total).toBe(2);
    s.close();
    const again = await openStore(opts);
    expect((await again.search('ImagingSelection', 'series-uid=9.8.7')).total).toBe(2);
    again.close();
  });

  it('a bad SearchParameter is refused with 400', async () => {
    await expect(store.registerSearchParameter({ resourceType: 'SearchParameter', code: 'x', base: ['ImagingSelection'], type: 'number', expression: 'ImagingSelection.seriesNumber' } as unknown as SearchParameter)).rejects.toMatchObject({ status: 400 });
    await expect(store.registerSearchParameter({ resourceType: 'SearchParameter', code: 'y', base: ['ImagingSelection'], type: 'token', expression: 'ImagingSelection.(' } as unknown as SearchParameter)).rejects.toBeInstanceOf(FhirError);
  });

  it(':in, :not-in, :below and :above use registered terminology; the preloaded value sets work out of the box', async () => {
    const cs: CodeSystem = {
      resourceType: 'CodeSystem', url: 'http://dicom.nema.org/resources/ontology/DCM', status: 'active', content: 'fragment',
      concept: [{ code: 'purpose', concept: [{ code: '113000' }, { code: '113001' }] }],
    };
    const vs: ValueSet = { resourceType: 'ValueSet', url: 'http://example.org/ValueSet/of-interest', status: 'active', compose: { include: [{ system: cs.url!, concept: [{ code: '113000' }] }] } };
    await store.registerTerminology(cs);
    await store.registerTerminology(vs);
    const ids = async (q: string) => matchIds(await get(`ImagingSelection?${q}`)).sort();
    expect(await ids('code:in=http://example.org/ValueSet/of-interest')).toEqual(['is-1']);
    expect(await ids('code:not-in=http://example.org/ValueSet/of-interest')).toEqual(['is-2', 'is-3', 'is-4']);
    expect(await ids('code:below=http://dicom.nema.org/resources/ontology/DCM|purpose')).toEqual(['is-1', 'is-3']);
    expect(await ids('code:above=http://dicom.nema.org/resources/ontology/DCM|113001')).toEqual(['is-3']);
    expect(await ids('status:in=http://hl7.org/fhir/ValueSet/imagingselection-status')).toEqual(['is-1', 'is-2', 'is-3', 'is-4']);
  });
});
