import { afterEach, expect, it } from 'vitest';
import type { DBCore, DBCoreMutateRequest } from 'dexie';
import type { Store } from '../../src/index.js';
import { openTestStore, selection, snapshot } from '../helpers.js';

let store: Store;
afterEach(() => store.close());

/** Makes the next write to `table` fail inside the transaction, after the other tables were written. */
async function failNextWriteTo(s: Store, table: string): Promise<void> {
  let armed = true;
  s.database.use({
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
  s.database.close();
  await s.database.open();
}

it.each(['textStats', 'outbox', 'history'])('an error while writing %s leaves nothing half-written', async (table) => {
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
