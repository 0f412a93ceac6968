import Dexie from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { expect, it } from 'vitest';
import { openStore, sequentialIds, steppingClock } from '../../src/index.js';
import { storeDatabase } from '../../src/store.js';
import { unpackIndex } from '../../src/storage/resource-row.js';
import { selection } from '../helpers.js';

it('a store reopened on the same IndexedDB finds its resources, versions and outbox', async () => {
  const indexedDB = new IDBFactory();
  const options = { name: 'persist', indexedDB, IDBKeyRange, clock: steppingClock(), idGenerator: sequentialIds() };
  const first = await openStore(options);
  await first.update(selection({ id: 'a' }));
  await first.update(selection({ id: 'a', status: 'unknown' }));
  first.close();

  const second = await openStore(options);
  expect((await second.read('ImagingSelection', 'a')).meta?.versionId).toBe('2');
  expect((await second.vread('ImagingSelection', 'a', '1')).meta?.versionId).toBe('1');
  expect(await storeDatabase(second).outbox.count()).toBe(1);
  expect(storeDatabase(second).verno).toBe(5);
  second.close();
});

it('openStore refuses an unknown time zone', async () => {
  await expect(openStore({ name: 'tz', indexedDB: new IDBFactory(), IDBKeyRange, timeZone: 'Mars/Olympus' })).rejects.toThrow(TypeError);
});

it('a database of schema version 4 (index entries and text as objects on the row) is upgraded and searched', async () => {
  // Rows as version 4 stored them: made by a current store, then unpacked into the old fields.
  const maker = await openStore({ name: 'maker', indexedDB: new IDBFactory(), IDBKeyRange, clock: steppingClock(), idGenerator: sequentialIds() });
  await maker.update(selection({ id: 'a', status: 'unknown', text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">liver lesion</div>' } }));
  await maker.update(selection({ id: 'b' }));
  const rows = (await storeDatabase(maker).resources.toArray()).map(({ packed: _p, ...row }) => {
    const { index, text } = unpackIndex({ ...row, packed: _p });
    return { ...row, index, ...(text ? { text } : {}) };
  });
  const otherTables = { history: await storeDatabase(maker).history.toArray(), textStats: await storeDatabase(maker).textStats.toArray(), settings: await storeDatabase(maker).settings.toArray() };
  maker.close();

  const indexedDB = new IDBFactory();
  const v4 = new Dexie('old', { indexedDB, IDBKeyRange });
  v4.version(4).stores({
    resources: '[type+id], [type+ts], [type+deleted], *ix, *hx, *tx',
    history: '++seq, &[type+id+versionId], [ts+seq], [type+ts+seq]',
    outbox: '[type+id], seq',
    textStats: '[type+field]',
    settings: 'key',
    remote: '[type+id]',
    checkpoints: 'key',
    conflicts: '++id, [type+resourceId]',
    deadLetters: '[type+id]',
  });
  await v4.table('resources').bulkPut(rows);
  await v4.table('history').bulkPut(otherTables.history);
  await v4.table('textStats').bulkPut(otherTables.textStats);
  await v4.table('settings').bulkPut(otherTables.settings);
  v4.close();

  const store = await openStore({ name: 'old', indexedDB, IDBKeyRange, clock: steppingClock(), idGenerator: sequentialIds() });
  expect(storeDatabase(store).verno).toBe(5);
  const stored = await storeDatabase(store).resources.get(['ImagingSelection', 'a']);
  expect(stored).not.toHaveProperty('index');
  expect(unpackIndex(stored!).index.length).toBeGreaterThan(0);
  const ids = async (q: Record<string, string>) => ((await store.search('ImagingSelection', q)).entry ?? []).map((e) => e.resource!.id).sort();
  expect(await ids({ status: 'unknown' })).toEqual(['a']);
  expect(await ids({ 'status:not': 'unknown' })).toEqual(['b']);
  expect(await ids({ _text: 'liver' })).toEqual(['a']);
  store.close();
});
