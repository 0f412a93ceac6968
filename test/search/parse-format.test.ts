import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escape } from '../../src/search/query/escape.js';
import { formatSearch, parseSearch } from '../../src/search/query/parse.js';
import { SearchRegistry } from '../../src/search/parameters/registry.js';
import { parseQuery } from '../../src/rest/http.js';

/** A search value: any text, escaped the way a client must escape it. */
const value = fc.string({ minLength: 1, maxLength: 12 }).map(escape);
const param = fc.oneof(
  fc.array(value, { minLength: 1, maxLength: 3 }).map((vs) => ['identifier', vs.join(',')] as [string, string]),
  fc.array(fc.stringMatching(/^[A-Za-z0-9.-]{1,10}$/), { minLength: 1, maxLength: 3 }).map((ids) => ['_id', ids.join(',')] as [string, string]),
  fc.constantFrom<[string, string]>(['_lastUpdated', 'ge2024-01-01'], ['_lastUpdated', 'lt2025-03-04T10:00:00+01:00']),
);
const result = fc.record({
  count: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
  total: fc.option(fc.constantFrom('none', 'estimate', 'accurate'), { nil: undefined }),
});

const registry = new SearchRegistry();

describe('search parse/format', () => {
  it('formatting a parsed query and parsing it again gives the same query (self and next links round-trip)', () => {
    fc.assert(
      fc.property(fc.array(param, { maxLength: 4 }), result, (params, r) => {
        const pairs: [string, string][] = [...params];
        if (r.count !== undefined) pairs.push(['_count', String(r.count)]);
        if (r.total !== undefined) pairs.push(['_total', r.total]);
        const ctx = { registry, handling: 'strict' as const };
        const query = parseSearch(['ImagingSelection'], pairs, ctx);
        const again = parseSearch(['ImagingSelection'], parseQuery(formatSearch(query.used)), ctx);
        expect(again).toEqual(query);
      }),
      { numRuns: 300 },
    );
  });
});
