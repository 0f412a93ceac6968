import type { Bundle, ImagingSelection, Patient, Resource } from 'fhir/r5';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { FhirError, type PurgeCriteria, type Store } from '../../src/index.js';
import { syncContextOf } from '../../src/store.js';
import type { RemoteVersion } from '../../src/sync/decide.js';
import { applyPage } from '../../src/sync/pull.js';
import { openTestStore, selection, snapshot } from '../helpers.js';

const opened: Store[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});
const open = async (): Promise<Store> => {
  const s = await openTestStore();
  opened.push(s);
  return s;
};

const TYPE = 'ImagingSelection';
const issuedIn = (year: number): string => `${year}-06-01T00:00:00Z`;

/** Stores server versions as a pull does (so they are synced: the server confirmed them). */
async function pulled(store: Store, resources: Resource[]): Promise<void> {
  await syncContextOf(store).ready();
  const versions: RemoteVersion[] = resources.map((r) => ({ type: r.resourceType, id: r.id!, version: '1', lastUpdated: '2025-01-01T00:00:00Z', resource: r }));
  await applyPage(syncContextOf(store), 'merge', versions, { key: 'http://server.example/fhir|x' }, true, { pulled: 0, conflicts: [], invalid: [] });
}

const ids = (b: Bundle): string[] => (b.entry ?? []).map((e) => `${(e.resource as Resource).resourceType}/${(e.resource as Resource).id!}`).sort();

async function seeded(): Promise<Store> {
  const store = await open();
  await pulled(store, [
    selection({ id: 'old1', issued: issuedIn(2019) }),
    selection({ id: 'old2', issued: issuedIn(2020), status: 'unknown' }),
    selection({ id: 'new1', issued: issuedIn(2026) }),
    selection({ id: 'noissued' }),
    { resourceType: 'Patient', id: 'p1', name: [{ family: 'Doe' }] } as Patient,
  ]);
  // A pending edit of a synced resource, and a local create never sent.
  await store.update(selection({ id: 'old2', issued: issuedIn(2020), status: 'available' }));
  await store.update(selection({ id: 'local', issued: issuedIn(2018) }));
  return store;
}

