import type { ImagingSelection, Resource } from 'fhir/r5';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FhirError } from '../../src/errors/fhir-error.js';
import { SearchRegistry } from '../../src/search/parameters/registry.js';
import { parseSearch } from '../../src/search/query/parse.js';
import { syncContextOf } from '../../src/store.js';
import { checkReplicationOptions } from '../../src/sync/options-check.js';
import { compileScope, scopedExport, scopedSearchUrl, scopeFingerprint, windowStart, type SyncScope } from '../../src/sync/scope.js';
import { ScopeCheck } from '../../src/sync/scope-check.js';
import type { SyncContext } from '../../src/sync/context.js';
import { openTestStore, selection } from '../helpers.js';

/*
 * The scope of a replication (src/sync/scope.ts): what it compiles to (export kick-off, search URLs), which
 * resources it keeps (the in-memory check against the store's own search of the same criteria), and bad scopes
 * refused with a 400 OperationOutcome before anything starts.
 */

const IS = 'ImagingSelection';
const registry = new SearchRegistry();
const hasParameter = (type: string, code: string): boolean => registry.get(type, code) !== undefined;
const NOW = new Date('2025-06-01T00:00:00Z');
const ALL_LEVELS = (): boolean => true;
const TYPES = ['ImagingSelection', 'Patient', 'ImagingStudy', 'Device'];

describe('compileScope: the criteria of each synced type', () => {
  const cases: { name: string; scope: SyncScope; groupPatients?: string[]; want: Record<string, string> }[] = [
    {
      name: 'patients: patient= on compartment types, _id on Patient, reference types whole',
      scope: { patients: ['p1', 'Patient/p2'] },
      want: { ImagingSelection: 'patient=Patient%2Fp1%2CPatient%2Fp2', Patient: '_id=p1%2Cp2', ImagingStudy: 'patient=Patient%2Fp1%2CPatient%2Fp2', Device: '' },
    },
    {
      name: 'group: its Patient members, read at the cycle',
      scope: { group: 'ward-3' },
      groupPatients: ['b', 'a'],
      want: { ImagingSelection: 'patient=Patient%2Fa%2CPatient%2Fb', Patient: '_id=a%2Cb', ImagingStudy: 'patient=Patient%2Fa%2CPatient%2Fb', Device: '' },
    },
    {
      name: 'studies: study-uid on selections, the DICOM identifier on studies',
      scope: { studies: ['1.2.3', '1.2.4'] },
      want: { ImagingSelection: 'study-uid=1.2.3%2C1.2.4', Patient: '', ImagingStudy: 'identifier=urn%3Adicom%3Auid%7Curn%3Aoid%3A1.2.3%2Curn%3Adicom%3Auid%7Curn%3Aoid%3A1.2.4', Device: '' },
    },
    {
      name: 'a fixed window on issued',
      scope: { issued: { from: '2025-01-01', to: '2025-03-31' } },
      want: { ImagingSelection: 'issued=ge2025-01-01&issued=le2025-03-31', Patient: '', ImagingStudy: '', Device: '' },
    },
    {
      name: 'a sliding window: 30 days before the clock',
      scope: { issued: { last: 'P30D' } },
      want: { ImagingSelection: 'issued=ge2025-05-02T00%3A00%3A00.000Z', Patient: '', ImagingStudy: '', Device: '' },
    },
    {
      name: 'a search per type, AND-ed with the rest',
      scope: { patients: ['p1'], searches: { ImagingSelection: 'status=available&code=113000' } },
      want: { ImagingSelection: 'patient=Patient%2Fp1&status=available&code=113000', Patient: '_id=p1', ImagingStudy: 'patient=Patient%2Fp1', Device: '' },
    },
  ];
  it.each(cases)('$name', ({ scope, groupPatients, want }) => {
    const compiled = compileScope(scope, TYPES, { now: NOW, ...(groupPatients ? { groupPatients } : {}), hasParameter });
    const got = Object.fromEntries(TYPES.map((t) => [t, new URLSearchParams(compiled.get(t)!.pairs).toString()]));
    expect(got).toEqual(want);
  });

  it('a Group without Patient members puts nothing of a compartment type in scope', () => {
    const compiled = compileScope({ group: 'empty' }, TYPES, { now: NOW, groupPatients: [], hasParameter });
    expect(TYPES.map((t) => compiled.get(t)!.none)).toEqual([true, true, true, false]);
  });

  it.each([
    ['P30D', '2025-05-02T00:00:00.000Z'],
    ['P1Y2M', '2024-04-01T00:00:00.000Z'],
    ['P2W', '2025-05-18T00:00:00.000Z'],
    ['PT12H30M', '2025-05-31T11:30:00.000Z'],
    ['P1DT1S', '2025-05-30T23:59:59.000Z'],
  ])('windowStart(%s) is %s', (duration, start) => {
    expect(windowStart(NOW, duration).toISOString()).toBe(start);
  });

  it('scoped search URLs page with _count', () => {
    const compiled = compileScope({ patients: ['p1'], studies: ['1.2.3'] }, ['ImagingSelection'], { now: NOW, hasParameter });
    expect(scopedSearchUrl('ImagingSelection', compiled.get('ImagingSelection')!, 100)).toBe('ImagingSelection?patient=Patient%2Fp1&study-uid=1.2.3&_count=100');
  });

  it('the fingerprint changes with the criteria and the Group membership, not with the sliding window\'s clock', () => {
    const a = scopeFingerprint({ group: 'g', issued: { last: 'P7D' } }, TYPES, ['a', 'b']);
    expect(scopeFingerprint({ group: 'g', issued: { last: 'P7D' } }, [...TYPES].reverse(), ['b', 'a'])).toBe(a);
    expect(scopeFingerprint({ group: 'g', issued: { last: 'P7D' } }, TYPES, ['a'])).not.toBe(a);
    expect(scopeFingerprint({ group: 'g', issued: { last: 'P8D' } }, TYPES, ['a', 'b'])).not.toBe(a);
  });
});

