import fc from 'fast-check';
import type { Resource } from 'fhir/r5';
import { describe, expect, it } from 'vitest';
import { FhirError, type Store } from '../../src/index.js';
import { parseQuery } from '../../src/rest/http.js';
import { executeSearch, type ExecuteContext } from '../../src/search/execute.js';
import { parseSearch } from '../../src/search/parse.js';
import { SearchRegistry } from '../../src/search/registry.js';
import { defaultTerminology } from '../../src/search/terminology/index.js';
import { DexieSearchSource } from '../../src/storage/search-source.js';
import { openTestStore } from '../helpers.js';
import { BASE, dataSetArb, queryArb, queryString, type DataSet, type Query } from './arbitraries.js';

/*
 * The planner's index access must select a superset of the matches: for random data and random queries over
 * every parameter type and modifier, the indexed path (`executeSearch` as the store runs it) returns exactly
 * the ids and total of a full scan plus match (`scan: true`). Invalid queries must fail alike on both paths.
 */

const NOW = Date.parse('2024-03-05T00:00:00Z'); // close to the data, so `ap` margins are small but not zero
const registry = new SearchRegistry();
const terminology = defaultTerminology();

type Outcome = { ok: true; ids: string[]; total: number | undefined; fullScans: number } | { ok: false; status: number; message: string };

/** The store's source, counting the full scans (`all`) a search makes, to show the indexed path uses indexes. */
class CountingSource extends DexieSearchSource {
  fullScans = 0;
  override all(type: string) {
    this.fullScans++;
    return super.all(type);
  }
}

/** Loads a data set: the targets first, then the selections in three transactions (three `_lastUpdated` values). */
async function load(store: Store, data: DataSet): Promise<void> {
  const put = (resources: Resource[]) =>
    store.transaction({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: resources.map((r) => ({ resource: r, request: { method: 'PUT' as const, url: `${r.resourceType}/${r.id}` } })),
    });
  await put(data.others);
  const third = Math.ceil(data.selections.length / 3);
  for (let i = 0; i < data.selections.length; i += third) await put(data.selections.slice(i, i + third));
}

async function run(store: Store, q: Query, scan: boolean): Promise<Outcome> {
  const source = new CountingSource(store.database);
  const ctx: ExecuteContext = {
    source,
    registry,
    terminology,
    timeZone: 'UTC',
    now: NOW,
    baseUrl: BASE,
    scan,
  };
  try {
    const query = parseSearch([q.type], parseQuery(queryString(q)), { registry, handling: 'strict' });
    const result = await executeSearch(query, ctx);
    expect(result.next, 'one page holds every match').toBeUndefined();
    return { ok: true, ids: result.matches.map((m) => m.row.id).sort(), total: result.total, fullScans: source.fullScans };
  } catch (e) {
    if (e instanceof FhirError) return { ok: false, status: e.status, message: e.message };
    throw e; // anything else is a crash, not an answer
  }
}

const stats = { queries: 0, valid: 0, nonEmpty: 0, excluding: 0, nonEmptyAndExcluding: 0, invalid: new Map<string, number>() };

describe('indexed search = full scan + match', () => {
  it('for random data and random queries over every parameter type', async () => {
    await fc.assert(
      fc.asyncProperty(dataSetArb, fc.array(queryArb, { minLength: 8, maxLength: 12 }), async (data, queries) => {
        const store = await openTestStore();
        try {
          await load(store, data);
          const typeCount: Record<string, number> = { ImagingSelection: data.selections.length, Patient: 5, ImagingStudy: 4, Group: 1 };
          for (const q of queries) {
            const scanned = await run(store, q, true);
            const indexed = await run(store, q, false);
            const label = `${q.type}?${queryString(q)}`;
            if (scanned.ok && indexed.ok) {
              expect(indexed.ids, label).toEqual(scanned.ids);
              expect(indexed.total, label).toBe(scanned.total);
              expect(scanned.total, label).toBe(scanned.ids.length);
            } else {
              expect({ ok: indexed.ok, status: indexed.ok ? 200 : indexed.status }, label).toEqual({ ok: scanned.ok, status: scanned.ok ? 200 : scanned.status });
            }
            stats.queries++;
            if (scanned.ok) {
              stats.valid++;
              const n = scanned.ids.length;
              const all = typeCount[q.type]!;
              if (n > 0) stats.nonEmpty++;
              if (n < all) stats.excluding++;
              if (n > 0 && n < all) stats.nonEmptyAndExcluding++;
            } else {
              const why = scanned.message.replace(/'[^']*'/g, "'…'").slice(0, 80);
              stats.invalid.set(why, (stats.invalid.get(why) ?? 0) + 1);
            }
          }
        } finally {
          store.close();
        }
      }),
      { numRuns: 40 },
    );
    const share = (n: number): number => n / stats.valid;
    const invalid = stats.queries - stats.valid;
    console.info(
      `indexed = scan: ${stats.queries} queries, ${stats.valid} valid, ${invalid} refused alike; of the valid: ` +
        `${(100 * share(stats.nonEmpty)).toFixed(0)}% non-empty, ${(100 * share(stats.excluding)).toFixed(0)}% exclude something, ` +
        `${(100 * share(stats.nonEmptyAndExcluding)).toFixed(0)}% both`,
    );
    // Not vacuous: most queries are valid, and a good share of them select some but not all resources.
    expect(stats.valid / stats.queries).toBeGreaterThan(0.7);
    expect(share(stats.nonEmpty)).toBeGreaterThan(0.3);
    expect(share(stats.excluding)).toBeGreaterThan(0.3);
    expect(share(stats.nonEmptyAndExcluding)).toBeGreaterThan(0.25);
  }, 120_000);
});
