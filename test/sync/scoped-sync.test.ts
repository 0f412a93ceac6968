import type { Group, ImagingSelection, Patient, Resource } from 'fhir/r5';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReplicationOptions, ResourceType, Store, SyncScope } from '../../src/index.js';
import { storeDatabase } from '../../src/store.js';
import { FhirError } from '../../src/errors/fhir-error.js';
import { selection } from '../helpers.js';
import type { RunningServer } from '../../src/server/index.js';
import { bulkServers } from './bulk-servers.js';
import { when, type FaultProxy } from './proxy.js';
import { remoteClient } from './remote.js';
import { virtualTime, type VirtualTime } from './virtual-time.js';

/*
 * Scoped sync (replicate({ scope }), src/sync/scoped-sync.ts) over real HTTP against this package's server: the
 * first sync asks for the scope only (a Group or Patient level $export with patient and _typeFilter, or a search per
 * type), later changes come from _history and are checked against the scope, and what leaves the scope is removed
 * from the device only: the server keeps it and no DELETE is ever sent.
 */

const IS = 'ImagingSelection' as const;
const TYPES: ResourceType[] = [IS, 'Patient', 'Device'];
const { server, proxyFor, store, closeAll } = bulkServers(4);
/** A `fetch` that records the body of each POST (the kick-off's Parameters), by the path after the base. */
function recordingPosts(base: string): { fetch: typeof fetch; posts: Map<string, { parameter: unknown[] }> } {
  const posts = new Map<string, { parameter: unknown[] }>();
  const recording: typeof fetch = async (input, init) => {
    if (init?.method === 'POST' && typeof init.body === 'string') posts.set(String(input).slice(base.length + 1), JSON.parse(init.body) as { parameter: unknown[] });
    return fetch(input, init);
  };
  return { fetch: recording, posts };
}
/**
 * Replication options on virtual time, with no checkpoint margin: the tests seed the server a moment before they
 * sync, and a margin would bring those resources again by `_history` whatever the scope logic did.
 */
const fast = (time: VirtualTime): Pick<ReplicationOptions, 'environment' | 'retry' | 'checkpointMarginMs'> => ({
  environment: time.env,
  retry: { initialDelay: 5, maxDelay: 50, maxAttempts: 2 },
  checkpointMarginMs: 0,
});

/** Patients p1–p4, a Group `ward` of p1 and p2, a Device, and selections of each patient with issued dates. */
async function seed(base: string): Promise<void> {
  const remote = remoteClient(base);
  const put = async (r: Resource): Promise<void> => expect((await remote.put(r)).status).toBe(201);
  for (const p of ['p1', 'p2', 'p3', 'p4']) await put({ resourceType: 'Patient', id: p } as Patient);
  await put({ resourceType: 'Group', id: 'ward', type: 'person', membership: 'enumerated', member: [{ entity: { reference: 'Patient/p1' } }, { entity: { reference: 'Patient/p2' } }] } as Group);
  await put({ resourceType: 'Device', id: 'scanner' });
  const issued = ['2025-05-25T10:00:00Z', '2025-05-10T10:00:00Z', '2025-04-01T10:00:00Z'];
  for (const p of ['p1', 'p2', 'p3', 'p4']) {
    for (const [i, at] of issued.entries()) {
      await put(selection({ id: `${p}-s${i}`, subject: { reference: `Patient/${p}` }, studyUid: `1.2.${i}`, issued: at }));
    }
  }
}

/** The seeded server (behind a fault proxy with `proxy`), virtual time (at `now`) and an empty device store. */
async function seededDevice<P extends boolean = false>(options: { proxy?: P; now?: number } = {}): Promise<{ s: RunningServer; proxy: P extends true ? FaultProxy : undefined; time: VirtualTime; local: Store }> {
  const s = await server();
  await seed(s.url);
  const proxy = (options.proxy === true ? await proxyFor(s) : undefined) as P extends true ? FaultProxy : undefined;
  return { s, proxy, time: virtualTime(options.now), local: await store() };
}

/** The `Type/id` of every resource the store holds of `types`. */
async function held(s: Store, types: ResourceType[] = TYPES): Promise<string[]> {
  const out: string[] = [];
  for (const t of types) for (const e of (await s.search(t, { _count: '1000' })).entry ?? []) out.push(`${t}/${e.resource!.id}`);
  return out.sort();
}

