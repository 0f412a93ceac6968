import { firstValueFrom, toArray } from 'rxjs';
import { expect, it } from 'vitest';
import { openTestStore, selection } from '../helpers.js';

/* In Node there is no Storage API: `storage$` says nothing it cannot know. Chromium: test/browser/storage-state.test.ts. */

it('storage$ in Node: one value with no field, completed when the store closes; persist: true opens as usual', async () => {
  const store = await openTestStore({ persist: true });
  expect(await firstValueFrom(store.storage$)).toEqual({});
  const all = firstValueFrom(store.storage$.pipe(toArray()));
  await store.update(selection({ id: 'a' }));
  store.close();
  // Later estimates equal to the first are not emitted again.
  expect(await all).toEqual([{}]);
});
