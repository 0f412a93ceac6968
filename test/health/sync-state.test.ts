import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import type { Bundle, ImagingSelection } from 'fhir/r5';
import { filter, firstValueFrom, tap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { openStore, steppingClock, type Store, type SyncProgress } from '../../src/index.js';
import { storeDatabase } from '../../src/store.js';
import { selection } from '../helpers.js';
import { syncHarness } from '../sync/harness.js';
import { MemoryStorage } from './faulty-indexeddb.js';

const h = syncHarness();

/** A store on `factory` (closed by the caller), ids unique to this run. */
const openOn = (factory: IDBFactory, marker: MemoryStorage): Promise<Store> =>
  openStore({ name: 'sync-health', indexedDB: factory, IDBKeyRange, clock: steppingClock(), idGenerator: () => h.uid('n'), identityMarker: marker });

function deleteDatabase(factory: IDBFactory, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = factory.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error);
  });
}

const localIds = async (store: Store): Promise<string[]> =>
  ((await store.search('ImagingSelection', { _count: '1000' })).entry ?? []).map((e) => e.resource!.id!).sort();

/** The server's time now, as its history says (Bundle.meta.lastUpdated). */
const serverNow = async (): Promise<string> => ((await h.remote.call('GET', 'ImagingSelection/_history?_count=1')).body as Bundle).meta!.lastUpdated!;

describe('a wiped database, over HTTP against the real server', () => {
  it('is reported at reopen, and replication pulls everything again and converges', async () => {
    const ids = [h.uid('w1'), h.uid('w2'), h.uid('w3')];
    for (const id of ids) await h.remote.put(selection({ id }));
    const factory = new IDBFactory();
    const marker = new MemoryStorage();
    const first = await openOn(factory, marker);
    await h.sync(first.replicate({ baseUrl: h.server.url, ...h.fast }));
    expect(await localIds(first)).toEqual(await h.remote.ids('ImagingSelection?_count=1000'));
    const { databaseId } = await firstValueFrom(first.health$);
    first.close();

    await deleteDatabase(factory, 'sync-health');
    // The server moves on meanwhile.
    await h.remote.put(selection({ id: ids[0], status: 'unknown' }));
    const second = await openOn(factory, marker);
    expect(await firstValueFrom(second.health$)).toMatchObject({ status: 'recreated-after-loss', lost: { databaseId, detectedBy: 'marker' } });
    const report = await h.sync(second.replicate({ baseUrl: h.server.url, ...h.fast }));
    const onServer = await h.remote.ids('ImagingSelection?_count=1000');
    expect(report.pulled).toBe(onServer.length);
    expect(await localIds(second)).toEqual(onServer);
    expect((await second.read<ImagingSelection>('ImagingSelection', ids[0]!)).status).toBe('unknown');
    second.close();
  });

  it('a checkpoint recorded by another database is not used: the pull reads everything, not since it', async () => {
    const id = h.uid('cp');
    await h.remote.put(selection({ id }));
    const factory = new IDBFactory();
    const marker = new MemoryStorage();
    const first = await openOn(factory, marker);
    // As a copy of another device's database would hold: a checkpoint after everything on the server.
    await storeDatabase(first).checkpoints.put({ key: `${h.server.url}|ImagingSelection`, since: '2999-01-01T00:00:00Z', databaseId: 'another-device' });
    first.close();
    const second = await openOn(factory, marker);
    expect(await firstValueFrom(second.health$)).toMatchObject({ status: 'recreated-after-loss', lost: { detectedBy: 'checkpoint' } });
    await h.sync(second.replicate({ baseUrl: h.server.url, ...h.fast }));
    expect(await localIds(second)).toEqual(await h.remote.ids('ImagingSelection?_count=1000'));
    expect(await localIds(second)).toContain(id);
    second.close();
  });
});