/** The `Type/id` the server answers to a search per type (what a device of that scope must hold). */
async function onServer(base: string, queries: Record<string, string>): Promise<string[]> {
  const remote = remoteClient(base);
  const out: string[] = [];
  for (const [t, q] of Object.entries(queries)) for (const id of await remote.ids(`${t}?${q}${q ? '&' : ''}_count=1000`)) out.push(`${t}/${id}`);
  return out.sort();
}

describe('first sync of a scope', () => {
  it('a Group worklist: Group-level $export of the compartment types, the reference types by search, no unscoped _history', async () => {
    const { s, proxy, time, local } = await seededDevice({ proxy: true });
    const { fetch, posts } = recordingPosts(proxy.url);
    const report = await time.settle(local.replicate({ baseUrl: proxy.url, fetch, resourceTypes: TYPES, scope: { group: 'ward' }, ...fast(time) }).syncOnce());
    expect(await held(local)).toEqual(await onServer(s.url, { [IS]: 'patient=Patient/p1,Patient/p2', Patient: '_id=p1,p2', Device: '' }));
    expect(report.pulled).toBe(6 + 2 + 1);
    const kickOff = proxy.requests('POST', 'Group/ward/$export');
    expect(kickOff).toHaveLength(1);
    expect(posts.get('Group/ward/$export')).toEqual({ resourceType: 'Parameters', parameter: [{ name: '_type', valueString: `${IS},Patient` }] });
    expect(proxy.requests('GET', /^Device\?/).map((r) => r.query)).toEqual(['_count=100']);
    // Every _history request asks for changes since a checkpoint: nothing pages the server's whole history.
    const history = proxy.requests('GET', /_history/);
    expect(history.length).toBeGreaterThan(0);
    for (const h of history) expect(h.query).toMatch(/_since=/);
  });

  it('patients: Patient-level $export with one patient parameter each', async () => {
    const { s, proxy, time, local } = await seededDevice({ proxy: true });
    const { fetch, posts } = recordingPosts(proxy.url);
    await time.settle(local.replicate({ baseUrl: proxy.url, fetch, resourceTypes: [IS, 'Patient'], scope: { patients: ['p3', 'Patient/p4'] }, ...fast(time) }).syncOnce());
    expect(await held(local, [IS, 'Patient'])).toEqual(await onServer(s.url, { [IS]: 'patient=Patient/p3,Patient/p4', Patient: '_id=p3,p4' }));
    expect(proxy.requests('POST', 'Patient/$export')).toHaveLength(1);
    expect(posts.get('Patient/$export')?.parameter).toEqual([
      { name: '_type', valueString: `${IS},Patient` },
      { name: 'patient', valueReference: { reference: 'Patient/p3' } },
      { name: 'patient', valueReference: { reference: 'Patient/p4' } },
    ]);
  });

  it('a date window: system-level $export with _typeFilter, which the server applies', async () => {
    const { s, proxy, time, local } = await seededDevice({ proxy: true });
    const scope: SyncScope = { issued: { from: '2025-05-01', to: '2025-05-31' } };
    const { fetch, posts } = recordingPosts(proxy.url);
    await time.settle(local.replicate({ baseUrl: proxy.url, fetch, scope, ...fast(time) }).syncOnce());
    expect(await held(local, [IS])).toEqual(await onServer(s.url, { [IS]: 'issued=ge2025-05-01&issued=le2025-05-31' }));
    expect(await held(local, [IS])).toHaveLength(8);
    expect(posts.get('$export')?.parameter).toContainEqual({ name: '_typeFilter', valueString: `${IS}?issued=ge2025-05-01&issued=le2025-05-31` });
    // The files held only the window: the server filtered, the check had nothing to drop.
    const lines = proxy.log.filter((r) => /^_bulk\/.+\.ndjson$/.test(r.path)).length;
    expect(lines).toBe(2); // 8 selections in files of 4
  });

  it('without $export: a search per type, paged with _count and resumable from its next link', async () => {
    const { proxy, time, local } = await seededDevice({ proxy: true });
    await time.settle(local.replicate({ baseUrl: proxy.url, resourceTypes: [IS], scope: { patients: ['p1'], studies: ['1.2.0', '1.2.2'] }, bulkExport: false, batchSize: 1, ...fast(time) }).syncOnce());
    expect(await held(local, [IS])).toEqual([`${IS}/p1-s0`, `${IS}/p1-s2`]);
    const searches = proxy.requests('GET', /^ImagingSelection\?/);
    expect(decodeURIComponent(searches[0]!.query)).toBe('patient=Patient/p1&study-uid=1.2.0,1.2.2&_count=1');
    expect(searches.length).toBeGreaterThanOrEqual(2); // one page per selection, by its next link
    expect(proxy.requests('GET', /_history/).every((h) => /_since=/.test(h.query))).toBe(true);
  });
});