describe('scopedExport: the kick-off of a scoped first sync', () => {
  const compile = (scope: SyncScope, groupPatients?: string[]) => compileScope(scope, TYPES, { now: NOW, ...(groupPatients ? { groupPatients } : {}), hasParameter });
  const cases: { name: string; scope: SyncScope; groupPatients?: string[]; offers?: (l: string) => boolean; want: unknown }[] = [
    {
      name: 'a Group worklist: Group level, compartment types only, no _typeFilter for the members',
      scope: { group: 'ward-3' },
      groupPatients: ['a'],
      want: { path: 'Group/ward-3/$export', types: ['ImagingSelection', 'Patient', 'ImagingStudy'], parameters: [{ name: '_type', valueString: 'ImagingSelection,Patient,ImagingStudy' }] },
    },
    {
      name: 'patients: Patient level with one patient parameter each',
      scope: { patients: ['p1', 'p2'] },
      want: {
        path: 'Patient/$export',
        types: ['ImagingSelection', 'Patient', 'ImagingStudy'],
        parameters: [
          { name: '_type', valueString: 'ImagingSelection,Patient,ImagingStudy' },
          { name: 'patient', valueReference: { reference: 'Patient/p1' } },
          { name: 'patient', valueReference: { reference: 'Patient/p2' } },
        ],
      },
    },
    {
      name: 'patients and a window: the window as _typeFilter',
      scope: { patients: ['p1'], issued: { from: '2025-01-01' } },
      want: {
        path: 'Patient/$export',
        types: ['ImagingSelection', 'Patient', 'ImagingStudy'],
        parameters: [
          { name: '_type', valueString: 'ImagingSelection,Patient,ImagingStudy' },
          { name: 'patient', valueReference: { reference: 'Patient/p1' } },
          { name: '_typeFilter', valueString: 'ImagingSelection?issued=ge2025-01-01' },
        ],
      },
    },
    {
      name: 'no compartment level offered: system level carries the patient criteria in _typeFilter',
      scope: { patients: ['p1'] },
      offers: (l) => l === 'system',
      want: {
        path: '$export',
        types: TYPES,
        parameters: [
          { name: '_type', valueString: TYPES.join(',') },
          { name: '_typeFilter', valueString: 'ImagingSelection?patient=Patient%2Fp1' },
          { name: '_typeFilter', valueString: 'Patient?_id=p1' },
          { name: '_typeFilter', valueString: 'ImagingStudy?patient=Patient%2Fp1' },
        ],
      },
    },
    {
      name: 'studies only: system level with _typeFilter',
      scope: { studies: ['1.2.3'] },
      want: {
        path: '$export',
        types: TYPES,
        parameters: [
          { name: '_type', valueString: TYPES.join(',') },
          { name: '_typeFilter', valueString: 'ImagingSelection?study-uid=1.2.3' },
          { name: '_typeFilter', valueString: 'ImagingStudy?identifier=urn%3Adicom%3Auid%7Curn%3Aoid%3A1.2.3' },
        ],
      },
    },
    { name: 'no export offered at all', scope: { patients: ['p1'] }, offers: () => false, want: undefined },
  ];
  it.each(cases)('$name', ({ scope, groupPatients, offers, want }) => {
    expect(scopedExport(scope, TYPES, compile(scope, groupPatients), offers ?? ALL_LEVELS)).toEqual(want);
  });
});