describe('store.purge', () => {
  const cases: { name: string; criteria: PurgeCriteria; purged: string[]; skipped: [string, string][] }[] = [
    { name: 'a search per type', criteria: { ImagingSelection: 'issued=lt2025-01-01' }, purged: ['old1'], skipped: [['local', 'pending'], ['old2', 'pending']] },
    { name: 'every resource of a type', criteria: { ImagingSelection: '' }, purged: ['new1', 'noissued', 'old1'], skipped: [['local', 'pending'], ['old2', 'pending']] },
    { name: 'searches of two types', criteria: [{ type: TYPE, search: 'issued=ge2026' }, { type: 'Patient', search: 'family=Doe' }], purged: ['Patient/p1', 'new1'], skipped: [] },
    { name: 'explicit resources', criteria: [{ type: TYPE, id: 'new1' }, { type: TYPE, id: 'gone' }, { type: TYPE, id: 'old2' }], purged: ['new1'], skipped: [['gone', 'not-found'], ['old2', 'pending']] },
    { name: 'a search and a resource it also selects', criteria: [{ type: TYPE, search: 'issued=lt2020' }, { type: TYPE, id: 'old1' }], purged: ['old1'], skipped: [['local', 'pending']] },
    { name: 'a search that selects nothing', criteria: { ImagingSelection: 'issued=lt1900' }, purged: [], skipped: [] },
  ];
  it.each(cases)('$name', async ({ criteria, purged, skipped }) => {
    const store = await seeded();
    const before = ids(await store.search(TYPE));
    const summary = await store.purge(criteria);
    expect(summary.purged).toBe(purged.length);
    expect(summary.skipped.map((s) => [s.id, s.reason]).sort()).toEqual(skipped);
    const gone = purged.map((p) => (p.includes('/') ? p : `${TYPE}/${p}`));
    expect(ids(await store.search(TYPE))).toEqual(before.filter((k) => !gone.includes(k)));
    for (const k of gone) {
      const [type, id] = k.split('/') as ['ImagingSelection', string];
      const res = await store.handle({ method: 'GET', url: `${type}/${id}` });
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).toMatch(/evicted locally \(purge\)/);
    }
    // What was pending is still here and still pending.
    expect((await store.read(TYPE, 'old2')).status).toBe('available');
    expect(await syncContextOf(store).storage.pendingCount()).toBe(2);
  });

  const bad: { name: string; criteria: unknown; diagnostics: RegExp }[] = [
    { name: 'not an object', criteria: 'issued=lt2025', diagnostics: /must be an object/ },
    { name: 'null', criteria: null, diagnostics: /must be an object/ },
    { name: 'an unknown type', criteria: { Imagingselection: '' }, diagnostics: /not a FHIR R5 resource type/ },
    { name: 'a criterion with neither search nor id', criteria: [{ type: TYPE }], diagnostics: /a search \(a string\) or an id/ },
    { name: 'a criterion with both', criteria: [{ type: TYPE, search: '', id: 'old1' }], diagnostics: /not both/ },
    { name: 'a criterion that is not an object', criteria: [42], diagnostics: /must be \{ type, search \}/ },
    { name: 'an invalid id', criteria: [{ type: TYPE, id: 'no spaces' }], diagnostics: /Invalid id/ },
    { name: 'an unknown search parameter', criteria: { ImagingSelection: 'isued=lt2025' }, diagnostics: /isued/ },
    { name: 'a bad date', criteria: { ImagingSelection: 'issued=lt20x5' }, diagnostics: /20x5/ },
    { name: 'a modifier the parameter does not take', criteria: { ImagingSelection: 'issued:exact=2025' }, diagnostics: /exact/ },
    { name: 'a parameter that shapes results', criteria: { ImagingSelection: 'issued=lt2025&_count=1' }, diagnostics: /_count shapes a search result/ },
    { name: 'bad percent-encoding', criteria: { ImagingSelection: 'issued=%ZZ' }, diagnostics: /./ },
    { name: 'a good search then a bad one', criteria: { ImagingSelection: 'issued=lt2025', Patient: 'nope=1' }, diagnostics: /nope/ },
  ];
  it.each(bad)('refuses $name with a 400 OperationOutcome, store unchanged', async ({ criteria, diagnostics }) => {
    const store = await seeded();
    const before = await snapshot(store);
    const e = await store.purge(criteria as PurgeCriteria).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(FhirError);
    expect((e as FhirError).status).toBe(400);
    expect((e as FhirError).outcome.resourceType).toBe('OperationOutcome');
    expect((e as FhirError).outcome.issue[0]?.diagnostics).toMatch(diagnostics);
    expect(await snapshot(store)).toEqual(before);
  });

  it('after a purge, every search answers what it answered before minus the purged resources, and nothing pending went (property)', async () => {
    const resource = fc.record({
      issued: fc.option(fc.integer({ min: 2015, max: 2028 }), { nil: undefined }),
      status: fc.constantFrom('available' as const, 'unknown' as const),
      state: fc.constantFrom('synced' as const, 'pending' as const, 'local' as const),
    });
    const criterion = fc.oneof(
      fc.integer({ min: 2014, max: 2029 }).map((y) => `issued=lt${y}`),
      fc.integer({ min: 2014, max: 2029 }).map((y) => `issued=ge${y}`),
      fc.constantFrom('status=available', 'status=unknown', ''),
    );
    const queries = ['', 'status=available', 'issued=lt2020', 'issued=ge2022', '_sort=-issued&_count=5'];
    await fc.assert(
      fc.asyncProperty(fc.array(resource, { minLength: 1, maxLength: 12 }), criterion, async (specs, search) => {
        const store = await openTestStore();
        try {
          const made = specs.map((s, i) => ({ ...s, id: `r${i}`, resource: selection({ id: `r${i}`, status: s.status, ...(s.issued ? { issued: issuedIn(s.issued) } : {}) }) as ImagingSelection }));
          await pulled(store, made.filter((m) => m.state !== 'local').map((m) => m.resource));
          for (const m of made.filter((m) => m.state === 'pending')) await store.update({ ...m.resource, code: { text: 'edited here' } });
          for (const m of made.filter((m) => m.state === 'local')) await store.update(m.resource);
          const before = new Map<string, string[]>();
          for (const q of queries) before.set(q, ids(await store.search(TYPE, q)));
          const selected = ids(await store.search(TYPE, search)).map((k) => k.split('/')[1]!);
          const summary = await store.purge({ ImagingSelection: search });
          const synced = new Set(made.filter((m) => m.state === 'synced').map((m) => m.id));
          const purged = selected.filter((id) => synced.has(id));
          expect(summary.purged).toBe(purged.length);
          expect(summary.skipped.map((s) => s.id).sort()).toEqual(selected.filter((id) => !synced.has(id)).sort());
          for (const q of queries) {
            const expected = before.get(q)!.filter((k) => !purged.includes(k.split('/')[1]!));
            // A page (`_count`) fills up from beyond the old page: compare what the old page kept, in order.
            const after = ids(await store.search(TYPE, q));
            if (q.includes('_count')) expect(after.filter((k) => before.get(q)!.includes(k))).toEqual(expected);
            else expect(after).toEqual(expected);
          }
          for (const m of made.filter((m) => m.state !== 'synced')) expect((await store.read(TYPE, m.id)).id).toBe(m.id);
          expect(await syncContextOf(store).storage.pendingCount()).toBe(made.filter((m) => m.state !== 'synced').length);
        } finally {
          store.close();
        }
      }),
      { numRuns: 30, seed: 1414 },
    );
  });
});
