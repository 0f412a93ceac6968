import { afterEach, expect, it } from 'vitest';
import type { DBCore, DBCoreMutateRequest } from 'dexie';
import type { Store } from '../../src/index.js';
import { storeDatabase } from '../../src/store.js';
import { openTestStore, postTransaction, selection, snapshot } from '../helpers.js';

let store: Store;
afterEach(() => store.close());

/** Makes the next write to `table` fail inside the transaction, after the other tables were written. */
async function failNextWriteTo(s: Store, table: string, error: () => unknown = () => new Error(`injected failure writing ${table}`)): Promise<void> {
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
              return Promise.reject(error());
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

/** The browser's quota error, and the same as the cause of the transaction's AbortError (how Dexie and browsers pass it on). */
const quota = (): unknown => new DOMException('The quota has been exceeded.', 'QuotaExceededError');
const quotaInAbort = (): unknown => Object.assign(new Error('The transaction was aborted'), { name: 'AbortError', inner: quota() });

it.each([
  ['resources', 'a QuotaExceededError', quota],
  ['history', 'a QuotaExceededError', quota],
  ['outbox', 'an AbortError wrapping a QuotaExceededError', quotaInAbort],
  ['texts', 'an AbortError wrapping a QuotaExceededError', quotaInAbort],
])('storage out of quota while writing %s (%s) answers 507 with an OperationOutcome; nothing is written, the outbox is kept', async (table, _how, error) => {
  store = await openTestStore();
  await store.update(selection({ id: 'a' }));
  const before = await snapshot(store);
  expect(before['outbox']).toHaveLength(1);
  await failNextWriteTo(store, table, error);
  const res = await store.handle({ method: 'PUT', url: 'ImagingSelection/a', body: selection({ id: 'a', status: 'unknown' }) });
  expect(res.status).toBe(507);
  expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'no-store' }] });
  expect(await snapshot(store)).toEqual(before);
  // The typed API rejects with the same status, and the store works once there is room again.
  await failNextWriteTo(store, table, error);
  await expect(store.update(selection({ id: 'b' }))).rejects.toMatchObject({ status: 507 });
  expect((await store.handle({ method: 'PUT', url: 'ImagingSelection/a', body: selection({ id: 'a', status: 'unknown' }) })).status).toBe(200);
});

it('a transaction Bundle out of quota answers 507 and writes none of its entries', async () => {
  store = await openTestStore();
  const before = await snapshot(store);
  await failNextWriteTo(store, 'history', quotaInAbort);
  const res = await postTransaction(store, ['x', 'y'].map((id) => ({ resource: selection({ id }), request: { method: 'PUT' as const, url: `ImagingSelection/${id}` } })));
  expect(res.status).toBe(507);
  expect(await snapshot(store)).toEqual(before);
});
