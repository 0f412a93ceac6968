import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/index.js';
import { storeDatabase } from '../../src/store.js';
import { openTestStore, selection } from '../helpers.js';

let store: Store;
afterEach(() => store.close());

const outbox = async () => (await storeDatabase(store).outbox.toArray()).map((r) => ({ id: r.id, op: r.op, localVersion: r.localVersion }));

describe('outbox', () => {
  it('records every local write in one merged row per resource', async () => {
    store = await openTestStore();
    await store.update(selection({ id: 'a' }));
    expect(await outbox()).toEqual([{ id: 'a', op: 'create', localVersion: 1 }]);
    await store.update(selection({ id: 'a', status: 'unknown' }));
    expect(await outbox()).toEqual([{ id: 'a', op: 'create', localVersion: 2 }]); // create + update = create
    await store.update(selection({ id: 'b' }));
    await storeDatabase(store).outbox.update(['ImagingSelection', 'b'], { op: 'update' }); // as if b's create had been confirmed
    await store.update(selection({ id: 'b', status: 'unknown' }));
    await store.delete('ImagingSelection', 'b');
    expect(await outbox()).toEqual([
      { id: 'a', op: 'create', localVersion: 2 },
      { id: 'b', op: 'delete', localVersion: 3 },
    ]);
  });

  it('a create deleted before it was ever sent leaves nothing to send; once sent, a delete', async () => {
    store = await openTestStore();
    await store.update(selection({ id: 'a' }));
    await store.delete('ImagingSelection', 'a');
    expect(await outbox()).toEqual([]);
    await store.update(selection({ id: 'b' }));
    await storeDatabase(store).outbox.update(['ImagingSelection', 'b'], { sentAt: 1 });
    await store.delete('ImagingSelection', 'b');
    expect(await outbox()).toEqual([{ id: 'b', op: 'delete', localVersion: 2 }]);
  });

  it('sequence numbers grow with every change, even after rows are removed', async () => {
    store = await openTestStore();
    await store.update(selection({ id: 'a' }));
    const first = (await storeDatabase(store).outbox.toArray())[0]!.seq;
    await storeDatabase(store).outbox.clear();
    await store.update(selection({ id: 'a', status: 'unknown' }));
    expect((await storeDatabase(store).outbox.toArray())[0]!.seq).toBeGreaterThan(first);
  });

  it('is not written when the store is opened with outbox: false', async () => {
    store = await openTestStore({ outbox: false });
    await store.update(selection({ id: 'a' }));
    expect(await outbox()).toEqual([]);
  });
});
