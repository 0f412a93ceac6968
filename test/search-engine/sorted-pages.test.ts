import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Store } from '../../src/index.js';
import { storeDatabase } from '../../src/store.js';
import { parseQuery } from '../../src/rest/http.js';
import { executeSearch } from '../../src/search/engine/execute-search.js';
import { parseSearch } from '../../src/search/query/parse.js';
import { SearchRegistry } from '../../src/search/parameters/registry.js';
import { defaultTerminology } from '../../src/search/terminology/index.js';
import { DexieSearchSource } from '../../src/storage/search-source.js';
import { openTestStore } from '../helpers.js';
import { loadFixture } from './fixture.js';

let store: Store;
beforeAll(async () => {
  store = await openTestStore();
  await loadFixture(store);
});
afterAll(() => store.close());

/**
 * A search without criteria orders index keys and loads only the page's rows; every page it gives must equal
 * the page the full scan gives.
 */
it.each([
  ['ImagingSelection', '_sort=_lastUpdated'],
  ['ImagingSelection', '_sort=-_lastUpdated'],
  ['ImagingSelection', '_sort=issued'],
  ['ImagingSelection', '_sort=-issued,_id'],
  ['ImagingSelection', '_sort=-code'],
  ['ImagingSelection', '_sort=subject,-study-uid'],
  ['ImagingSelection', ''],
  ['Patient', '_sort=-family'],
  ['Patient', '_sort=birthdate'],
])('%s?%s pages equal the scan', async (type, qs) => {
  const registry = new SearchRegistry();
  const ctx = { source: new DexieSearchSource(storeDatabase(store)), registry, terminology: defaultTerminology(), timeZone: 'UTC', now: 0, baseUrl: 'http://localhost/fhir' };
  const walk = async (scan: boolean): Promise<string[][]> => {
    const pages: string[][] = [];
    let page: string | undefined;
    do {
      const pairs = parseQuery(`${qs}&_count=2${page ? `&_page=${page}` : ''}`);
      const result = await executeSearch(parseSearch([type], pairs, { registry, handling: 'strict' }), { ...ctx, scan });
      pages.push(result.matches.map((m) => m.row.id));
      page = result.next;
    } while (page !== undefined);
    return pages;
  };
  expect(await walk(false)).toEqual(await walk(true));
});
