import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/index.js';
import { loadData, parseData } from '../../src/server/load-data.js';
import { openTestStore, snapshot } from '../helpers.js';

/* Issue 13 defect 9: data loaded into the server (`serve --data`) goes through the same narrative check. */

const div = (inner: string): string => `<div xmlns="http://www.w3.org/1999/xhtml">${inner}</div>`;
const ndjson = (...narratives: string[]): string =>
  narratives.map((d, i) => JSON.stringify({ resourceType: 'Patient', id: `p${i}`, text: { status: 'generated', div: d } })).join('\n');

let store: Store | undefined;
afterEach(() => store?.close());

describe('loading data with narratives', () => {
  it('loads valid narratives', async () => {
    store = await openTestStore();
    expect(await loadData(store, parseData(ndjson(div('<p>one</p>'), div('two')), 'ok.ndjson'))).toBe(2);
  });

  it('refuses a file with a script in a narrative, and stores none of it', async () => {
    store = await openTestStore();
    const before = await snapshot(store);
    await expect(loadData(store, parseData(ndjson(div('fine'), div('<a href="javascript:alert(1)">x</a>'))), { source: 'bad.ndjson' })).rejects.toThrow(
      /^bad\.ndjson \(resources 1-2\): HTTP 422: .*txt-1: 'href' on <a> may not hold a javascript: URL/,
    );
    expect(await snapshot(store)).toEqual(before);
  });
});
