import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { expect, it } from 'vitest';
import { openStore, sequentialIds, steppingClock } from '../../src/index.js';
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
  expect(await second.database.outbox.count()).toBe(1);
  expect(second.database.verno).toBe(4);
  second.close();
});

it('openStore refuses an unknown time zone', async () => {
  await expect(openStore({ name: 'tz', indexedDB: new IDBFactory(), IDBKeyRange, timeZone: 'Mars/Olympus' })).rejects.toThrow(TypeError);
});