describe('a scoped first sync interrupted', () => {
  it('a file cut mid-download: the next attempt resumes the same Group export, downloads no finished file again, and holds the scope once', async () => {
    const s = await server();
    await seed(s.url);
    const proxy = await proxyFor(s);
    const isFile = (r: { method: string; path: string }): boolean => r.method === 'GET' && /^_bulk\/[^/]+\/.+\.ndjson$/.test(r.path);
    proxy.rules.push(when({ test: (r) => isFile(r) && r.path.endsWith('ImagingSelection-2.ndjson') }, 'cut-response', 1));
    const time = virtualTime();
    const local = await store();
    const report = await time.settle(local.replicate({ baseUrl: proxy.url, resourceTypes: [IS, 'Patient'], scope: { group: 'ward' }, batchSize: 2, ...fast(time), retry: { initialDelay: 5, maxDelay: 50, maxAttempts: 3 } }).syncOnce());
    expect(await held(local, [IS, 'Patient'])).toEqual(await onServer(s.url, { [IS]: 'patient=Patient/p1,Patient/p2', Patient: '_id=p1,p2' }));
    expect(proxy.requests('POST', 'Group/ward/$export')).toHaveLength(1);
    const downloads = proxy.log.filter(isFile).map((r) => `${r.path.split('/').pop()} ${r.action}`);
    expect(downloads).toEqual(['ImagingSelection-1.ndjson forward', 'ImagingSelection-2.ndjson cut-response', 'ImagingSelection-2.ndjson forward', 'Patient-1.ndjson forward']);
    // One version of each resource: nothing written twice.
    expect(await storeDatabase(local).history.count()).toBe(6 + 2);
    expect(report.evicted).toBeUndefined();
  });
});