describe('sync state you can show', () => {
  it('syncState$ goes local → pending → sending → synced, and conflict and dead-letter when they happen', async () => {
    const store = await h.client();
    const [a, refused, c] = [h.uid('a'), h.uid('refused'), h.uid('c')];
    expect(await firstValueFrom(store.syncState$('ImagingSelection', a))).toBe('local');
    await store.update(selection({ id: a }));
    await store.update(selection({ id: refused }));
    expect(await firstValueFrom(store.syncState$('ImagingSelection', a))).toBe('pending');
    const seenWhileSending: string[] = [];
    // Everything goes to the real server; while `a` is on its way its state is read; `refused` is refused as a stricter server would.
    const watching: typeof fetch = async (input, init) => {
      if (String(input).endsWith(`/ImagingSelection/${a}`) && init?.method === 'PUT') seenWhileSending.push(await firstValueFrom(store.syncState$('ImagingSelection', a)));
      if (String(input).endsWith(`/ImagingSelection/${refused}`) && init?.method === 'PUT') {
        return new Response(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing', diagnostics: 'profile violation' }] }), { status: 422 });
      }
      return fetch(input, init);
    };
    const rep = store.replicate({ baseUrl: h.server.url, fetch: watching, conflicts: () => undefined, ...h.fast });
    await h.sync(rep);
    expect(seenWhileSending).toEqual(['sending']);
    const states = await firstValueFrom(store.syncStates$([{ type: 'ImagingSelection', id: a }, { type: 'ImagingSelection', id: refused }]));
    expect(Object.fromEntries(states)).toEqual({ [`ImagingSelection/${a}`]: 'synced', [`ImagingSelection/${refused}`]: 'dead-letter' });

    // A conflict no policy settles: the server changed `c` after this store last saw it.
    await store.update(selection({ id: c }));
    await h.sync(rep);
    await h.remote.put(selection({ id: c, status: 'unknown' }));
    await store.update(selection({ id: c, status: 'entered-in-error' }));
    // A stream subscribed before the cycle sees the change settle into a conflict.
    const seen: string[] = [];
    const live = store.syncState$('ImagingSelection', c).pipe(tap((s) => seen.push(s)));
    const settled = firstValueFrom(live.pipe(filter((s) => s === 'conflict')));
    await h.sync(rep);
    expect(await settled).toBe('conflict');
    expect(seen[0]).toBe('pending');
    expect(await firstValueFrom(store.syncState$('ImagingSelection', c))).toBe('conflict');
    expect((await firstValueFrom(rep.conflicts$)).map((x) => x.resourceId)).toEqual([c]);
  });

  it('syncStates$ of a searchset Bundle: one state per resource, by Type/id', async () => {
    const store = await h.client();
    const [x, y] = [h.uid('x'), h.uid('y')];
    await store.update(selection({ id: x }));
    await store.update(selection({ id: y }));
    await h.sync(store.replicate({ baseUrl: h.server.url, ...h.fast }));
    await store.update(selection({ id: y, status: 'unknown' }));
    const bundle = await store.search('ImagingSelection', { _id: `${x},${y}` });
    expect(Object.fromEntries(await firstValueFrom(store.syncStates$(bundle)))).toEqual({ [`ImagingSelection/${x}`]: 'synced', [`ImagingSelection/${y}`]: 'pending' });
  });

  it('progress$ has totals: done never passes total, and ends at it; pull totals are the server\'s Bundle.total', async () => {
    for (let i = 0; i < 7; i++) await h.remote.put(selection({ id: h.uid('p') }));
    const store = await h.client();
    for (let i = 0; i < 4; i++) await store.update(selection({ id: h.uid('q') }));
    const rep = store.replicate({ baseUrl: h.server.url, batchSize: 3, ...h.fast });
    const events: SyncProgress[] = [];
    const sub = rep.progress$.subscribe((p) => events.push(p));
    await h.sync(rep);
    sub.unsubscribe();
    for (const e of events) if (e.total !== undefined) expect(e.done).toBeLessThanOrEqual(e.total);
    const pushes = events.filter((e) => e.phase === 'push' && e.done !== undefined);
    expect(pushes.slice(0, 5).map((e) => [e.done, e.total])).toEqual([[0, 4], [1, 4], [2, 4], [3, 4], [4, 4]]);
    const pulls = events.filter((e) => e.phase === 'pull' && e.done !== undefined);
    // Pages of 3: several events, each with the server's total of history entries.
    const total = ((await h.remote.call('GET', 'ImagingSelection/_history?_count=1')).body as Bundle).total;
    expect(pulls.length).toBeGreaterThan(2);
    expect(pulls.at(-1)).toMatchObject({ done: total, total });
  });

  it('progress$ of the push pass after the pull still counts what the pull brought', async () => {
    await h.remote.put(selection({ id: h.uid('r') }));
    const store = await h.client();
    const late = h.uid('late');
    let edited = false;
    // A local change lands while the pull runs (before its first request goes out): the second push pass sends it.
    const fetchWithEdit: typeof fetch = async (input, init) => {
      if (!edited && String(input).includes('/_history')) {
        edited = true;
        await store.update(selection({ id: late }));
      }
      return fetch(input, init);
    };
    const rep = store.replicate({ baseUrl: h.server.url, fetch: fetchWithEdit, bulkExport: false, ...h.fast });
    const events: SyncProgress[] = [];
    const sub = rep.progress$.subscribe((p) => events.push(p));
    const report = await h.sync(rep);
    sub.unsubscribe();
    expect(report.pushed.map((p) => p.id)).toContain(late);
    expect(report.pulled).toBeGreaterThan(0);
    const afterPull = events.slice(events.findIndex((e) => e.phase === 'pull'));
    const secondPush = afterPull.filter((e) => e.phase === 'push');
    expect(secondPush.map((e) => [e.done, e.total])).toContainEqual([1, 1]);
    for (const e of secondPush) expect(e.pulled).toBe(report.pulled);
  });

  it("lastSync$: the server's time of the last complete pull, kept across a reopen", async () => {
    const factory = new IDBFactory();
    const marker = new MemoryStorage();
    const store = await openOn(factory, marker);
    const rep = store.replicate({ baseUrl: h.server.url, ...h.fast });
    expect(await firstValueFrom(rep.lastSync$)).toBeUndefined();
    const before = await serverNow();
    await h.sync(rep);
    const after = await serverNow();
    const at = await firstValueFrom(rep.lastSync$);
    expect(Date.parse(at!)).toBeGreaterThanOrEqual(Date.parse(before));
    expect(Date.parse(at!)).toBeLessThanOrEqual(Date.parse(after));
    store.close();
    const again = await openOn(factory, marker);
    expect(await firstValueFrom(again.replicate({ baseUrl: h.server.url, ...h.fast }).lastSync$)).toBe(at);
    again.close();
  });
});
