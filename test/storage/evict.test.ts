import type { Bundle, ImagingSelection, Resource } from 'fhir/r5';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { firstValueFrom, filter } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { FhirError, openStore, sequentialIds, steppingClock, type Store, type StoreChange, type StoreOptions } from '../../src/index.js';
import type { EvictionSkipReason } from '../../src/storage/evict.js';
import { deadLetterChange, evictLocally, serverChanges } from '../../src/storage/replica-mutations.js';
import { storeDatabase, syncContextOf } from '../../src/store.js';
import { applyPage, type PullReport } from '../../src/sync/pull.js';
import type { RemoteVersion } from '../../src/sync/decide.js';
import { openTestStore, selection, snapshot } from '../helpers.js';
import { dumpDatabase } from './raw-dump.js';
import { exportToFiles, filesSource } from './export-helpers.js';
import { IDENTITY_SETTING } from '../../src/storage/identity.js';

const opened: Store[] = [];
const open = async (options: StoreOptions = {}): Promise<Store> => {
  const s = await openTestStore(options);
  opened.push(s);
  return s;
};
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

const TYPE = 'ImagingSelection';
const serverResource = (id: string, word: string, version: string): ImagingSelection =>
  selection({ id, code: { text: `${word} images` }, meta: { versionId: version, lastUpdated: `2025-02-0${version}T00:00:00.000Z` } });

/** Writes a server version the way a pull does: through the store's storage port (so observers hear it). */
async function pull(store: Store, id: string, word: string, version: string): Promise<void> {
  const ctx = syncContextOf(store);
  await ctx.ready();
  const r = serverResource(id, word, version);
  const remote: RemoteVersion = { type: TYPE, id, version, lastUpdated: r.meta!.lastUpdated!, resource: r };
  const report: PullReport = { pulled: 0, conflicts: [], invalid: [] };
  await applyPage(ctx, 'merge', [remote], { key: 'http://server.example/fhir|ImagingSelection' }, true, report);
}

async function evict(store: Store, ids: string[], reason: 'purge' | 'out-of-scope' | 'expired' = 'purge') {
  const m = evictLocally(ids.map((id) => ({ type: TYPE, id })), reason);
  await syncContextOf(store).storage.commit(() => ({ mutations: [m] }));
  return m.outcome;
}

const status = async (p: Promise<unknown>): Promise<{ status: number; diagnostics: string | undefined }> => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FhirError);
  return { status: (e as FhirError).status, diagnostics: (e as FhirError).outcome.issue[0]?.diagnostics };
};

const ids = (b: Bundle): string[] => (b.entry ?? []).map((e) => (e.resource as Resource).id!).sort();

