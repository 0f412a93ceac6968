import Dexie from 'dexie';
import type { Patient } from 'fhir/r5';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, beforeEach, expect, it, vi, type MockInstance } from 'vitest';
import { openStore, PersistenceError, type Store } from '../../src/index.js';

// Node has no IndexedDB of its own: the situation of a field gateway or an Electron main process.
let warn: MockInstance<typeof console.warn>;
const stores: Store[] = [];
let n = 0;
const name = (): string => `persistence-${++n}`;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  warn.mockRestore();
  for (const s of stores.splice(0)) s.close();
});
const open = async (options: Parameters<typeof openStore>[0]): Promise<Store> => {
  const s = await openStore(options);
  stores.push(s);
  return s;
};

it('this process has no global IndexedDB (the premise of the tests below)', () => {
  expect((globalThis as { indexedDB?: unknown }).indexedDB).toBeUndefined();
});

// Runs before any warning of this file: the once-per-process flag is still unset here.
it("persistence: 'optional' opens on memory without a warning", async () => {
  const store = await open({ name: name(), persistence: 'optional' });
  expect(store.inMemory).toBe(true);
  expect(warn).not.toHaveBeenCalled();
});

it('falling back to memory warns once per process, saying how to pass a persistent IndexedDB', async () => {
  const first = await open({ name: name() });
  expect(first.inMemory).toBe(true);
  expect(warn).toHaveBeenCalledTimes(1);
  const message = String(warn.mock.calls[0]?.[0]);
  expect(message).toMatch(/keeps its data in memory/);
  expect(message).toMatch(/openStore\(\{ indexedDB, IDBKeyRange \}\)/);
  expect(message).toMatch(/persistence: 'optional'/);
  await open({ name: name() });
  expect(warn).toHaveBeenCalledTimes(1);
});

it("persistence: 'required' refuses to open on memory-only storage", async () => {
  const err = await openStore({ name: name(), persistence: 'required' }).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PersistenceError);
  expect((err as Error).message).toMatch(/persistence 'required', but this environment has no IndexedDB/);
});

it("persistence: 'required' opens on an IndexedDB passed in", async () => {
  const store = await open({ name: name(), persistence: 'required', indexedDB: new IDBFactory(), IDBKeyRange });
  expect(store.inMemory).toBe(false);
  expect((await store.create<Patient>({ resourceType: 'Patient' })).id).toBeDefined();
});

it("an unknown persistence mode is a TypeError", async () => {
  await expect(openStore({ name: name(), persistence: 'disk' as never })).rejects.toThrow(/persistence must be 'required' or 'optional'/);
});

it("opening a store leaves Dexie's globals as they were, and watch still runs", async () => {
  const before = { ...Dexie.dependencies };
  const store = await open({ name: name(), indexedDB: new IDBFactory(), IDBKeyRange });
  expect(Dexie.dependencies.indexedDB).toBe(before.indexedDB);
  expect(Dexie.dependencies.IDBKeyRange).toBe(before.IDBKeyRange);
  const totals: number[] = [];
  const sub = store.watch('Patient', { _total: 'accurate' }).subscribe((b) => totals.push(b.total ?? -1));
  await vi.waitFor(() => expect(totals).toEqual([0]));
  await store.create({ resourceType: 'Patient' });
  await vi.waitFor(() => expect(totals.at(-1)).toBe(1));
  sub.unsubscribe();
});
