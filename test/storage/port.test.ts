import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Resource } from 'fhir/r5';
import { FhirError } from '../../src/errors/fhir-error.js';
import type { Store } from '../../src/index.js';
import { DexieStoragePort } from '../../src/storage/dexie-port.js';
import { markRowsSent } from '../../src/storage/replica-mutations.js';
import type { WriteResult, WriteSpec } from '../../src/storage/write.js';
import { StalePlanError } from '../../src/storage/write.js';
import { storeDatabase } from '../../src/store.js';
import { openTestStore, selection, snapshot } from '../helpers.js';

let store: Store;
let port: DexieStoragePort;
let notified: WriteResult[][];

beforeEach(async () => {
  store = await openTestStore();
  notified = [];
  port = new DexieStoragePort(storeDatabase(store), { clock: () => new Date('2025-01-01T00:00:00Z'), outbox: true, onCommit: (r) => notified.push(r) });
});
afterEach(() => store.close());

const put = (id: string, extra: Partial<WriteSpec> = {}): WriteSpec => ({ type: 'ImagingSelection', id, kind: 'put', resource: { ...selection(), id } as Resource, index: [], ...extra });

it('plans again after a StalePlanError and tells observers once, after the commit', async () => {
  const attempts: number[] = [];
  const { results } = await port.commit((attempt) => {
    attempts.push(attempt);
    return {
      verify: async () => {
        if (attempt === 0) throw new StalePlanError('changed meanwhile');
      },
      mutations: [{ kind: 'write', specs: [put('a')] }],
    };
  });
  expect(attempts).toEqual([0, 1]);
  expect(results.map((r) => [r.id, r.versionId, r.op])).toEqual([['a', 1, 'create']]);
  expect(notified).toEqual([results]);
  expect((await port.current('ImagingSelection', 'a'))?.versionId).toBe(1);
  expect((await port.pendingChanges(10)).map((r) => [r.id, r.op])).toEqual([['a', 'create']]);
});

it('gives up after 5 plans with a 409 OperationOutcome, and writes nothing', async () => {
  const before = await snapshot(store);
  let plans = 0;
  const commit = port.commit(() => {
    plans++;
    return { mutations: [{ kind: 'write', specs: [put('b', { basedOn: 7 })] }] };
  });
  const error = await commit.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(FhirError);
  expect((error as FhirError).status).toBe(409);
  expect((error as FhirError).outcome.issue[0]?.code).toBe('conflict');
  expect(plans).toBe(5);
  expect(notified).toEqual([]);
  expect(await snapshot(store)).toEqual(before);
});

it('any other error aborts the whole commit: earlier mutations of the plan are not kept', async () => {
  await port.commit(() => ({ mutations: [{ kind: 'write', specs: [put('c')] }] }));
  const before = await snapshot(store);
  notified = [];
  const failing = port.commit(() => ({ mutations: [{ kind: 'write', specs: [put('d')] }, { kind: 'write', specs: [put('c', { ifMatch: 9 })] }] }));
  await expect(failing).rejects.toMatchObject({ status: 412 });
  expect(notified).toEqual([]);
  expect(await snapshot(store)).toEqual(before);
});

it('bookkeeping writes no version and tells observers nothing; a no-op delete is not news either', async () => {
  await port.commit(() => ({ mutations: [{ kind: 'write', specs: [put('e')] }] }));
  notified = [];
  const [row] = await port.pendingChanges(10);
  await port.commit(() => ({ mutations: [markRowsSent([row!]), { kind: 'write', specs: [{ type: 'ImagingSelection', id: 'absent', kind: 'delete' }] }] }));
  expect(notified).toEqual([]);
  expect((await port.pendingChange('ImagingSelection', 'e'))?.sentAt).toBe(Date.parse('2025-01-01T00:00:00Z'));
});

it('claims a push batch in one commit: the oldest pending changes not held and not skipped, each with its current row, marked sent; the rest untouched', async () => {
  await port.commit(() => ({ mutations: [{ kind: 'write', specs: ['p1', 'p2', 'p3', 'p4', 'p5'].map((id) => put(id)) }] }));
  const db = storeDatabase(store);
  await db.outbox.update(['ImagingSelection', 'p2'], { hold: 'dead' });
  notified = [];
  const claimed = await port.claimPendingChanges(2, (row) => row.id === 'p3');
  expect(claimed.map(({ row, current }) => [row.id, current?.resource?.id, row.sentAt])).toEqual([
    ['p1', 'p1', Date.parse('2025-01-01T00:00:00Z')],
    ['p4', 'p4', Date.parse('2025-01-01T00:00:00Z')],
  ]);
  expect(notified).toEqual([]);
  const sent = (await db.outbox.toArray()).map((r) => [r.id, r.sentAt !== undefined]);
  expect(sent).toEqual([['p1', true], ['p2', false], ['p3', false], ['p4', true], ['p5', false]]);
  // Nothing pending: nothing claimed (and no read-write transaction opened).
  await db.outbox.clear();
  expect(await port.claimPendingChanges(10, () => false)).toEqual([]);
});
