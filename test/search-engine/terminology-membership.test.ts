import { IDBFactory } from 'fake-indexeddb';
import type { CodeSystem, ImagingSelection, SearchParameter, ValueSet } from 'fhir/r5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/index.js';
import { parseQuery } from '../../src/rest/http.js';
import { executeSearch } from '../../src/search/engine/execute-search.js';
import { parseSearch } from '../../src/search/query/parse.js';
import { SearchRegistry } from '../../src/search/parameters/registry.js';
import { defaultTerminology } from '../../src/search/terminology/index.js';
import { DexieSearchSource } from '../../src/storage/search-source.js';
import { storeDatabase } from '../../src/store.js';
import { openTestStore, selection } from '../helpers.js';

/*
 * `:in`, `:not-in`, `:above` and `:below` test membership and subsumption by system and code
 * (https://hl7.org/fhir/R5/search.html#modifieringeneral, #modifierin, #modifiernotin, #modifierabove,
 * #modifierbelow): a Coding without a `system` is in no value set and under no code, whatever its code. A
 * plain `code` element has no system of its own; its system "is defined in the value set" it is bound to
 * (https://hl7.org/fhir/R5/search.html#token): `status` by its implied system, a `code` element whose binding
 * the store does not know by its code. Every row runs on the indexed path (the store) and on a full scan, which
 * must agree.
 */

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const G2D = 'http://hl7.org/fhir/imagingselection-2dgraphictype';
const PICKED = 'http://example.org/fhir/ValueSet/picked';
const OTHER_STATUS = 'http://example.org/fhir/ValueSet/other-available';

const region = (regionType: 'point' | 'circle', coordinate: number[]): ImagingSelection['instance'] => [{ uid: '1.2.3.4', imageRegion2D: [{ regionType, coordinate }] }];

/** One resource per shape of coded value. */
const DATA: ImagingSelection[] = [
  selection({ id: 'with-system', status: 'available', code: { coding: [{ system: DCM, code: '113000' }] } }),
  selection({ id: 'no-system', status: 'available', code: { coding: [{ code: '113000' }] }, instance: region('point', [1, 1]) }),
  // CodeableConcepts with several codings: membership of any one coding is membership of the concept
  selection({ id: 'several-in', status: 'unknown', code: { coding: [{ code: '113001' }, { system: DCM, code: '113001' }] } }),
  selection({ id: 'several-out', status: 'unknown', code: { coding: [{ code: '113000' }, { system: 'urn:other', code: '113000' }] }, instance: region('circle', [1, 1, 2, 2]) }),
  selection({ id: 'no-code', status: 'entered-in-error', code: { text: 'Key Images' } }),
];
const ALL = DATA.map((r) => r.id!).sort();
const except = (...ids: string[]): string[] => ALL.filter((id) => !ids.includes(id));

const TERMINOLOGY: (CodeSystem | ValueSet)[] = [
  { resourceType: 'CodeSystem', url: DCM, status: 'active', content: 'fragment', concept: [{ code: 'key-object', concept: [{ code: '113000' }, { code: '113001' }] }] },
  { resourceType: 'ValueSet', url: PICKED, version: '1', status: 'active', compose: { include: [{ system: DCM, concept: [{ code: '113000' }] }] } },
  { resourceType: 'ValueSet', url: PICKED, version: '2', status: 'active', compose: { include: [{ system: DCM, concept: [{ code: '113001' }] }] } },
  // The codes `available` and `unknown`, but of another system than the one `status` is bound to
  { resourceType: 'CodeSystem', url: 'urn:other', status: 'active', content: 'complete', concept: [{ code: 'unknown', concept: [{ code: 'available' }] }] },
  { resourceType: 'ValueSet', url: OTHER_STATUS, status: 'active', compose: { include: [{ system: 'urn:other', concept: [{ code: 'available' }] }] } },
];

/** A parameter on a `code` element whose binding the store does not know (no implied system). */
const REGION_TYPE = {
  resourceType: 'SearchParameter', url: 'http://example.org/fhir/SearchParameter/region-type', name: 'region-type', status: 'active',
  description: '2D region type', code: 'region-type', base: ['ImagingSelection'], type: 'token', expression: 'ImagingSelection.instance.imageRegion2D.regionType',
} as unknown as SearchParameter;

let store: Store;
const registry = new SearchRegistry();
const terminology = defaultTerminology();

beforeAll(async () => {
  store = await openTestStore();
  for (const t of TERMINOLOGY) {
    await store.registerTerminology(t);
    terminology.register(t);
  }
  await store.registerSearchParameter(REGION_TYPE);
  await registry.register(REGION_TYPE);
  for (const r of DATA) await store.update(r);
});
afterAll(() => store.close());

