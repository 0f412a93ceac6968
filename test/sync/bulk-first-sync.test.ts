import fc from 'fast-check';
import type { ImagingSelection } from 'fhir/r5';
import { describe, expect, it } from 'vitest';
import type { ReplicationOptions, Store, SyncProgress } from '../../src/index.js';
import { storeDatabase } from '../../src/store.js';
import { inProgressWaitMs, jobFailed } from '../../src/sync/bulk-pull.js';
import { RetryableError } from '../../src/sync/errors.js';
import { selection } from '../helpers.js';
import { bulkServers } from './bulk-servers.js';
import { when, type ProxiedRequest } from './proxy.js';
import { remoteClient } from './remote.js';
import { virtualTime, type VirtualTime } from './virtual-time.js';

/*
 * The first sync by Bulk Data $export (src/sync/bulk-pull.ts) against this package's server over real HTTP, with
 * files of a few resources so that a sync spans several: it equals the first sync by _history, a change made during
 * the export arrives by the catch-up, and through the fault proxy (server down mid-export, a cut file, 429/503 while
 * polling) nothing is lost or duplicated and no finished file is downloaded again.
 */

const IS = 'ImagingSelection';
const PER_FILE = 5;
const { server, proxyFor, store, closeAll } = bulkServers(PER_FILE);
/** Replication options on virtual time, with a retry policy that gives up after `maxAttempts`. */
const fast = (time: VirtualTime, maxAttempts = 2): Pick<ReplicationOptions, 'environment' | 'retry'> => ({
  environment: time.env,
  retry: { initialDelay: 5, maxDelay: 50, maxAttempts },
});
const seed = async (base: string, n: number, prefix = 's'): Promise<void> => {
  const remote = remoteClient(base);
  for (let i = 0; i < n; i++) expect((await remote.put(selection({ id: `${prefix}${i}`, code: { text: `selection ${i}` } }))).status).toBe(201);
};

/**
 * What a store holds after a pull: its current resources (without `meta.lastUpdated`, the local clock's stamp of
 * the write), the server versions it knows, and how many versions its history holds.
 */
async function localState(s: Store): Promise<{ resources: ImagingSelection[]; remote: string[]; history: number }> {
  const db = storeDatabase(s);
  const resources = ((await s.search(IS, { _count: '1000', _sort: '_id' })).entry ?? []).map((e) => {
    const { lastUpdated: _, ...meta } = e.resource!.meta ?? {};
    return { ...(e.resource as ImagingSelection), meta };
  });
  const remote = (await db.remote.toArray()).map((r) => `${r.type}/${r.id}@${r.version}`).sort();
  return { resources, remote, history: await db.history.count() };
}

const isFile = (r: ProxiedRequest): boolean => r.method === 'GET' && /^_bulk\/[^/]+\/.+\.ndjson$/.test(r.path);
const isStatus = (r: ProxiedRequest): boolean => r.method === 'GET' && /^_bulk\/[^/]+$/.test(r.path);

