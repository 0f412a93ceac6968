import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, sequentialIds, steppingClock, type Store, type StoreOptions } from '../../src/index.js';
import { storeDatabase } from '../../src/store.js';
import { selection, snapshot } from '../helpers.js';
import { FaultyIndexedDb, MemoryStorage } from './faulty-indexeddb.js';

const opened: Store[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

async function open(indexedDB: IDBFactory, options: StoreOptions = {}): Promise<Store> {
  const store = await openStore({ name: 'health', indexedDB, IDBKeyRange, clock: steppingClock(), idGenerator: sequentialIds('r'), ...options });
  opened.push(store);
  return store;
}

/** Deletes the store's IndexedDB database, as eviction or "clear site data" does. */
function deleteDatabase(factory: IDBFactory, name = 'health'): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = factory.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error);
  });
}

const health = (store: Store) => firstValueFrom(store.health$);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('the database identity', () => {
  it('a new database gets a random id, kept across opens; health is ok', async () => {
    const factory = new IDBFactory();
    const first = await open(factory, { identityMarker: new MemoryStorage() });
    const h = await health(first);
    expect(h).toMatchObject({ status: 'ok', reopened: 0 });
    expect(h.databaseId).toMatch(UUID);
    expect(Number.isNaN(Date.parse(h.createdAt))).toBe(false);
    first.close();
    const again = await open(factory, { identityMarker: new MemoryStorage() });
    expect(await health(again)).toEqual(h);
    // Another database has another id.
    expect((await health(await open(new IDBFactory()))).databaseId).not.toBe(h.databaseId);
  });

  it('a database deleted under the store (evicted, cleared) is reported once at the next open, when the marker survived', async () => {
    const factory = new IDBFactory();
    const marker = new MemoryStorage();
    const first = await open(factory, { identityMarker: marker });
    await first.update(selection({ id: 'unsent' }));
    const before = await health(first);
    first.close();
    await deleteDatabase(factory);
    const second = await open(factory, { identityMarker: marker });
    const after = await health(second);
    expect(after).toMatchObject({
      status: 'recreated-after-loss',
      lost: { databaseId: before.databaseId, createdAt: before.createdAt, detectedBy: 'marker' },
    });
    expect(after.databaseId).not.toBe(before.databaseId);
    expect(after.reason).toMatch(/is gone \(evicted or deleted\): changes not pushed before are lost/);
    second.close();
    // Reported once: the marker now names the new database.
    expect(await health(await open(factory, { identityMarker: marker }))).toMatchObject({ status: 'ok', databaseId: after.databaseId });
  });

  it('without a marker a deleted database cannot be told from a new one (what docs/durability.md says)', async () => {
    const factory = new IDBFactory();
    const first = await open(factory, { identityMarker: false });
    first.close();
    await deleteDatabase(factory);
    expect(await health(await open(factory, { identityMarker: false }))).toMatchObject({ status: 'ok' });
  });

  it("the app's expected database id: another database is reported", async () => {
    const factory = new IDBFactory();
    const first = await open(factory);
    const { databaseId } = await health(first);
    first.close();
    expect(await health(await open(factory, { expectedDatabaseId: databaseId }))).toMatchObject({ status: 'ok' });
    opened.pop()?.close();
    await deleteDatabase(factory);
    expect(await health(await open(factory, { expectedDatabaseId: databaseId }))).toMatchObject({
      status: 'recreated-after-loss',
      lost: { databaseId, detectedBy: 'expected-id' },
    });
  });

  it('a database with rows from before identities existed is given one, not reported lost', async () => {
    const factory = new IDBFactory();
    const marker = new MemoryStorage();
    const first = await open(factory, { identityMarker: marker });
    await first.update(selection({ id: 'old' }));
    await storeDatabase(first).settings.delete('identity');
    first.close();
    const second = await open(factory, { identityMarker: marker });
    expect(await health(second)).toMatchObject({ status: 'ok' });
    expect((await second.read('ImagingSelection', 'old')).id).toBe('old');
  });

  it('checkpoints another database recorded are dropped at open and reported', async () => {
    const factory = new IDBFactory();
    const first = await open(factory);
    const db = storeDatabase(first);
    await db.checkpoints.bulkPut([
      { key: 'http://s/fhir|ImagingSelection', since: '2025-01-01T00:00:00Z', databaseId: 'another-database' },
      { key: 'http://s/fhir|Patient', since: '2025-01-01T00:00:00Z', databaseId: (await health(first)).databaseId },
    ]);
    first.close();
    const second = await open(factory);
    expect(await health(second)).toMatchObject({ status: 'recreated-after-loss', lost: { databaseId: 'another-database', detectedBy: 'checkpoint' } });
    expect((await storeDatabase(second).checkpoints.toArray()).map((c) => c.key)).toEqual(['http://s/fhir|Patient']);
  });
});

