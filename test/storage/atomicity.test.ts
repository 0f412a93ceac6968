import { afterEach, expect, it } from 'vitest';
import type { DBCore, DBCoreMutateRequest } from 'dexie';
import type { Store } from '../../src/index.js';
import { storeDatabase } from '../../src/store.js';
import { openTestStore, postTransaction, selection, snapshot } from '../helpers.js';

let store: Store;
afterEach(() => store.close());

/** Makes the next write to `table` fail inside the transaction, after the other tables were written. */
async function failNextWriteTo(s: Store, table: string): Promise<void> {
  let armed = true;
  storeDatabase(s).use({
    stack: 'dbcore',
    name: 'fail-once',
    create: (down: DBCore): DBCore => ({
      ...down,
      table: (name) => {
        const t = down.table(name);
        if (name !== table) return t;
        return {
          ...t,
          mutate: (req: DBCoreMutateRequest) => {
            if (armed) {
              armed = false;
              return Promise.reject(new Error(`injected failure writing ${table}`));
            }
            return t.mutate(req);
          },
        };
      },
    }),
  });
  // Dexie builds its middleware stack when the database opens.
  storeDatabase(s).close();
  await storeDatabase(s).open();
}

it.each(['texts', 'typeStats', 'outbox', 'history'])('an error while writing %s leaves nothing half-written', async (table) => {
  store = await openTestStore();
  await store.update(selection({ id: 'a', identifier: [{ system: 'urn:x', value: '1' }] }));
  const before = await snapshot(store);
  await failNextWriteTo(store, table);
  const res = await store.handle({
    method: 'PUT',
    url: 'ImagingSelection/a',
    body: selection({ id: 'a', status: 'unknown', identifier: [{ system: 'urn:x', value: '2' }] }),
  });
  expect(res.status).toBe(500);
  expect(await snapshot(store)).toEqual(before);
  // The store still works afterwards.
  expect((await store.handle({ method: 'PUT', url: 'ImagingSelection/a', body: selection({ id: 'a', status: 'unknown' }) })).status).toBe(200);
});

it.each(['texts', 'typeStats', 'outbox', 'history', 'resources'])('a transaction Bundle failing while writing %s in bulk leaves nothing half-written', async (table) => {
  store = await openTestStore();
  await store.update(selection({ id: 'a' }));
  const before = await snapshot(store);
  await failNextWriteTo(store, table);
  const res = await postTransaction(store, [
    { resource: selection({ id: 'a', status: 'unknown' }), request: { method: 'PUT', url: 'ImagingSelection/a' } },
    { resource: selection({ id: 'b' }), request: { method: 'PUT', url: 'ImagingSelection/b' } },
    { resource: selection(), request: { method: 'POST', url: 'ImagingSelection' } },
  ]);
  expect(res.status).toBe(500);
  expect(await snapshot(store)).toEqual(before);
});

it('a bulk write keeps one outbox row per resource pointing at its latest history row', async () => {
  store = await openTestStore();
  await postTransaction(store, ['x', 'y', 'z'].map((id) => ({ resource: selection({ id }), request: { method: 'PUT', url: `ImagingSelection/${id}` } })));
  const outbox = await storeDatabase(store).outbox.toArray();
  const history = await storeDatabase(store).history.toArray();
  expect(outbox.map((r) => [r.id, r.op, r.localVersion])).toEqual([['x', 'create', 1], ['y', 'create', 1], ['z', 'create', 1]]);
  for (const r of outbox) expect(history.find((h) => h.seq === r.seq)?.id).toBe(r.id);
  expect(await storeDatabase(store).typeStats.get('ImagingSelection')).toMatchObject({ live: 3, _content: { docs: 3 } });
});
