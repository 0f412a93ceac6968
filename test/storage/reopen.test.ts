import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { expect, it } from 'vitest';
import { openStore, sequentialIds, steppingClock } from '../../src/index.js';
import { storeDatabase } from '../../src/store.js';
import { rowIndex } from '../../src/storage/resource-row.js';
import { selection } from '../helpers.js';
import { v5Rows, writeOldDatabase } from './legacy-rows.js';

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
  expect(storeDatabase(second).verno).toBe(7);
  second.close();
});

it('openStore refuses an unknown time zone', async () => {
  await expect(openStore({ name: 'tz', indexedDB: new IDBFactory(), IDBKeyRange, timeZone: 'Mars/Olympus' })).rejects.toThrow(TypeError);
});

it('a database of schema version 4 (index entries and text as objects on the row) is upgraded and searched', async () => {
  // Rows as version 4 stored them: version 5 rows (see legacy-rows.ts) with the packed string unpacked.
  const maker = await openStore({ name: 'maker', indexedDB: new IDBFactory(), IDBKeyRange, clock: steppingClock(), idGenerator: sequentialIds() });
  await maker.update(selection({ id: 'a', status: 'unknown', text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">liver lesion</div>' } }));
  await maker.update(selection({ id: 'b' }));
  const rows = (await v5Rows(maker)).map(({ packed, ...row }) => {
    const [index, text] = JSON.parse(packed) as [unknown[], unknown?];
    return { ...row, index, ...(text ? { text } : {}) };
  });
  const indexedDB = new IDBFactory();
  await writeOldDatabase('old', { indexedDB, IDBKeyRange }, 4, maker, rows);
  maker.close();

  const store = await openStore({ name: 'old', indexedDB, IDBKeyRange, clock: steppingClock(), idGenerator: sequentialIds() });
  expect(storeDatabase(store).verno).toBe(7);
  const stored = await storeDatabase(store).resources.get(['ImagingSelection', 'a']);
  expect(stored).not.toHaveProperty('index');
  expect(stored).not.toHaveProperty('packed');
  expect(rowIndex(stored!).length).toBeGreaterThan(0);
  const ids = async (q: Record<string, string>) => ((await store.search('ImagingSelection', q)).entry ?? []).map((e) => e.resource!.id).sort();
  expect(await ids({ status: 'unknown' })).toEqual(['a']);
  expect(await ids({ 'status:not': 'unknown' })).toEqual(['b']);
  expect(await ids({ _text: 'liver' })).toEqual(['a']);
  store.close();
});