it('a database id without crypto.randomUUID (an insecure context) is still a v4 UUID', async () => {
  const { randomDatabaseId } = await import('../../src/storage/identity.js');
  const randomUUID = globalThis.crypto.randomUUID;
  Object.defineProperty(globalThis.crypto, 'randomUUID', { value: undefined, configurable: true });
  try {
    const ids = Array.from({ length: 50 }, () => randomDatabaseId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(50);
  } finally {
    Object.defineProperty(globalThis.crypto, 'randomUUID', { value: randomUUID, configurable: true });
  }
});

describe('reopening a database the browser left unusable', () => {
  // Dexie itself reopens on InvalidStateError when it creates a transaction; the store on the rest, and reports both.
  it.each([
    ['UnknownError', /after: UnknownError: injected/],
    ['InvalidStateError', /after: InvalidStateError or a connection the browser closed \(Dexie reopened it\)/],
  ])('a write whose transaction throws %s once: the database is reopened, the write lands, health$ counts the reopen', async (name, reason) => {
    const idb = new FaultyIndexedDb();
    const store = await open(idb.indexedDB);
    await store.update(selection({ id: 'a' }));
    idb.fault = { mode: 'readwrite', name, once: true };
    const written = await store.update(selection({ id: 'b' }));
    expect(written.meta?.versionId).toBe('1');
    expect(idb.thrown).toBe(1);
    expect((await store.search('ImagingSelection')).entry?.map((e) => e.resource?.id).sort()).toEqual(['a', 'b']);
    const h = await health(store);
    expect(h).toMatchObject({ status: 'ok', reopened: 1 });
    expect(h.reason).toMatch(reason);
  });

  it('writes refused after the reopen: 503 with an OperationOutcome, health read-only, nothing written, reads work; healthy again once writes land', async () => {
    const idb = new FaultyIndexedDb();
    const store = await open(idb.indexedDB);
    await store.update(selection({ id: 'a' }));
    const before = await snapshot(store);
    idb.fault = { mode: 'readwrite', name: 'UnknownError', once: false };
    const res = await store.handle({ method: 'PUT', url: 'ImagingSelection/a', body: selection({ id: 'a', status: 'unknown' }) });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'transient' }] });
    expect(await health(store)).toMatchObject({ status: 'read-only', reopened: 1 });
    expect((await store.read('ImagingSelection', 'a')).status).toBe('available');
    idb.fault = undefined;
    expect(await snapshot(store)).toEqual(before);
    await store.update(selection({ id: 'a', status: 'unknown' }));
    expect(await health(store)).toMatchObject({ status: 'ok', reason: 'writes succeed again' });
  });

  it('a database that cannot be opened again: 503, health unusable; the store recovers when it opens', async () => {
    const idb = new FaultyIndexedDb();
    const store = await open(idb.indexedDB);
    await store.update(selection({ id: 'a' }));
    idb.fault = { mode: 'any', name: 'UnknownError', once: true };
    idb.failOpen = 'UnknownError';
    await expect(store.update(selection({ id: 'b' }))).rejects.toMatchObject({ status: 503 });
    expect(await health(store)).toMatchObject({ status: 'unusable' });
    idb.failOpen = undefined;
    await store.update(selection({ id: 'b' }));
    expect(await health(store)).toMatchObject({ status: 'ok' });
    expect((await store.search('ImagingSelection')).entry?.map((e) => e.resource?.id).sort()).toEqual(['a', 'b']);
  });

  it('a quota error is not a reason to reopen: it answers 507 as before', async () => {
    const idb = new FaultyIndexedDb();
    const store = await open(idb.indexedDB);
    idb.fault = { mode: 'readwrite', name: 'QuotaExceededError', once: true };
    expect((await store.handle({ method: 'PUT', url: 'ImagingSelection/a', body: selection({ id: 'a' }) })).status).toBe(507);
    expect(await health(store)).toMatchObject({ status: 'ok', reopened: 0 });
  });
});
