import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import type { Bundle } from 'fhir/r5';
import { firstValueFrom, filter, shareReplay, take, tap, toArray, type Observable } from 'rxjs';
import { afterEach, expect, it } from 'vitest';
import { openStore, sequentialIds, steppingClock, type Store, type StoreChange } from '../../src/index.js';
import { selection } from '../helpers.js';

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

async function open(indexedDB: IDBFactory, prefix: string): Promise<Store> {
  const s = await openStore({ name: 'live', indexedDB, IDBKeyRange, clock: steppingClock(), idGenerator: sequentialIds(prefix) });
  stores.push(s);
  return s;
}

const ids = (b: Bundle): string[] => (b.entry ?? []).map((e) => e.resource!.id!).sort();

it('changes$ reports every committed change with its version and origin', async () => {
  const store = await open(new IDBFactory(), 'a');
  const seen = firstValueFrom(store.changes$.pipe(take(3), toArray()));
  await store.update(selection({ id: 'x' }));
  await store.update(selection({ id: 'x', status: 'unknown' }));
  await store.delete('ImagingSelection', 'x');
  await store.delete('ImagingSelection', 'x'); // no change: not reported
  expect(await seen).toEqual<StoreChange[]>([
    { type: 'ImagingSelection', id: 'x', versionId: 1, op: 'create', origin: 'local' },
    { type: 'ImagingSelection', id: 'x', versionId: 2, op: 'update', origin: 'local' },
    { type: 'ImagingSelection', id: 'x', versionId: 3, op: 'delete', origin: 'local' },
  ]);
});

/** Resolves with the first emission of `source` that passes `test`: waits for the emission itself, never for the clock. */
const emitted = <T>(source: Observable<T>, test: (value: T) => boolean): Promise<T> => firstValueFrom(source.pipe(filter(test)));

it('watch emits the search now and again after a change that alters it', async () => {
  const store = await open(new IDBFactory(), 'a');
  await store.update(selection({ id: 'a', identifier: [{ system: 'urn:x', value: '1' }] }));
  const watched = store.watch('ImagingSelection', { identifier: 'urn:x|1' }).pipe(shareReplay(1));
  const sub = watched.subscribe();
  expect(ids(await firstValueFrom(watched))).toEqual(['a']);
  await store.update(selection({ id: 'b', identifier: [{ system: 'urn:x', value: '1' }] }));
  expect(ids(await emitted(watched, (b) => ids(b).length === 2))).toEqual(['a', 'b']);
  sub.unsubscribe();
});

it('watch sees writes made through another store instance on the same database (another tab)', async () => {
  const indexedDB = new IDBFactory();
  const tab1 = await open(indexedDB, 'a');
  const tab2 = await open(indexedDB, 'b');
  const latest = tab1.watch('ImagingSelection', { status: 'unknown' });
  const first = firstValueFrom(latest);
  expect(ids(await first)).toEqual([]);
  const next = firstValueFrom(latest.pipe(filter((b) => (b.entry ?? []).length > 0)));
  await tab2.update(selection({ id: 'from-tab-2', status: 'unknown' }));
  expect(ids(await next)).toEqual(['from-tab-2']);
});

it('a burst of writes is throttled into few emissions', async () => {
  const store = await open(new IDBFactory(), 'a');
  let count = 0;
  const watched = store.watch('ImagingSelection').pipe(
    tap(() => count++),
    shareReplay(1),
  );
  const sub = watched.subscribe();
  await firstValueFrom(watched);
  for (let i = 0; i < 40; i++) await store.update(selection({ id: `s${i}` }));
  // The throttle's trailing emission carries the last write: once it came, every emission of the burst has.
  await emitted(watched, (b) => ids(b).length === 40);
  expect(count).toBeLessThan(20);
  sub.unsubscribe();
});

it('watch keeps updating while other live queries (pending$) are subscribed', async () => {
  const store = await open(new IDBFactory(), 'a');
  const watched = store.watch('ImagingSelection', { status: 'unknown' }).pipe(shareReplay(1));
  const subs = [watched.subscribe()];
  await store.update(selection({ id: 'a', status: 'unknown' }));
  await emitted(watched, (b) => ids(b).length === 1);
  subs.push(store.replicate({ baseUrl: 'http://127.0.0.1:9/fhir' }).pending$.subscribe(() => {}));
  await store.update(selection({ id: 'b', status: 'unknown' }));
  await emitted(watched, (b) => ids(b).length === 2);
  await store.update(selection({ id: 'b', status: 'available' }));
  expect(ids(await emitted(watched, (b) => ids(b).length === 1))).toEqual(['a']);
  for (const s of subs) s.unsubscribe();
});
