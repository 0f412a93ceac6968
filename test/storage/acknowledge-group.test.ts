import { afterEach, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Store } from '../../src/index.js';
import { acknowledge, acknowledgeAll, type Confirmation } from '../../src/storage/outbox.js';
import type { OutboxOp, OutboxRow, RemoteVersionRow } from '../../src/storage/rows.js';
import type { StoreDatabase } from '../../src/storage/schema.js';
import { storeDatabase } from '../../src/store.js';
import { openTestStore } from '../helpers.js';

/*
 * A group of confirmations recorded in one commit (`acknowledgeAll`) leaves the outbox and the held server
 * versions exactly as acknowledging them one by one (`acknowledge`) does, whatever the outbox holds when the
 * answers arrive: the row as sent, an edit made during the flight (a later seq, another op), or no row.
 */

const stores: Store[] = [];
afterEach(() => stores.splice(0).forEach((s) => s.close()));

const OPS: OutboxOp[] = ['create', 'update', 'delete'];

/** What one resource of the group is at the time the answers arrive. */
interface Case {
  sent: OutboxOp;
  /** The outbox row then: gone, still the one sent, or edited during the flight into `op`. */
  now: { kind: 'gone' } | { kind: 'as sent' } | { kind: 'edited'; op: OutboxOp };
  version: string | undefined;
  lastUpdated: string | undefined;
  /** A server version held before the push. */
  heldBefore: boolean;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  sent: fc.constantFrom(...OPS),
  now: fc.oneof(fc.constant({ kind: 'gone' as const }), fc.constant({ kind: 'as sent' as const }), fc.record({ kind: fc.constant('edited' as const), op: fc.constantFrom(...OPS) })),
  version: fc.option(fc.integer({ min: 1, max: 9 }).map(String), { nil: undefined }),
  lastUpdated: fc.option(fc.constantFrom('2025-06-01T00:00:00.123Z', '2025-06-02T10:00:00.000Z'), { nil: undefined }),
  heldBefore: fc.boolean(),
});

/** Seeds the outbox and the held versions of `cases`; returns the rows as they were sent. */
async function seed(db: StoreDatabase, cases: Case[]): Promise<Confirmation[]> {
  const confirmed: Confirmation[] = [];
  for (const [i, c] of cases.entries()) {
    const sent: OutboxRow = { type: 'ImagingSelection', id: `r${i}`, op: c.sent, seq: 10 + i, localVersion: 2, firstChangedAt: 1, sentAt: 5, ...(c.sent !== 'create' ? { baseVersion: '1' } : {}) };
    if (c.now.kind === 'as sent') await db.outbox.put(sent);
    if (c.now.kind === 'edited') await db.outbox.put({ ...sent, op: c.now.op, seq: 100 + i, localVersion: 3 });
    if (c.heldBefore) await db.remote.put({ type: sent.type, id: sent.id, version: '1', localVersion: 1, deleted: false } satisfies RemoteVersionRow);
    confirmed.push({ row: sent, version: c.version, lastUpdated: c.lastUpdated });
  }
  return confirmed;
}

async function tables(db: StoreDatabase): Promise<unknown> {
  return { outbox: await db.outbox.toArray(), remote: await db.remote.toArray() };
}

it('a group acknowledged in one commit leaves outbox and held versions as one acknowledgement after another', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(caseArb, { minLength: 1, maxLength: 8 }), async (cases) => {
      const [one, group] = [await openTestStore(), await openTestStore()];
      stores.push(one, group);
      const [a, b] = [storeDatabase(one), storeDatabase(group)];
      const [sentA, sentB] = [await seed(a, cases), await seed(b, cases)];
      await a.transaction('rw', [a.outbox, a.remote], async () => {
        for (const c of sentA) await acknowledge(a, c.row, c.version, c.lastUpdated);
      });
      await b.transaction('rw', [b.outbox, b.remote], () => acknowledgeAll(b, sentB));
      expect(await tables(b)).toEqual(await tables(a));
      one.close();
      group.close();
    }),
    { numRuns: 60, seed: 1404 },
  );
});

it('a resource named twice in one group is acknowledged in order, as one by one', async () => {
  const [one, group] = [await openTestStore(), await openTestStore()];
  stores.push(one, group);
  const cases: Case[] = [{ sent: 'create', now: { kind: 'edited', op: 'create' }, version: '1', lastUpdated: undefined, heldBefore: false }];
  const [a, b] = [storeDatabase(one), storeDatabase(group)];
  const [[first], [firstB]] = [await seed(a, cases), await seed(b, cases)];
  // The second confirmation is of the edit (its seq), answered after the first.
  const second = (c: Confirmation): Confirmation => ({ row: { ...c.row, seq: 100, localVersion: 3 }, version: '2', lastUpdated: undefined });
  await a.transaction('rw', [a.outbox, a.remote], async () => {
    await acknowledge(a, first!.row, first!.version);
    await acknowledge(a, second(first!).row, '2');
  });
  await b.transaction('rw', [b.outbox, b.remote], () => acknowledgeAll(b, [firstB!, second(firstB!)]));
  expect(await tables(b)).toEqual(await tables(a));
  expect(await b.outbox.count()).toBe(0);
  expect((await b.remote.get(['ImagingSelection', 'r0']))?.version).toBe('2');
});