describe('leaving the scope', () => {
  it('a server update moving a resource out of scope removes it locally; the server keeps it, no DELETE is sent', async () => {
    const { s, proxy, time, local } = await seededDevice({ proxy: true });
    const rep = local.replicate({ baseUrl: proxy.url, resourceTypes: [IS], scope: { group: 'ward' }, ...fast(time) });
    await time.settle(rep.syncOnce());
    expect(await held(local, [IS])).toContain(`${IS}/p1-s0`);
    const remote = remoteClient(s.url);
    const moved = (await remote.read<ImagingSelection>(`${IS}/p1-s0`))!;
    expect((await remote.put({ ...moved, subject: { reference: 'Patient/p3' } } as ImagingSelection)).status).toBe(200);
    // A new one in scope arrives by the same pull.
    expect((await remote.put(selection({ id: 'p2-new', subject: { reference: 'Patient/p2' } }))).status).toBe(201);
    const report = await time.settle(rep.syncOnce());
    expect(report.evicted).toEqual([`${IS}/p1-s0`]);
    expect((await local.handle({ method: 'GET', url: `${IS}/p1-s0` })).status).toBe(404);
    expect(await held(local, [IS])).toEqual(await onServer(s.url, { [IS]: 'patient=Patient/p1,Patient/p2' }));
    expect(await remote.read(`${IS}/p1-s0`)).toMatchObject({ subject: { reference: 'Patient/p3' } });
    expect(proxy.requests('DELETE')).toEqual([]);
    // Gone from this device: no history, nothing pending; the tombstone of what was known says why.
    const db = storeDatabase(local);
    expect(await db.history.where('[type+id+versionId]').between([IS, 'p1-s0', 0], [IS, 'p1-s0', Infinity]).count()).toBe(0);
    expect((await db.remote.get([IS, 'p1-s0']))?.evicted?.reason).toBe('out-of-scope');
    expect(await db.outbox.count()).toBe(0);
  });

  it('the Group losing a member removes that patient\'s resources; gaining one pulls its resources', async () => {
    const { s, time, local } = await seededDevice();
    const rep = local.replicate({ baseUrl: s.url, resourceTypes: [IS, 'Patient'], scope: { group: 'ward' }, ...fast(time) });
    await time.settle(rep.syncOnce());
    const remote = remoteClient(s.url);
    await remote.put({ resourceType: 'Group', id: 'ward', type: 'person', membership: 'enumerated', member: [{ entity: { reference: 'Patient/p2' } }, { entity: { reference: 'Patient/p4' } }] } as Group);
    const report = await time.settle(rep.syncOnce());
    expect(await held(local, [IS, 'Patient'])).toEqual(await onServer(s.url, { [IS]: 'patient=Patient/p2,Patient/p4', Patient: '_id=p2,p4' }));
    expect(report.evicted?.sort()).toEqual([`${IS}/p1-s0`, `${IS}/p1-s1`, `${IS}/p1-s2`, 'Patient/p1']);
    expect(await remote.ids(`${IS}?patient=Patient/p1`)).toHaveLength(3);
  });

  it('the scope option changing between runs: what left is removed, what came in is pulled', async () => {
    const { s, time, local } = await seededDevice();
    await time.settle(local.replicate({ baseUrl: s.url, scope: { patients: ['p1'] }, ...fast(time) }).syncOnce());
    expect(await held(local, [IS])).toHaveLength(3);
    const report = await time.settle(local.replicate({ baseUrl: s.url, scope: { patients: ['p1', 'p3'], studies: ['1.2.0'] }, ...fast(time) }).syncOnce());
    expect(await held(local, [IS])).toEqual([`${IS}/p1-s0`, `${IS}/p3-s0`]);
    expect(report.evicted?.sort()).toEqual([`${IS}/p1-s1`, `${IS}/p1-s2`]);
    // Back to the first scope: the same versions come back (their tombstones do not hold them back).
    await time.settle(local.replicate({ baseUrl: s.url, scope: { patients: ['p1'] }, ...fast(time) }).syncOnce());
    expect(await held(local, [IS])).toEqual([`${IS}/p1-s0`, `${IS}/p1-s1`, `${IS}/p1-s2`]);
    expect(await local.read(IS, 'p1-s1')).toMatchObject({ subject: { reference: 'Patient/p1' } });
    // Scope dropped: an unscoped replication after a scoped one pulls everything.
    await time.settle(local.replicate({ baseUrl: s.url, ...fast(time) }).syncOnce());
    expect(await held(local, [IS])).toHaveLength(12);
  });

  it('a Group the server does not have stops the cycle with an error, and nothing is removed', async () => {
    const { s, time, local } = await seededDevice();
    const rep = local.replicate({ baseUrl: s.url, resourceTypes: [IS], scope: { group: 'ward' }, ...fast(time) });
    await time.settle(rep.syncOnce());
    expect(await held(local, [IS])).toHaveLength(6);
    expect((await remoteClient(s.url).del('Group/ward')).status).toBeLessThan(300);
    const failure = await time.settle(rep.syncOnce()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(FhirError);
    expect((failure as FhirError).status).toBe(410);
    expect((failure as FhirError).outcome.issue[0]).toMatchObject({ code: 'not-found', expression: ['scope.group'] });
    expect((failure as FhirError).message).toMatch(/scope\.group ward: GET .*Group\/ward answered 410; nothing was removed locally/);
    expect(rep.state).toBe('error');
    expect(await held(local, [IS])).toHaveLength(6);
  });

  it('a sliding window passing a resource removes it (virtual clock)', async () => {
    const { s, time, local } = await seededDevice({ now: Date.parse('2025-06-01T00:00:00Z') });
    const rep = local.replicate({ baseUrl: s.url, scope: { patients: ['p1'], issued: { last: 'P30D' } }, ...fast(time) });
    await time.settle(rep.syncOnce());
    expect(await held(local, [IS])).toEqual([`${IS}/p1-s0`, `${IS}/p1-s1`]); // 05-25 and 05-10; 04-01 is out
    time.advance(5 * 24 * 3600_000); // window start 2025-05-07: both still in
    expect((await time.settle(rep.syncOnce())).evicted).toBeUndefined();
    time.advance(5 * 24 * 3600_000); // window start 2025-05-12: 05-10 leaves
    const report = await time.settle(rep.syncOnce());
    expect(report.evicted).toEqual([`${IS}/p1-s1`]);
    expect(await held(local, [IS])).toEqual([`${IS}/p1-s0`]);
    expect(await remoteClient(s.url).ids(`${IS}?patient=Patient/p1`)).toHaveLength(3);
  });

  it('a local change leaving the scope is pushed first, then removed; a local create outside the scope is pushed', async () => {
    const { s, proxy, time, local } = await seededDevice({ proxy: true });
    const rep = local.replicate({ baseUrl: proxy.url, scope: { patients: ['p1'] }, ...fast(time) });
    await time.settle(rep.syncOnce());
    const mine = (await local.read(IS, 'p1-s0')) as ImagingSelection;
    await local.update({ ...mine, subject: { reference: 'Patient/p4' }, code: { text: 'moved to p4 on the device' } });
    await local.update(selection({ id: 'made-for-p3', subject: { reference: 'Patient/p3' } }));
    const report = await time.settle(rep.syncOnce());
    expect(report.pushed.map((p) => `${p.type}/${p.id}`).sort()).toEqual([`${IS}/made-for-p3`, `${IS}/p1-s0`]);
    const remote = remoteClient(s.url);
    expect(await remote.read(`${IS}/p1-s0`)).toMatchObject({ subject: { reference: 'Patient/p4' }, code: { text: 'moved to p4 on the device' } });
    expect(await remote.read(`${IS}/made-for-p3`)).toMatchObject({ subject: { reference: 'Patient/p3' } });
    // Pushed, then out of scope: removed from the device by the pull of the same cycle.
    expect(await held(local, [IS])).toEqual([`${IS}/p1-s1`, `${IS}/p1-s2`]);
    expect(proxy.requests('DELETE')).toEqual([]);
  });

  it('a change the server refused (a dead letter) keeps its resource on the device when the scope moves away from it', async () => {
    const { proxy, time, local } = await seededDevice({ proxy: true });
    await time.settle(local.replicate({ baseUrl: proxy.url, scope: { patients: ['p1'] }, ...fast(time) }).syncOnce());
    const mine = (await local.read(IS, 'p1-s1')) as ImagingSelection;
    await local.update({ ...mine, code: { text: 'refused by the server' } });
    proxy.rules.push(when({ method: 'PUT', path: `${IS}/p1-s1` }, { status: 422, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing' }] } }));
    const report = await time.settle(local.replicate({ baseUrl: proxy.url, scope: { patients: ['p2'] }, ...fast(time) }).syncOnce());
    expect(report.failed.map((f) => f.id)).toEqual(['p1-s1']);
    // p1's other resources left with the scope; the one whose change waits in the dead letters stays.
    expect(report.evicted?.sort()).toEqual([`${IS}/p1-s0`, `${IS}/p1-s2`]);
    expect(await held(local, [IS])).toEqual([`${IS}/p1-s1`, `${IS}/p2-s0`, `${IS}/p2-s1`, `${IS}/p2-s2`]);
    expect(await local.read(IS, 'p1-s1')).toMatchObject({ code: { text: 'refused by the server' } });
  });

  it('a pending change on a resource the server moved out of scope is pushed before the resource is removed', async () => {
    const { s, time, local } = await seededDevice();
    const rep = local.replicate({ baseUrl: s.url, scope: { patients: ['p1'] }, push: 'put', ...fast(time) });
    await time.settle(rep.syncOnce());
    // The server moves it out, and the device edits it before hearing of that.
    const remote = remoteClient(s.url);
    const onServerNow = (await remote.read<ImagingSelection>(`${IS}/p1-s2`))!;
    await remote.put({ ...onServerNow, subject: { reference: 'Patient/p2' } } as ImagingSelection);
    const mine = (await local.read(IS, 'p1-s2')) as ImagingSelection;
    await local.update({ ...mine, code: { text: 'edited on the device' } });
    const report = await time.settle(rep.syncOnce());
    // The push met the server's newer version (a conflict, merged by the default policy, the merge pushed); only
    // then did the pull find it out of scope and remove it: the device's edit is on the server.
    expect(report.conflicts.map((c) => c.id)).toContain('p1-s2');
    expect(report.pushed.map((p) => p.id)).toContain('p1-s2');
    expect(report.evicted).toEqual([`${IS}/p1-s2`]);
    expect(await remote.read(`${IS}/p1-s2`)).toMatchObject({ subject: { reference: 'Patient/p2' }, code: { text: 'edited on the device' } });
    expect(await held(local, [IS])).toEqual([`${IS}/p1-s0`, `${IS}/p1-s1`]);
  });
});

describe('two devices with different scopes against one server', () => {
  /** Scopes with the server searches that select the same resources, written out by hand. */
  const SCOPES: { scope: SyncScope; queries: Record<string, string> }[] = [
    { scope: { patients: ['p1', 'p2'] }, queries: { [IS]: 'patient=Patient/p1,Patient/p2', Patient: '_id=p1,p2' } },
    { scope: { group: 'ward' }, queries: { [IS]: 'patient=Patient/p1,Patient/p2', Patient: '_id=p1,p2' } },
    { scope: { studies: ['1.2.0'] }, queries: { [IS]: 'study-uid=1.2.0', Patient: '' } },
    { scope: { patients: ['p3', 'p4'], studies: ['1.2.1', '1.2.2'] }, queries: { [IS]: 'patient=Patient/p3,Patient/p4&study-uid=1.2.1,1.2.2', Patient: '_id=p3,p4' } },
    { scope: { issued: { from: '2025-05-01' }, searches: { [IS]: 'status=available' } }, queries: { [IS]: 'issued=ge2025-05-01&status=available', Patient: '' } },
  ];
  const patient = fc.constantFrom('p1', 'p2', 'p3', 'p4');
  const op = fc.oneof(
    fc.record({ kind: fc.constant('edit' as const), actor: fc.constantFrom(0, 1, 'server' as const), pick: fc.nat(), text: fc.string({ minLength: 1, maxLength: 6 }) }),
    fc.record({ kind: fc.constant('move' as const), actor: fc.constantFrom(0, 1, 'server' as const), pick: fc.nat(), to: patient }),
    fc.record({ kind: fc.constant('status' as const), actor: fc.constantFrom(0, 1, 'server' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('create' as const), actor: fc.constantFrom(0, 1), to: patient, study: fc.constantFrom('1.2.0', '1.2.1', '1.2.2') }),
    fc.record({ kind: fc.constant('sync' as const), actor: fc.constantFrom(0, 1) }),
  );

  it('each edits, both sync repeatedly: each ends with exactly the server\'s resources of its scope, and the server lost nothing (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...SCOPES.keys()), fc.constantFrom(...SCOPES.keys()), fc.array(op, { minLength: 4, maxLength: 14 }), async (a, b, ops) => {
        const s = await server();
        await seed(s.url);
        const remote = remoteClient(s.url);
        const time = virtualTime();
        const devices = [await store(), await store()];
        const reps = [a, b].map((k, i) => devices[i]!.replicate({ baseUrl: s.url, resourceTypes: [IS, 'Patient'], scope: SCOPES[k]!.scope, conflicts: 'client-wins', ...fast(time) }));
        for (const rep of reps) await time.settle(rep.syncOnce());
        const created: string[] = [];
        for (const [n, o] of ops.entries()) {
          if (o.kind === 'sync') {
            await time.settle(reps[o.actor]!.syncOnce());
            continue;
          }
          if (o.kind === 'create') {
            const id = `d${o.actor}-n${n}`;
            created.push(id);
            await devices[o.actor]!.update(selection({ id, subject: { reference: `Patient/${o.to}` }, studyUid: o.study, issued: '2025-05-20T00:00:00Z' }));
            continue;
          }
          // An edit of one of the selections the actor holds.
          const pool = o.actor === 'server' ? (await remote.ids(`${IS}?_count=1000`)).map((id) => `${IS}/${id}`) : await held(devices[o.actor]!, [IS]);
          if (pool.length === 0) continue;
          const id = pool[o.pick % pool.length]!.split('/')[1]!;
          const current = (o.actor === 'server' ? await remote.read<ImagingSelection>(`${IS}/${id}`) : ((await devices[o.actor]!.read(IS, id)) as ImagingSelection))!;
          const next: ImagingSelection =
            o.kind === 'edit' ? { ...current, code: { text: o.text } } : o.kind === 'move' ? { ...current, subject: { reference: `Patient/${o.to}` } } : { ...current, status: current.status === 'available' ? 'unknown' : 'available' };
          if (o.actor === 'server') expect((await remote.put(next)).status).toBe(200);
          else await devices[o.actor]!.update(next);
        }
        // Both sync until quiet: a change pushed by one reaches the other, an eviction follows a push.
        for (let round = 0; round < 2; round++) for (const rep of reps) await time.settle(rep.syncOnce());
        for (const [i, k] of [a, b].entries()) {
          expect(await held(devices[i]!, [IS, 'Patient'])).toEqual(await onServer(s.url, SCOPES[k]!.queries));
        }
        // Nothing lost on the server: the 12 seeded selections and every device's creates, no delete.
        expect(await remote.ids(`${IS}?_count=1000`)).toEqual([...Array.from({ length: 12 }, (_, i) => `p${Math.floor(i / 3) + 1}-s${i % 3}`), ...created].sort());
        await closeAll();
      }),
      { numRuns: 8, seed: 1414 },
    );
  });
});
