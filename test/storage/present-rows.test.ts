import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openStore, sequentialIds, steppingClock } from '../../src/index.js';
import { storeDatabase } from '../../src/store.js';
import { presentRows } from '../../src/storage/present-rows.js';
import type { RemoteVersionRow } from '../../src/storage/rows.js';
import { StoreDatabase } from '../../src/storage/schema.js';

let n = 0;
async function database(rows: [string, string][]): Promise<StoreDatabase> {
  const db = new StoreDatabase(`present-rows-${n++}`, { indexedDB: new IDBFactory(), IDBKeyRange });
  await db.open();
  await db.remote.bulkPut(rows.map(([type, id]): RemoteVersionRow => ({ type, id, version: `${type}-${id}`, localVersion: 1, deleted: false })));
  return db;
}

const ids = (prefix: string, count: number): [string, string][] => Array.from({ length: count }, (_, i) => ['ImagingSelection', `${prefix}${String(i).padStart(3, '0')}`]);

describe('presentRows: the rows of the keys asked, as bulkGet gives them', () => {
  it.each([
    ['an empty table (a first sync)', [] as [string, string][], ids('a', 20)],
    ['a few keys (read one by one)', ids('a', 20), ids('a', 5)],
    ['none held in the range (sparse)', ids('a', 20), ids('b', 20)],
    ['some held, interleaved with absent ones', ids('a', 40).filter((_, i) => i % 3 === 0), ids('a', 40)],
    ['a range denser than the keys asked (read by bulkGet)', ids('a', 100), ids('a', 100).filter((_, i) => i % 7 === 0)],
    ['several types, one range each', [...ids('a', 10), ['Patient', 'a005'] as [string, string]], [...ids('a', 12), ...Array.from({ length: 10 }, (_, i): [string, string] => ['Patient', `a00${i}`])]],
    ['ids ordered by code units (upper case, digits, dots, non-ASCII)', [['ImagingSelection', 'Z'], ['ImagingSelection', 'é'], ['ImagingSelection', '1.2']] as [string, string][], ['Z', 'a', 'é', '1.2', '0', 'zz', 'A-b', '9', 'Ω', 'Zz'].map((id): [string, string] => ['ImagingSelection', id])],
    ['a key asked twice', ids('a', 10), [...ids('a', 10), ...ids('a', 10)]],
  ])('%s', async (_name, held, asked) => {
    const db = await database(held);
    expect(await presentRows(db.remote, asked)).toEqual(await db.remote.bulkGet(asked));
    db.close();
  });

  it('agrees with bulkGet on any table and any keys', async () => {
    // Few types and short ids: keys asked and held meet, and a type gets enough keys to be probed by range.
    const key = fc.tuple(fc.constantFrom('ImagingSelection', 'Patient'), fc.string({ minLength: 1, maxLength: 3, unit: fc.constantFrom('a', 'Z', '0', '.', 'é') }));
    await fc.assert(
      fc.asyncProperty(fc.array(key, { maxLength: 80 }), fc.array(key, { minLength: 8, maxLength: 60 }), async (held, asked) => {
        const db = await database(held);
        expect(await presentRows(db.remote, asked)).toEqual(await db.remote.bulkGet(asked));
        db.close();
      }),
      { numRuns: 60, seed: 14 },
    );
  });

  it('reads an encrypted store as bulkGet does (primary keys stay plaintext; the rows come back decrypted)', async () => {
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const store = await openStore({ name: 'sealed', indexedDB: new IDBFactory(), IDBKeyRange, clock: steppingClock(), idGenerator: sequentialIds('id'), encryption: { key } });
    for (const [, id] of ids('a', 30).filter((_, i) => i % 2 === 0)) await store.update({ resourceType: 'ImagingSelection', id, status: 'available', code: { text: id } });
    const db = storeDatabase(store);
    const asked = ids('a', 30);
    const rows = await presentRows(db.resources, asked);
    expect(rows).toEqual(await db.resources.bulkGet(asked));
    expect(rows.filter((r) => r !== undefined)).toHaveLength(15);
    store.close();
  });
});