describe('first sync by $export', () => {
  it('kicks off an export with _type, writes every file, then catches up on _history since transactionTime', async () => {
    const s = await server();
    await seed(s.url, 12);
    const proxy = await proxyFor(s);
    const time = virtualTime();
    const local = await store();
    const report = await time.settle(local.replicate({ baseUrl: proxy.url, ...fast(time) }).syncOnce());
    expect(report.pulled).toBe(12);
    const kickOffs = proxy.requests('GET', '$export');
    expect(kickOffs.map((r) => [r.query, r.headers['prefer']])).toEqual([['_type=ImagingSelection', 'respond-async']]);
    expect(proxy.log.filter(isFile).map((r) => r.path.split('/').pop())).toEqual(['ImagingSelection-1.ndjson', 'ImagingSelection-2.ndjson', 'ImagingSelection-3.ndjson']);
    // The catch-up: one _history pull, since the export's instant; no _history without _since.
    const history = proxy.requests('GET', `${IS}/_history`);
    expect(history).toHaveLength(1);
    expect(history[0]!.query).toMatch(/_since=/);
    expect((await localState(local)).resources.map((r) => r.id)).toEqual(Array.from({ length: 12 }, (_, i) => `s${i}`).sort());
    // The export state is gone; every type has its checkpoint.
    const checkpoints = await storeDatabase(local).checkpoints.toArray();
    expect(checkpoints.filter((c) => c.bulk !== undefined)).toEqual([]);
    expect(checkpoints.find((c) => c.key === `${proxy.url}|${IS}`)?.since).toBeDefined();
    // A second sync has a checkpoint: _history only.
    proxy.reset();
    await time.settle(local.replicate({ baseUrl: proxy.url, ...fast(time) }).syncOnce());
    expect(proxy.log.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${IS}/_history`]);
  });

  it("progress$ counts the exported lines against the manifest's counts: never past the total, ending at it", async () => {
    const s = await server();
    await seed(s.url, 12);
    const time = virtualTime();
    const local = await store();
    const rep = local.replicate({ baseUrl: s.url, batchSize: 2, ...fast(time) });
    const events: SyncProgress[] = [];
    const sub = rep.progress$.subscribe((p) => events.push(p));
    await time.settle(rep.syncOnce());
    sub.unsubscribe();
    // Files of 5, 5 and 2 written in chunks of 2: the export's part of the pull phase, before the _history catch-up.
    const pulls = events.filter((e) => e.phase === 'pull' && e.done !== undefined);
    const exported = pulls.slice(0, pulls.findIndex((e) => e.done === 12) + 1);
    expect(exported.map((e) => [e.done, e.total])).toEqual([0, 2, 4, 5, 5, 7, 9, 10, 10, 12].map((done) => [done, 12]));
  });

  it('equals the first sync by _history: same resources, server versions and history (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ id: fc.integer({ min: 0, max: 14 }), op: fc.constantFrom('put', 'put', 'delete'), text: fc.string({ minLength: 1, maxLength: 8 }) }), { minLength: 1, maxLength: 30 }),
        async (ops) => {
          const s = await server();
          const remote = remoteClient(s.url);
          for (const o of ops) {
            if (o.op === 'put') await remote.put(selection({ id: `r${o.id}`, code: { text: o.text } }));
            else await remote.del(`${IS}/r${o.id}`);
          }
          const time = virtualTime();
          const [byExport, byHistory] = [await store(), await store()];
          await time.settle(byExport.replicate({ baseUrl: s.url, ...fast(time) }).syncOnce());
          await time.settle(byHistory.replicate({ baseUrl: s.url, ...fast(time), bulkExport: false }).syncOnce());
          const [a, b] = [await localState(byExport), await localState(byHistory)];
          expect(a).toEqual(b);
          const live = await remote.ids(`${IS}?_count=1000`);
          expect(a.resources.map((r) => r.id).sort()).toEqual(live);
          await closeAll();
        },
      ),
      { numRuns: 6, seed: 1407 },
    );
  });

  it('a change made on the server during the export arrives with the catch-up', async () => {
    const s = await server();
    await seed(s.url, 7);
    const remote = remoteClient(s.url);
    let changed = false;
    // Another client writes while this one polls the export's status: after the export's snapshot instant.
    const fetchDuringExport: typeof fetch = async (input, init) => {
      if (!changed && /\/_bulk\/[^/]+$/.test(String(input))) {
        changed = true;
        await remote.put(selection({ id: 's2', status: 'unknown', code: { text: 'changed during the export' } }));
        await remote.put(selection({ id: 'new-during-export', code: { text: 'created during the export' } }));
        await remote.del(`${IS}/s4`);
      }
      return fetch(input, init);
    };
    const time = virtualTime();
    const local = await store();
    await time.settle(local.replicate({ baseUrl: s.url, ...fast(time), fetch: fetchDuringExport }).syncOnce());
    expect(changed).toBe(true);
    const { resources } = await localState(local);
    expect(resources.map((r) => r.id)).toEqual(['new-during-export', 's0', 's1', 's2', 's3', 's5', 's6']);
    expect(resources.find((r) => r.id === 's2')).toMatchObject({ status: 'unknown', code: { text: 'changed during the export' } });
    expect(await remote.ids(`${IS}?_count=100`)).toEqual(resources.map((r) => r.id));
  });

  it('bulkExport: false, or a server without $export, pages _history as before', async () => {
    const s = await server();
    await seed(s.url, 3);
    const proxy = await proxyFor(s);
    proxy.rules.push(when({ method: 'GET', path: 'metadata' }, { status: 200, body: { resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', fhirVersion: '5.0.0', format: ['json'], date: '2025-01-01', rest: [{ mode: 'server' }] } }));
    const time = virtualTime();
    for (const bulkExport of [false, true]) {
      proxy.log.length = 0;
      const local = await store();
      const report = await time.settle(local.replicate({ baseUrl: proxy.url, ...fast(time), bulkExport }).syncOnce());
      expect(report.pulled).toBe(3);
      expect(proxy.count('GET', '$export')).toBe(0);
      expect(proxy.count('GET', 'metadata')).toBe(bulkExport ? 1 : 0);
    }
  });

  it('the level and the Group come from the bulkExport option', async () => {
    const s = await server();
    const remote = remoteClient(s.url);
    for (const p of ['p1', 'p2']) await remote.put({ resourceType: 'Patient', id: p });
    await remote.put(selection({ id: 'of-p1', subject: { reference: 'Patient/p1' } }));
    await remote.put(selection({ id: 'of-p2', subject: { reference: 'Patient/p2' } }));
    await remote.put({ resourceType: 'Group', id: 'worklist', type: 'person', membership: 'enumerated', member: [{ entity: { reference: 'Patient/p1' } }] } as never);
    const proxy = await proxyFor(s);
    const time = virtualTime();
    const local = await store();
    await time.settle(local.replicate({ baseUrl: proxy.url, ...fast(time), resourceTypes: [IS, 'Patient'], bulkExport: { group: 'worklist' } }).syncOnce());
    expect(proxy.requests('GET', 'Group/worklist/$export').map((r) => r.query)).toEqual(['_type=ImagingSelection,Patient']);
    expect(proxy.count('GET', 'Patient/$export') + proxy.count('GET', '$export')).toBe(0);
    // The export brought the worklist's compartment; the _history catch-up since its instant nothing more.
    expect(proxy.log.filter(isFile).length).toBe(2);
    proxy.log.length = 0;
    const other = await store();
    await time.settle(other.replicate({ baseUrl: proxy.url, ...fast(time), bulkExport: { level: 'patient' } }).syncOnce());
    expect(proxy.requests('GET', 'Patient/$export').map((r) => r.query)).toEqual(['_type=ImagingSelection']);
  });
});

describe('first sync by $export through faults', () => {
  it('server down mid-export: the resume polls the same job and downloads no finished file again', async () => {
    const s = await server();
    await seed(s.url, 14);
    const proxy = await proxyFor(s);
    let files = 0;
    // The server goes away after the second file.
    proxy.rules.push((r) => (files >= 2 ? 'refuse' : isFile(r) ? (files++, undefined) : undefined));
    const time = virtualTime();
    const local = await store();
    const rep = local.replicate({ baseUrl: proxy.url, ...fast(time) });
    await expect(time.settle(rep.syncOnce())).rejects.toBeInstanceOf(RetryableError);
    const progress = (await storeDatabase(local).checkpoints.get(`${proxy.url}|$export`))?.bulk;
    expect(progress?.done).toHaveLength(2);
    expect(await storeDatabase(local).resources.count()).toBe(2 * PER_FILE);

    proxy.rules.length = 0; // back
    const events: SyncProgress[] = [];
    const sub = rep.progress$.subscribe((p) => events.push(p));
    const report = await time.settle(rep.syncOnce());
    sub.unsubscribe();
    // Progress resumes where the interrupted sync stood: two files of five written, of 14.
    expect(events.find((e) => e.phase === 'pull' && e.done !== undefined)).toMatchObject({ done: 2 * PER_FILE, total: 14 });
    expect(report.pulled).toBe(14 - 2 * PER_FILE);
    expect(proxy.count('GET', '$export')).toBe(1); // one job
    const downloads = proxy.log.filter((r) => isFile(r) && r.action === 'forward').map((r) => r.path.split('/').pop());
    expect(downloads).toEqual(['ImagingSelection-1.ndjson', 'ImagingSelection-2.ndjson', 'ImagingSelection-3.ndjson']);
    const state = await localState(local);
    expect(state.resources).toHaveLength(14);
    expect(state.history).toBe(14); // one version each: nothing written twice
  });

  it('a cut NDJSON download: the file is read again, what was committed of it is not written twice', async () => {
    const s = await server();
    await seed(s.url, 12);
    const proxy = await proxyFor(s);
    proxy.rules.push(when({ test: (r) => isFile(r) && r.path.endsWith('ImagingSelection-2.ndjson') }, 'cut-response', 1));
    const time = virtualTime();
    const local = await store();
    const report = await time.settle(local.replicate({ baseUrl: proxy.url, ...fast(time), batchSize: 2 }).syncOnce());
    // The report is the attempt that succeeded: file 3 and the part of file 2 the cut one had not committed.
    expect(report.pulled).toBeGreaterThanOrEqual(12 - 2 * PER_FILE);
    expect(report.pulled).toBeLessThan(12 - PER_FILE);
    const downloads = proxy.log.filter(isFile).map((r) => `${r.path.split('/').pop()} ${r.action}`);
    expect(downloads).toEqual(['ImagingSelection-1.ndjson forward', 'ImagingSelection-2.ndjson cut-response', 'ImagingSelection-2.ndjson forward', 'ImagingSelection-3.ndjson forward']);
    const state = await localState(local);
    expect(state.resources).toHaveLength(12);
    expect(state.history).toBe(12);
  });

  it.each([429, 503])('%i with Retry-After while polling: waits as asked and goes on; nothing lost', async (status) => {
    const s = await server();
    await seed(s.url, 6);
    const proxy = await proxyFor(s);
    proxy.rules.push(when({ test: isStatus }, { status, headers: { 'Retry-After': '3' }, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient' }] } }, 2));
    const time = virtualTime();
    const local = await store();
    const report = await time.settle(local.replicate({ baseUrl: proxy.url, ...fast(time, 1) }).syncOnce());
    expect(report.pulled).toBe(6);
    expect(proxy.log.filter(isStatus).slice(0, 2).map((r) => r.status)).toEqual([status, status]);
    expect(time.delays.slice(0, 2)).toEqual([3000, 3000]);
    expect((await localState(local)).history).toBe(6);
  });

  it('a long Retry-After while the job runs (HAPI FHIR always asks 120 s): polls back off from pollInterval up to it', async () => {
    const s = await server();
    await seed(s.url, 6);
    const proxy = await proxyFor(s);
    proxy.rules.push(when({ test: isStatus }, { status: 202, headers: { 'Retry-After': '120', 'X-Progress': 'in progress' } }, 9));
    const time = virtualTime();
    const local = await store();
    const report = await time.settle(local.replicate({ baseUrl: proxy.url, ...fast(time), bulkExport: { pollInterval: 500 } }).syncOnce());
    expect(report.pulled).toBe(6);
    expect(proxy.log.filter(isStatus).slice(0, 9).map((r) => r.action)).toEqual(Array(9).fill('answer'));
    expect(time.delays.slice(0, 9)).toEqual([500, 1000, 2000, 4000, 8000, 16000, 32000, 64000, 120000]);
    expect((await localState(local)).history).toBe(6);
  });

  it.each([
    // [attempt, pollInterval, Retry-After, wait]
    [0, 1000, undefined, 1000],
    [2, 1000, undefined, 4000],
    [5, 1000, undefined, 5000],
    [0, 250, undefined, 250],
    [9, 250, undefined, 5000],
    [3, 8000, undefined, 8000],
    [0, 1000, 120_000, 1000],
    [3, 1000, 120_000, 8000],
    [7, 1000, 120_000, 120_000],
    [500, 1000, 120_000, 120_000],
    [0, 5000, 1000, 1000],
  ])('in progress: attempt %i, pollInterval %i, Retry-After %s: waits %i ms', (attempt, interval, retryAfter, expected) => {
    expect(inProgressWaitMs(attempt, interval, retryAfter)).toBe(expected);
  });

  it('a job that failed (HAPI: 500 with a non-transient OperationOutcome): forgotten, and the _history pull does the first sync', async () => {
    const s = await server();
    await seed(s.url, 4);
    const proxy = await proxyFor(s);
    const failed = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing', diagnostics: 'not eligible for this type of export' }] };
    proxy.rules.push(when({ test: isStatus }, { status: 500, body: failed }));
    const time = virtualTime();
    const local = await store();
    const report = await time.settle(local.replicate({ baseUrl: proxy.url, ...fast(time) }).syncOnce());
    expect(report.pulled).toBe(4);
    expect(proxy.log.filter(isStatus)).toHaveLength(1);
    expect(proxy.log.filter(isFile)).toEqual([]);
    expect(proxy.requests('GET', `${IS}/_history`)).toHaveLength(1);
    expect((await storeDatabase(local).checkpoints.get(`${proxy.url}|$export`))?.bulk).toBeUndefined();
    expect((await localState(local)).history).toBe(4);
  });

  it('a 500 without an OperationOutcome while polling (a proxy\'s error page): polled again, nothing lost', async () => {
    const s = await server();
    await seed(s.url, 4);
    const proxy = await proxyFor(s);
    proxy.rules.push(when({ test: isStatus }, { status: 500, body: 'Internal Server Error' }, 2));
    const time = virtualTime();
    const local = await store();
    const report = await time.settle(local.replicate({ baseUrl: proxy.url, ...fast(time, 1) }).syncOnce());
    expect(report.pulled).toBe(4);
    expect(proxy.log.filter(isStatus).slice(0, 2).map((r) => r.status)).toEqual([500, 500]);
    expect(proxy.log.filter(isFile)).toHaveLength(1);
  });

  it.each([
    ['processing', [{ severity: 'error', code: 'processing' }], true],
    ['not-supported and exception', [{ severity: 'error', code: 'not-supported' }, { severity: 'error', code: 'exception' }], false],
    ['transient', [{ severity: 'error', code: 'transient' }], false],
    ['throttled', [{ severity: 'error', code: 'throttled' }], false],
    ['timeout', [{ severity: 'error', code: 'timeout' }], false],
    ['no issue', [], false],
  ])('an OperationOutcome with %s: the job failed = %s', (_name, issue, failed) => {
    expect(jobFailed({ resourceType: 'OperationOutcome', issue })).toBe(failed);
  });

  it.each([[undefined], ['Internal Server Error'], [{ resourceType: 'Bundle' }]])('no OperationOutcome (%j): not taken as a failed job', (body) => {
    expect(jobFailed(body)).toBe(false);
  });

  it('a job the server no longer knows: forgotten, and the _history pull does the first sync', async () => {
    const s = await server();
    await seed(s.url, 4);
    const proxy = await proxyFor(s);
    proxy.rules.push(when({ test: isStatus }, { status: 404, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] } }));
    const time = virtualTime();
    const local = await store();
    const report = await time.settle(local.replicate({ baseUrl: proxy.url, ...fast(time) }).syncOnce());
    expect(report.pulled).toBe(4);
    expect(proxy.log.filter(isFile)).toEqual([]);
    expect((await storeDatabase(local).checkpoints.get(`${proxy.url}|$export`))?.bulk).toBeUndefined();
  });
});