describe('evictLocally: a synced resource leaves this device, nothing is pushed', () => {
  it('removes the current row, every version, its index, full text and statistics, and keeps a tombstone of what was known', async () => {
    const store = await open();
    await pull(store, 'a', 'thorax', '1');
    await pull(store, 'a', 'thorax lateral', '2');
    await pull(store, 'b', 'abdomen', '1');
    await store.flushIndex();
    expect(ids(await store.search(TYPE, { 'code:text': 'thorax' }))).toEqual(['a']);
    expect(ids(await store.search(TYPE, { _content: 'thorax' }))).toEqual(['a']);
    const changes: StoreChange[] = [];
    const sub = store.changes$.subscribe((c) => changes.push(c));
    const outcome = await evict(store, ['a']);
    sub.unsubscribe();
    expect(outcome).toEqual({ evicted: [{ type: TYPE, id: 'a' }], skipped: [] });
    expect(changes).toEqual([{ type: TYPE, id: 'a', versionId: 2, op: 'evict', origin: 'local', evicted: 'purge' }]);

    const read = await status(store.read(TYPE, 'a'));
    expect(read.status).toBe(404);
    expect(read.diagnostics).toMatch(/evicted locally \(purge\)/);
    expect((await status(store.vread(TYPE, 'a', '1'))).status).toBe(404);
    expect((await status(store.history(TYPE, 'a'))).status).toBe(404);
    expect(ids(await store.search(TYPE))).toEqual(['b']);
    expect(ids(await store.search(TYPE, { 'code:text': 'thorax' }))).toEqual([]);
    expect(ids(await store.search(TYPE, { _content: 'thorax' }))).toEqual([]);
    expect(ids(await store.search(TYPE, { _content: 'abdomen' }))).toEqual(['b']);
    expect((await store.history(TYPE)).entry?.map((e) => e.fullUrl)).toEqual([expect.stringContaining('/ImagingSelection/b')]);
    expect((await store.history()).total).toBe(1);
    expect((await store.search(TYPE, { _summary: 'count' })).total).toBe(1);

    const db = storeDatabase(store);
    expect(await db.resources.get([TYPE, 'a'])).toEqual({ type: TYPE, id: 'a', versionId: 2, ts: expect.any(Number), deleted: 1, ix: [], hx: [], evicted: 'purge' });
    expect(await db.history.where('[type+id+versionId]').between([TYPE, 'a', 0], [TYPE, 'a', Infinity]).count()).toBe(0);
    expect((await db.texts.toArray()).map((t) => t.id)).toEqual(['b']);
    expect(await db.remote.get([TYPE, 'a'])).toMatchObject({ version: '2', lastUpdated: '2025-02-02T00:00:00.000Z', evicted: { at: expect.any(Number), reason: 'purge' } });
    expect(await db.outbox.count()).toBe(0);
    expect((await db.typeStats.get(TYPE))?.live).toBe(1);
    expect(await firstValueFrom(store.syncState$(TYPE, 'a'))).toBe('evicted');
    expect(await firstValueFrom(store.syncState$(TYPE, 'b'))).toBe('synced');
  });

  const skips: { name: string; setup: (store: Store) => Promise<void>; reason: EvictionSkipReason; id?: string }[] = [
    { name: 'a pending local edit of a synced resource', setup: async (s) => void (await s.update(serverResource('x', 'edited', '1'))), reason: 'pending' },
    { name: 'a local create never sent', setup: async (s) => void (await s.update(selection({ id: 'x' }))), reason: 'pending' },
    {
      name: 'a change the server refused (dead letter)',
      setup: async (s) => {
        await s.update(serverResource('x', 'edited', '1'));
        const port = syncContextOf(s).storage;
        const [row] = await port.pendingChanges(1);
        await port.commit(() => ({ mutations: [deadLetterChange(row!, 422, { resourceType: 'OperationOutcome', issue: [] })] }));
      },
      reason: 'dead-letter',
    },
    {
      name: 'an open conflict',
      setup: async (s) => {
        const local = await s.update(serverResource('x', 'edited', '1'));
        const conflict = { type: TYPE, resourceId: 'x', local, remote: serverResource('x', 'other', '2'), remoteVersion: '2', elements: ['code'], detectedAt: 1 };
        await syncContextOf(s).storage.commit(() => ({ mutations: [serverChanges([{ kind: 'conflict', conflict }])] }));
      },
      reason: 'conflict',
    },
    { name: 'a resource this device never held', setup: async () => undefined, reason: 'not-found', id: 'never' },
    { name: 'a resource already evicted', setup: async (s) => void (await evict(s, ['x'])), reason: 'not-found' },
  ];
  it.each(skips)('never evicts $name: skipped as $reason, store unchanged', async ({ setup, reason, id = 'x' }) => {
    const store = await open();
    await pull(store, 'x', 'base', '1');
    await setup(store);
    const before = await snapshot(store);
    const outcome = await evict(store, [id]);
    expect(outcome).toEqual({ evicted: [], skipped: [{ type: TYPE, id, reason }] });
    expect(await snapshot(store)).toEqual(before);
  });

  it('skips a local-only resource of a store with no outbox (its only copy) as not-synced', async () => {
    const store = await open({ outbox: false });
    await store.update(selection({ id: 'x' }));
    const before = await snapshot(store);
    expect(await evict(store, ['x'])).toEqual({ evicted: [], skipped: [{ type: TYPE, id: 'x', reason: 'not-synced' }] });
    expect(await snapshot(store)).toEqual(before);
  });

  const pulls: { name: string; version: string; back: boolean }[] = [
    { name: 'the same server version', version: '2', back: false },
    { name: 'an older server version', version: '1', back: false },
    { name: 'a newer server version', version: '3', back: true },
  ];
  it.each(pulls)('a later pull of $name: back=$back', async ({ version, back }) => {
    const store = await open();
    await pull(store, 'a', 'one', '1');
    await pull(store, 'a', 'two', '2');
    await evict(store, ['a'], 'out-of-scope');
    await pull(store, 'a', 'again', version);
    if (!back) {
      expect((await status(store.read(TYPE, 'a'))).status).toBe(404);
      expect(await firstValueFrom(store.syncState$(TYPE, 'a'))).toBe('evicted');
      return;
    }
    const r = await store.read(TYPE, 'a');
    // A fresh resource, whose version goes on from the evicted one (no ETag is reused for other content).
    expect(r.meta?.versionId).toBe('3');
    expect(r.code?.text).toBe('again images');
    expect(ids(await store.search(TYPE, { 'code:text': 'again' }))).toEqual(['a']);
    expect(await firstValueFrom(store.syncState$(TYPE, 'a'))).toBe('synced');
    expect((await store.history(TYPE, 'a')).total).toBe(1);
  });

  it('a later pull of a newer server deletion: nothing is written, the resource stays evicted (404, not 410)', async () => {
    const store = await open();
    await pull(store, 'a', 'one', '1');
    await evict(store, ['a']);
    const ctx = syncContextOf(store);
    await applyPage(ctx, 'merge', [{ type: TYPE, id: 'a', version: '2', lastUpdated: '2025-02-02T00:00:00.000Z' }], { key: 'k' }, true, { pulled: 0, conflicts: [], invalid: [] });
    expect((await status(store.read(TYPE, 'a'))).diagnostics).toMatch(/evicted locally/);
    expect(await firstValueFrom(store.syncState$(TYPE, 'a'))).toBe('evicted');
    expect(await storeDatabase(store).remote.get([TYPE, 'a'])).toMatchObject({ version: '2', deleted: true, evicted: { reason: 'purge' } });
    // Created again on the server: back, its version going on from the evicted one.
    await pull(store, 'a', 'again', '3');
    expect((await store.read(TYPE, 'a')).meta?.versionId).toBe('2');
  });

  it('keeps the history sequence monotonic when the newest history row goes, and `_history` paging goes on over evicted rows', async () => {
    const store = await open();
    for (const id of ['a', 'b', 'c', 'd']) await pull(store, id, id, '1');
    const db = storeDatabase(store);
    const top = (await db.history.toCollection().lastKey()) as number;
    const page1 = await store.history(undefined, undefined, { _count: '2' });
    expect(ids(page1)).toEqual(['c', 'd']);
    await evict(store, ['d', 'b']);
    const next = page1.link?.find((l) => l.relation === 'next')?.url;
    const page2 = await store.handle({ method: 'GET', url: next!.replace('http://localhost/fhir/', '') });
    expect(page2.status).toBe(200);
    expect(ids(page2.body as Bundle)).toEqual(['a']);
    await pull(store, 'e', 'e', '1');
    const eSeq = (await db.history.where('[type+id+versionId]').equals([TYPE, 'e', 1]).first())?.seq;
    expect(eSeq).toBeGreaterThan(top);
    // The marker is in no index: history reads, whole-store included, never meet it.
    expect(ids(await store.history())).toEqual(['a', 'c', 'e']);
    expect(ids(await store.history(undefined, undefined, { _at: '2025' }))).toEqual(['a', 'c', 'e']);
  });

  it('a watched search drops the evicted resource', async () => {
    const store = await open();
    await pull(store, 'a', 'one', '1');
    await pull(store, 'b', 'two', '1');
    const seen: string[][] = [];
    const sub = store.watch(TYPE).subscribe((b) => seen.push(ids(b)));
    await firstValueFrom(store.watch(TYPE).pipe(filter((b) => ids(b).length === 2)));
    await evict(store, ['a'], 'expired');
    await firstValueFrom(store.watch(TYPE).pipe(filter((b) => ids(b).length === 1)));
    await new Promise((r) => setTimeout(r, 300));
    sub.unsubscribe();
    expect(seen.at(-1)).toEqual(['b']);
  });

  it('deletes the encrypted rows too in an encrypted store', async () => {
    const indexedDB = new IDBFactory();
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const store = await openStore({ name: 'enc-evict', indexedDB, IDBKeyRange, clock: steppingClock('2025-01-01T00:00:00.000Z', 1000), idGenerator: sequentialIds('id'), encryption: { key } });
    opened.push(store);
    await pull(store, 'b', 'three', '1');
    await pull(store, 'a', 'one', '1');
    await pull(store, 'a', 'two', '2');
    await store.flushIndex();
    expect(ids(await store.search(TYPE, { 'code:text': 'two' }))).toEqual(['a']);
    const before = await dumpDatabase(indexedDB, 'enc-evict');
    expect(await evict(store, ['a'])).toEqual({ evicted: [{ type: TYPE, id: 'a' }], skipped: [] });
    const after = await dumpDatabase(indexedDB, 'enc-evict');
    // Both versions go (the newest is the sequence's marker now, a key with no content), and the text row.
    expect(after.stores.history).toBe(before.stores.history! - 1);
    expect(after.stores.texts).toBe(before.stores.texts! - 1);
    expect(ids(await store.search(TYPE, { 'code:text': 'two' }))).toEqual([]);
    expect(ids(await store.search(TYPE))).toEqual(['b']);
    expect((await status(store.read(TYPE, 'a'))).status).toBe(404);
    await pull(store, 'a', 'four', '3');
    expect((await store.read(TYPE, 'a')).code?.text).toBe('four images');
  });

  it('export carries the tombstones (on the server-version rows), import rebuilds them and the sequence mark', async () => {
    const store = await open();
    for (const id of ['a', 'b', 'c']) await pull(store, id, id, '1');
    await pull(store, 'b', 'b again', '2');
    await evict(store, ['b', 'c']);
    const target = await open({ name: 'target' });
    await target.import(filesSource(await exportToFiles(store)));
    const tables = async (s: Store) => {
      const all = await snapshot(s);
      all.typeStats = all.typeStats!.map((r) => ({ ...(r as object), spans: undefined }));
      all.settings = all.settings!.filter((r) => (r as { key: string }).key !== IDENTITY_SETTING);
      return all;
    };
    expect(await tables(target)).toEqual(await tables(store));
    expect((await status(target.read(TYPE, 'b'))).diagnostics).toMatch(/evicted locally/);
    await pull(target, 'b', 'b', '2');
    expect(await firstValueFrom(target.syncState$(TYPE, 'b'))).toBe('evicted');
    await pull(target, 'b', 'b three', '3');
    expect((await target.read(TYPE, 'b')).meta?.versionId).toBe('3');
  });
});