describe('bad scopes: 400 with an OperationOutcome, before anything starts', () => {
  const base = { baseUrl: 'http://127.0.0.1:1/fhir', resourceTypes: ['ImagingSelection', 'Patient'] };
  const strict = (type: string, pairs: [string, string][]): void => void parseSearch([type], pairs, { registry, handling: 'strict' });
  const bad: [string, unknown, RegExp][] = [
    ['not an object', 'p1', /scope/],
    ['empty', {}, /empty/],
    ['an unknown criterion', { patient: ['p1'] }, /scope\.patient is not a scope criterion/],
    ['patients not an array', { patients: 'p1' }, /scope\.patients must be a non-empty array/],
    ['an empty patient list', { patients: [] }, /non-empty/],
    ['a bad patient id', { patients: ['p 1'] }, /not a Patient id/],
    ['a bad group id', { group: 'Group/g/1' }, /scope\.group must be a Group id/],
    ['a study UID with letters', { studies: ['1.2.abc'] }, /not a DICOM UID/],
    ['a window bound that is no date', { issued: { from: 'yesterday' } }, /scope\.issued\.from must be a FHIR dateTime/],
    ['a window that ends before it starts', { issued: { from: '2025-02-01', to: '2025-01-01' } }, /starts after it ends/],
    ['a bad duration', { issued: { last: '30 days' } }, /ISO 8601 duration/],
    ['last and from together', { issued: { last: 'P1D', from: '2025-01-01' } }, /either last or from/],
    ['a search on a type not synced', { searches: { Observation: 'status=final' } }, /not one of the synced resourceTypes/],
    ['a result parameter', { searches: { ImagingSelection: 'status=available&_count=5' } }, /result parameter _count/],
    ['a chain', { searches: { ImagingSelection: 'patient.name=x' } }, /no chains/],
    ['_has', { searches: { Patient: '_has:ImagingSelection:patient:status=available' } }, /no chains/],
    ['an unknown search parameter', { searches: { ImagingSelection: 'colour=red' } }, /not a valid search/],
    ['an unsupported modifier', { searches: { ImagingSelection: 'status:exact=available' } }, /not a valid search/],
  ];
  it.each(bad)('%s', (_name, scope, message) => {
    let thrown: unknown;
    try {
      checkReplicationOptions({ ...base, scope }, strict);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(FhirError);
    const e = thrown as FhirError;
    expect(e.status).toBe(400);
    expect(e.outcome.resourceType).toBe('OperationOutcome');
    expect(e.message).toMatch(message);
  });

  it('store.replicate with a bad scope throws at the call, and sends nothing', async () => {
    const store = await openTestStore();
    const sent: string[] = [];
    const fetch = (async (url: string) => {
      sent.push(url);
      return new Response('{}');
    }) as unknown as typeof globalThis.fetch;
    try {
      expect(() => store.replicate({ ...base, fetch, scope: { searches: { ImagingSelection: 'colour=red' } } })).toThrow(FhirError);
      expect(() => store.replicate({ ...base, fetch, live: true, scope: { patients: [] } })).toThrow(/scope\.patients/);
      await new Promise((r) => setTimeout(r, 20));
      expect(sent).toEqual([]);
    } finally {
      store.close();
    }
  });
});

describe('ScopeCheck: a resource in or out of scope, as a search of the store would say', () => {
  const at = (id: string, over: Partial<ImagingSelection>): ImagingSelection => selection({ id, meta: { versionId: '1', lastUpdated: '2025-05-20T00:00:00Z' }, ...over });
  const resources: Resource[] = [
    at('a', { subject: { reference: 'Patient/p1' }, studyUid: '1.2.3', issued: '2025-05-20T10:00:00Z' }),
    at('b', { subject: { reference: 'Patient/p2' }, studyUid: '1.2.3', issued: '2025-01-10T10:00:00Z' }),
    at('c', { subject: { reference: 'Patient/p1' }, studyUid: '1.2.9', issued: '2024-12-31T12:00:00Z' }),
    at('d', { subject: { reference: 'Group/g1' }, studyUid: '1.2.3' }),
    at('e', { status: 'unknown', subject: { reference: 'Patient/p3' }, issued: '2025-05-31T23:00:00+02:00' }),
    { resourceType: 'Patient', id: 'p1' },
    { resourceType: 'Patient', id: 'p2' },
    { resourceType: 'Device', id: 'dev1' },
  ];
  const cases: { name: string; scope: SyncScope; groupPatients?: string[]; inScope: string[] }[] = [
    { name: 'patients', scope: { patients: ['p1'] }, inScope: ['Device/dev1', 'ImagingSelection/a', 'ImagingSelection/c', 'Patient/p1'] },
    { name: 'a Group', scope: { group: 'g' }, groupPatients: ['p2', 'p3'], inScope: ['Device/dev1', 'ImagingSelection/b', 'ImagingSelection/e', 'Patient/p2'] },
    { name: 'an empty Group', scope: { group: 'g' }, groupPatients: [], inScope: ['Device/dev1'] },
    { name: 'studies', scope: { studies: ['1.2.3'] }, inScope: ['Device/dev1', 'ImagingSelection/a', 'ImagingSelection/b', 'ImagingSelection/d', 'Patient/p1', 'Patient/p2'] },
    { name: 'a fixed window (day precision on both sides)', scope: { issued: { from: '2025-01-01', to: '2025-05-20' } }, inScope: ['Device/dev1', 'ImagingSelection/a', 'ImagingSelection/b', 'Patient/p1', 'Patient/p2'] },
    { name: 'a sliding window of 30 days', scope: { issued: { last: 'P30D' } }, inScope: ['Device/dev1', 'ImagingSelection/a', 'ImagingSelection/e', 'Patient/p1', 'Patient/p2'] },
    { name: 'patients AND studies', scope: { patients: ['p1', 'p2'], studies: ['1.2.3'] }, inScope: ['Device/dev1', 'ImagingSelection/a', 'ImagingSelection/b', 'Patient/p1', 'Patient/p2'] },
    { name: 'a search per type', scope: { searches: { ImagingSelection: 'status=unknown' } }, inScope: ['Device/dev1', 'ImagingSelection/e', 'Patient/p1', 'Patient/p2'] },
  ];

  it.each(cases)('$name: the check equals a search of the store with the same criteria', async ({ scope, groupPatients, inScope }) => {
    const store = await openTestStore();
    try {
      for (const r of resources) expect((await store.handle({ method: 'PUT', url: `${r.resourceType}/${r.id}`, body: r })).status).toBe(201);
      const ctx: SyncContext = syncContextOf(store);
      await ctx.ready();
      const types = ['ImagingSelection', 'Patient', 'Device'];
      const compiled = compileScope(scope, types, { now: NOW, ...(groupPatients ? { groupPatients } : {}), hasParameter });
      const check = ScopeCheck.create(ctx, compiled, NOW);
      const got = [...(await check.inScope(resources))].sort();
      expect(got).toEqual(inScope);
      // The same criteria as a search of the store (what a server-side search of the scope gives).
      const searched: string[] = [];
      for (const type of types) {
        const t = compiled.get(type)!;
        if (t.none) continue;
        const bundle = await store.handle({ method: 'GET', url: `${type}?${new URLSearchParams([...t.pairs, ['_count', '100']]).toString()}` });
        for (const e of (bundle.body as { entry?: { resource: Resource }[] }).entry ?? []) searched.push(`${type}/${e.resource.id}`);
      }
      expect(searched.sort()).toEqual(inScope);
    } finally {
      store.close();
    }
  });
});

describe('ScopeCheck equals a search of the store (property)', () => {
  const patient = fc.constantFrom('p1', 'p2', 'p3');
  const instant = fc.integer({ min: Date.parse('2024-12-25T00:00:00Z'), max: Date.parse('2025-06-05T00:00:00Z') }).map((t) => new Date(t).toISOString());
  const resourceArb = fc.record({
    subject: fc.oneof(patient.map((p) => `Patient/${p}`), fc.constant('Group/g1'), fc.constant(undefined)),
    study: fc.option(fc.constantFrom('1.2.0', '1.2.1', '1.2.2'), { nil: undefined }),
    issued: fc.option(instant, { nil: undefined }),
    status: fc.constantFrom('available', 'unknown', 'entered-in-error'),
  });
  const day = fc.constantFrom('2025-01-01', '2025-03-15', '2025-05-20T12:00:00Z', '2025-06-01');
  const scopeArb: fc.Arbitrary<{ scope: SyncScope; members?: string[] }> = fc.oneof(
    fc.record({ scope: fc.record({ patients: fc.uniqueArray(patient, { minLength: 1 }) }) }),
    fc.record({ scope: fc.constant({ group: 'g' }), members: fc.uniqueArray(patient) }),
    fc.record({ scope: fc.record({ studies: fc.uniqueArray(fc.constantFrom('1.2.0', '1.2.1', '1.2.9'), { minLength: 1 }) }) }),
    fc.record({ scope: fc.record({ issued: fc.oneof(fc.record({ from: day }), fc.record({ to: day }), fc.constantFrom({ last: 'P30D' }, { last: 'P2W' }, { last: 'PT36H' })) }) }),
    fc.record({ scope: fc.record({ searches: fc.constantFrom({ ImagingSelection: 'status=available' }, { ImagingSelection: 'status:not=unknown' }, { ImagingSelection: 'issued:missing=true' }) }) }),
    fc.record({ scope: fc.record({ patients: fc.uniqueArray(patient, { minLength: 1 }), studies: fc.constant<string[]>(['1.2.0', '1.2.1']), issued: fc.constant<SyncScope['issued']>({ from: '2025-03-01' }) }) }),
  );

  it('for random selections and scopes, the in-memory check keeps exactly what the search finds', async () => {
    const store = await openTestStore();
    try {
      const ctx: SyncContext = syncContextOf(store);
      await ctx.ready();
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(resourceArb, { minLength: 1, maxLength: 12 }), scopeArb, async (rows, { scope, members }) => {
          run++;
          const resources = rows.map((r, i) =>
            selection({
              id: `r${run}-${i}`,
              status: r.status as ImagingSelection['status'],
              ...(r.subject ? { subject: { reference: r.subject } } : {}),
              ...(r.study ? { studyUid: r.study } : {}),
              ...(r.issued ? { issued: r.issued } : {}),
            }),
          );
          for (const r of resources) expect((await store.handle({ method: 'PUT', url: `${IS}/${r.id}`, body: r })).status).toBe(201);
          const compiled = compileScope(scope, [IS], { now: NOW, ...(members ? { groupPatients: members } : {}), hasParameter });
          const t = compiled.get(IS)!;
          const checked = [...(await ScopeCheck.create(ctx, compiled, NOW).inScope(resources))].sort();
          // The same criteria as a search of the store, restricted to this run's resources.
          let searched: string[] = [];
          if (!t.none) {
            const bundle = await store.handle({ method: 'GET', url: `${IS}?${new URLSearchParams([...t.pairs, ['_id', resources.map((r) => r.id).join(',')], ['_count', '100']]).toString()}` });
            expect(bundle.status).toBe(200);
            searched = ((bundle.body as { entry?: { resource: Resource }[] }).entry ?? []).map((e) => `${IS}/${e.resource.id}`).sort();
          }
          expect(checked).toEqual(searched);
        }),
        { numRuns: 60, seed: 1414 },
      );
    } finally {
      store.close();
    }
  });
});
