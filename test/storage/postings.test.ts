import fc from 'fast-check';
import type { FhirResource } from 'fhir/r5';
import { expect, it, vi } from 'vitest';
import { storeDatabase, syncContextOf } from '../../src/store.js';
import type { Store } from '../../src/index.js';
import { openTestStore, selection } from '../helpers.js';

/*
 * A write stores a resource's full-text documents at once and their postings later (the background writer, or
 * `flushIndex`). `_text` and `_content` must answer the same whether the postings are written or not.
 */

type Op = { kind: 'put' | 'delete' | 'flush'; slot: number; words: string };

const WORDS = ['', 'liver', 'liver lesion', 'kidney cyst left', 'lesion of the kidney'];
const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('put', 'put', 'put', 'delete', 'flush'),
  slot: fc.integer({ min: 0, max: 5 }),
  words: fc.constantFrom(...WORDS),
});

const QUERIES = ['_text=liver', '_content=kidney', '_text=lesion,cyst', '_content=liver lesion', '_text=kidney&_sort=-_score,_id', '_content=left'];

const narrative = (words: string) => (words ? { text: { status: 'generated' as const, div: `<div xmlns="http://www.w3.org/1999/xhtml">${words}</div>` } } : {});
const resourceOf = (op: Op): FhirResource => selection({ id: `s${op.slot}`, ...narrative(op.words), ...(op.words ? { code: { text: op.words } } : {}) });

async function apply(store: Store, op: Op): Promise<void> {
  if (op.kind === 'put') await store.update(resourceOf(op));
  else if (op.kind === 'delete') await store.delete('ImagingSelection', `s${op.slot}`);
  else await store.flushIndex();
}

const answers = async (store: Store): Promise<string[][]> =>
  Promise.all(QUERIES.map(async (q) => ((await store.search('ImagingSelection', q)).entry ?? []).map((e) => `${e.resource!.id}:${e.search?.score ?? ''}`)));

async function pendingCount(store: Store): Promise<number> {
  return storeDatabase(store).texts.where('pending').equals('ImagingSelection').count();
}

it('full-text searches answer the same with postings pending, written, or some of each', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 14 }), async (ops) => {
      // One store flushed after every write (the postings path), one only where the ops say (both paths mixed).
      const posted = await openTestStore({ name: 'posted' });
      const mixed = await openTestStore({ name: 'mixed' });
      for (const op of ops) {
        await apply(posted, op);
        await posted.flushIndex();
        await apply(mixed, op);
      }
      expect(await pendingCount(posted)).toBe(0);
      const expected = await answers(posted);
      expect(await answers(mixed)).toEqual(expected);
      await mixed.flushIndex();
      expect(await pendingCount(mixed)).toBe(0);
      expect(await answers(mixed)).toEqual(expected);
      posted.close();
      mixed.close();
    }),
    { numRuns: 40 },
  );
});

it('a write leaves its text row pending (documents only); flushIndex writes its postings and nothing else', async () => {
  const store = await openTestStore();
  await store.update(selection({ id: 'a', ...narrative('liver lesion') }));
  const db = storeDatabase(store);
  const [row] = await db.texts.toArray();
  expect(row).toMatchObject({ type: 'ImagingSelection', id: 'a', pending: 'ImagingSelection' });
  expect(row).not.toHaveProperty('tx');
  const resources = await db.resources.toArray();
  const history = await db.history.toArray();

  await store.flushIndex();
  const [after] = await db.texts.toArray();
  expect(after).not.toHaveProperty('pending');
  expect(after!.docs).toBe(row!.docs);
  expect(after!.tx).toEqual(expect.arrayContaining([expect.stringMatching(/liver$/), expect.stringMatching(/lesion$/)]));
  expect(await db.resources.toArray()).toEqual(resources);
  expect(await db.history.toArray()).toEqual(history);
  store.close();
});

it('the background writer posts every pending row, in chunks, once the store is quiet', async () => {
  const store = await openTestStore();
  const entry = Array.from({ length: 230 }, (_, i) => ({
    resource: selection({ id: `b${i}`, ...narrative(i % 2 === 0 ? 'liver' : 'kidney') }),
    request: { method: 'PUT' as const, url: `ImagingSelection/b${i}` },
  }));
  await store.transaction({ resourceType: 'Bundle', type: 'transaction', entry });
  // (Whether any are still pending at this point depends on timing; that a write leaves them pending is the
  // test above.)
  await vi.waitFor(async () => expect(await pendingCount(store)).toBe(0), { timeout: 10_000, interval: 50 });
  expect(await storeDatabase(store).texts.where('tx').equals((await storeDatabase(store).texts.toArray())[0]!.tx![0]!).count()).toBeGreaterThan(0);
  const bundle = await store.search('ImagingSelection', '_text=liver&_count=0&_total=accurate');
  expect(bundle.total).toBe(115);
  store.close();
});

it('a commit whose planning outlasts the quiet period keeps the writer waiting until it is over (a pulled chunk)', async () => {
  const store = await openTestStore();
  await store.update(selection({ id: 'slow', ...narrative('liver') }));
  const storage = syncContextOf(store).storage;
  // Planned for longer than the 250 ms quiet period, as validating and indexing a chunk of 1,000 pulled resources is.
  const { value: pendingWhilePlanning } = await storage.commit(async () => {
    await new Promise((resolve) => setTimeout(resolve, 600));
    const pending = await pendingCount(store);
    return { mutations: [], after: () => pending };
  });
  expect(pendingWhilePlanning).toBe(1);
  // Once it is over, the store is quiet again and the writer posts the row.
  await vi.waitFor(async () => expect(await pendingCount(store)).toBe(0), { timeout: 10_000, interval: 50 });
  store.close();
});

it('a store closed with rows pending neither fails nor posts them; the next open posts them', async () => {
  const first = await openTestStore({ name: 'reopen' });
  await first.update(selection({ id: 'c', ...narrative('kidney') }));
  const db = storeDatabase(first);
  expect(await pendingCount(first)).toBe(1);
  first.close();
  await expect(first.flushIndex()).resolves.toBeUndefined();

  // Same IndexedDB factory: reopen through the same Dexie database's factory.
  const reopened = await openTestStore({ name: 'reopen', indexedDB: db._options.indexedDB as IDBFactory });
  // Found whether or not the writer of the new session has posted it yet.
  expect((await reopened.search('ImagingSelection', '_text=kidney')).entry?.map((e) => e.resource!.id)).toEqual(['c']);
  await vi.waitFor(async () => expect(await pendingCount(reopened)).toBe(0), { timeout: 10_000, interval: 50 });
  reopened.close();
});