/** The ids a query finds through the store (indexed), and on a full scan of the same database. */
async function bothPaths(query: string): Promise<{ indexed: string[]; scanned: string[] }> {
  const indexed = ((await store.search('ImagingSelection', query)).entry ?? []).map((e) => e.resource!.id!).sort();
  const parsed = parseSearch(['ImagingSelection'], parseQuery(query), { registry, handling: 'strict' });
  const result = await executeSearch(parsed, {
    source: new DexieSearchSource(storeDatabase(store)),
    registry,
    terminology,
    timeZone: 'UTC',
    now: Date.now(),
    baseUrl: 'http://localhost/fhir',
    scan: true,
  });
  return { indexed, scanned: result.matches.map((m) => m.row.id).sort() };
}

describe('terminology modifiers match by system and code', () => {
  it.each<[string, string, string[]]>([
    // Coding with a system / without one / CodeableConcept with several codings, value set by url and version
    ['Coding with system, value set by url|version', `code:in=${PICKED}|1`, ['with-system']],
    ['a CodeableConcept is in when one of its codings is', `code:in=${PICKED}|2`, ['several-in']],
    ['a url without version means the highest version', `code:in=${PICKED}`, ['several-in']],
    ['not-in: codings without a system are in no value set', `code:not-in=${PICKED}|1`, except('with-system')],
    ['not-in: a concept with one member coding is in', `code:not-in=${PICKED}|2`, except('several-in')],
    ['not-in of the highest version', `code:not-in=${PICKED}`, except('several-in')],
    // :below / :above walk the registered CodeSystem; system-less codings are below nothing
    ['below a parent code', `code:below=${DCM}|key-object`, ['several-in', 'with-system']],
    ['below a code is the code itself', `code:below=${DCM}|113000`, ['with-system']],
    ['above a code', `code:above=${DCM}|113001`, ['several-in']],
    ['above a parent code finds no child', `code:above=${DCM}|key-object`, []],
    // a plain `code` element with an implied system (status): the system of its binding, not the code alone
    ['status in its bound value set', 'status:in=http://hl7.org/fhir/ValueSet/imagingselection-status', ALL],
    ['status not in another system that has its code', `status:in=${OTHER_STATUS}`, []],
    ['status not-in another system', `status:not-in=${OTHER_STATUS}`, ALL],
    ['status below its own code system', 'status:below=http://hl7.org/fhir/imagingselection-status|unknown', ['several-in', 'several-out']],
    ['status below another system', 'status:below=urn:other|unknown', []],
    // a plain `code` element whose binding the store does not know: by code
    ['code element, binding unknown, in', 'region-type:in=http://hl7.org/fhir/ValueSet/imagingselection-2dgraphictype', ['no-system', 'several-out']],
    ['code element, binding unknown, not-in', `region-type:not-in=${PICKED}`, ALL],
    ['code element, binding unknown, below', `region-type:below=${G2D}|point`, ['no-system']],
    ['code element, binding unknown, above', `region-type:above=${G2D}|circle`, ['several-out']],
  ])('%s: %s', async (_why, query, expected) => {
    const { indexed, scanned } = await bothPaths(query);
    expect(indexed).toEqual(expected);
    expect(scanned).toEqual(indexed);
  });

  it('plain token searches still find a Coding without a system by code and by |code', async () => {
    expect((await bothPaths('code=113000')).indexed).toEqual(['no-system', 'several-out', 'with-system']);
    expect((await bothPaths('code=|113000')).indexed).toEqual(['no-system', 'several-out']);
    expect((await bothPaths(`code=${DCM}|113000`)).indexed).toEqual(['with-system']);
  });
});

describe('a database indexed by an older format', () => {
  it('is re-indexed when opened, so a code element of unknown binding gets its membership key', async () => {
    const indexedDB = new IDBFactory();
    const first = await openTestStore({ name: 'format', indexedDB });
    await first.registerSearchParameter(REGION_TYPE);
    await first.update(DATA[1]!);
    const query = 'region-type:in=http://hl7.org/fhir/ValueSet/imagingselection-2dgraphictype';
    expect((await first.search('ImagingSelection', query)).total).toBe(1);
    // Make the rows look as format 5 wrote them: without the key a `code` element of unknown binding now gets.
    const db = storeDatabase(first);
    const isNew = (k: unknown): boolean => typeof k === 'string' && k.includes('ic\u001f');
    await db.resources.toCollection().modify((row) => {
      // The entries are decoded from the keys, so filtering the keys is filtering the entries.
      row.ix = row.ix?.filter((k) => !isNew(k));
    });
    await db.settings.put({ key: 'indexGeneration', value: 5 });
    expect((await first.search('ImagingSelection', query)).total).toBe(0);
    first.close();
    const again = await openTestStore({ name: 'format', indexedDB });
    expect((await again.search('ImagingSelection', query)).total).toBe(1);
    again.close();
  });
});
