import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import type { ImagingSelection } from 'fhir/r5';
import { expect, it } from 'vitest';
import { openStore, sequentialIds, steppingClock, type Store } from '../../src/index.js';
import { storeDatabase } from '../../src/store.js';
import { selection } from '../helpers.js';
import { v5Rows, writeOldDatabase } from './legacy-rows.js';

const narrative = (words: string) => ({ status: 'generated' as const, div: `<div xmlns="http://www.w3.org/1999/xhtml">${words}</div>` });

const DATA: ImagingSelection[] = [
  selection({ id: 'a', status: 'unknown', issued: '2024-01-15T10:00:00Z', text: narrative('liver lesion') }),
  selection({ id: 'b', issued: '2024-03-01T08:30:00Z', text: narrative('kidney cyst') }),
  selection({ id: 'c', issued: '2023-12-31T23:59:59Z', code: { text: 'Liver segment' } }),
  selection({ id: 'd', status: 'entered-in-error', text: narrative('liver and kidney') }),
  selection({ id: 'e', issued: '2024-01-15T10:00:00Z' }),
];

const QUERIES = [
  'status=unknown',
  'status:not=unknown',
  'issued=ge2024-01-01&issued=lt2024-02-01',
  'issued=gt2024-01-15',
  'issued=le2024',
  'issued:missing=true',
  '_sort=-issued,_id',
  '_sort=issued,_id',
  '_text=liver',
  '_content=liver -lesion',
  '_content=liver',
  '_content=liver,kidney&_sort=-_score,_id',
  '_total=accurate&_count=0',
];

const answer = async (store: Store, q: string) => {
  const bundle = await store.search('ImagingSelection', q);
  return { total: bundle.total, ids: (bundle.entry ?? []).map((e) => e.resource!.id) };
};

const open = (name: string, indexedDB: IDBFactory) => openStore({ name, indexedDB, IDBKeyRange, clock: steppingClock('2025-01-01T00:00:00.000Z', 1000), idGenerator: sequentialIds() });

it('a database written by schema version 5 (packed entries, long keys, postings on the row) is upgraded and answers as a new one', async () => {
  const maker = await open('maker', new IDBFactory());
  for (const r of DATA) await maker.update(r);
  await maker.update({ ...DATA[1]!, status: 'unknown' });
  await maker.delete('ImagingSelection', 'e');
  const expected = Object.fromEntries(await Promise.all(QUERIES.map(async (q) => [q, await answer(maker, q)] as const)));

  const indexedDB = new IDBFactory();
  await writeOldDatabase('old', { indexedDB, IDBKeyRange }, 5, maker, await v5Rows(maker));
  maker.close();

  const store = await open('old', indexedDB);
  const db = storeDatabase(store);
  expect(db.verno).toBe(7);
  for (const row of await db.resources.toArray()) {
    expect(row).not.toHaveProperty('packed');
    expect(row).not.toHaveProperty('tx');
  }
  expect(await db.typeStats.get('ImagingSelection')).toMatchObject({ type: 'ImagingSelection', live: 4, _text: { docs: 3 }, _content: { docs: 4 }, spans: { issued: 0 } });
  expect((await db.texts.toArray()).map((t) => t.id).sort()).toEqual(['a', 'b', 'c', 'd']);
  for (const q of QUERIES) expect({ q, ...(await answer(store, q)) }).toEqual({ q, ...expected[q] });

  // And it goes on as a new database: writes keep the counts and the postings.
  await store.delete('ImagingSelection', 'a');
  await store.update(selection({ id: 'f', text: narrative('liver') }));
  expect((await answer(store, '_text=liver')).ids.sort()).toEqual(['d', 'f']);
  expect((await answer(store, '_total=accurate&_count=0')).total).toBe(4);
  store.close();
});
