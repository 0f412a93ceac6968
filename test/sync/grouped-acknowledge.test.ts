import { describe, expect, it } from 'vitest';
import type { ImagingSelection } from 'fhir/r5';
import { firstValueFrom } from 'rxjs';
import type { Store } from '../../src/index.js';
import { DexieStoragePort } from '../../src/storage/dexie-port.js';
import { storeDatabase } from '../../src/store.js';
import { PushAcknowledger } from '../../src/sync/push-acknowledger.js';
import type { SyncContext } from '../../src/sync/context.js';
import { syncHarness } from './harness.js';
import { when } from './proxy.js';

/*
 * Confirmations recorded in groups (several answers, one commit) keep the push's guarantees: a change is
 * reported pushed only once recorded; what the server answered before a failure is recorded before the failure
 * is; an edit made while its request was in flight stays pending and goes next; nothing is lost or duplicated.
 */

const h = syncHarness({ proxy: true, maxAttempts: 4 });
const IS = 'ImagingSelection';

async function selections(store: Store, count: number): Promise<ImagingSelection[]> {
  const out: ImagingSelection[] = [];
  for (let i = 0; i < count; i++) out.push(await store.create<ImagingSelection>({ resourceType: IS, status: 'available', code: { text: `S${i}` } }));
  return out;
}

/** Every selection is on the server once, with the device's current content, and the device holds the server's version. */
async function converged(store: Store, ids: string[]): Promise<void> {
  for (const id of ids) {
    const local = (await store.read<ImagingSelection>(IS, id))!;
    const onServer = (await h.remote.read<ImagingSelection>(`${IS}/${id}`))!;
    expect(onServer.code).toEqual(local.code);
    expect((await storeDatabase(store).remote.get([IS, id]))?.version).toBe(onServer.meta?.versionId);
  }
  expect(await storeDatabase(store).outbox.count()).toBe(0);
}

describe('grouped acknowledgements', () => {
  it('answers that arrive together are recorded in one commit, and each is reported only once recorded', async () => {
    const store = await h.client('group');
    const created = await selections(store, 5);
    const db = storeDatabase(store);
    const commits: number[] = [];
    const port = new DexieStoragePort(db, { clock: () => new Date(), outbox: true, onCommit: () => {} });
    const counted = Object.create(port) as DexieStoragePort;
    counted.commit = (plan) => {
      commits.push(commits.length);
      return port.commit(plan);
    };
    const acks = new PushAcknowledger({ storage: counted } as unknown as SyncContext);
    const rows = (await port.pendingChanges(10)).filter((r) => created.some((c) => c.id === r.id));
    const recorded = rows.map((r, i) =>
      acks.confirm(r, String(i + 1), undefined).then(async () => {
        // Reported (resolved) only once its outbox row is gone and its version held.
        expect(await db.outbox.get([IS, r.id])).toBeUndefined();
        expect((await db.remote.get([IS, r.id]))?.version).toBe(String(i + 1));
      }),
    );
    await Promise.all(recorded);
    await acks.settled();
    expect(rows).toHaveLength(5);
    expect(commits).toHaveLength(1);
  });

  it('the server down mid-group, an edit during the flight, then an answer lost: nothing lost or duplicated', async () => {
    const store = await h.client('faults');
    const created = await selections(store, 24);
    const ids = created.map((s) => s.id!);
    const edited = ids[3]!;
    let edit: Promise<unknown> | undefined;
    let writesSeen = 0;
    h.proxy.rules.push(
      // The user edits a resource while its PUT is in flight (the request is held long enough).
      when(
        { test: (r) => r.path === `${IS}/${edited}` },
        () => {
          edit ??= store.read<ImagingSelection>(IS, edited).then((s) => store.update({ ...s!, code: { text: 'edited during the flight' } }));
          return { delayMs: 40 };
        },
        1,
      ),
      // After 10 writes the server goes away for 8 requests (in flight together: several answered ones are
      // still being recorded when the first refusal comes).
      (r) => {
        if (r.method === 'GET') return undefined;
        writesSeen++;
        return writesSeen > 10 && writesSeen <= 18 ? 'refuse' : { delayMs: (writesSeen * 7) % 13 };
      },
    );
    const rep = store.replicate({ baseUrl: h.proxy.url, pushConcurrency: 6, resourceTypes: [IS], ...h.fast, retry: { initialDelay: 5, maxDelay: 50, maxAttempts: 1 } });
    await expect(h.sync(rep)).rejects.toThrow();
    await edit;

    // What the server answered before it went away is recorded: those rows are no longer pending (but for the
    // edited one, which stays as an update of the confirmed version).
    const answered = h.proxy.log.filter((r) => r.method === 'PUT' && r.action === 'forward' && r.status !== undefined && r.status < 300).map((r) => r.path.split('/')[1]!);
    expect(answered.length).toBeGreaterThan(0);
    for (const id of answered) {
      const pending = await storeDatabase(store).outbox.get([IS, id]);
      if (id === edited) expect(pending?.op).toBe('update');
      else expect(pending).toBeUndefined();
      expect((await storeDatabase(store).remote.get([IS, id]))?.version).toBeDefined();
    }
    expect(await firstValueFrom(rep.pending$)).toBeGreaterThan(0);

    expect(writesSeen).toBeGreaterThan(10);
    // The server is back, but the answer to one request is lost after the server committed it (retried).
    const unsent = ids.find((id) => !answered.includes(id))!;
    h.proxy.rules.splice(0, h.proxy.rules.length, when({ test: (r) => r.path === `${IS}/${unsent}` }, 'drop-after-forward', 1), when({ test: (r) => r.method !== 'GET' }, { delayMs: 5 }));
    rep.stop();
    const again = store.replicate({ baseUrl: h.proxy.url, pushConcurrency: 6, resourceTypes: [IS], ...h.fast });
    const report = await h.sync(again);
    expect(report.failed).toEqual([]);
    expect(report.conflicts).toEqual([]);
    expect(report.pushed.map((p) => p.id)).toContain(edited);
    await converged(store, ids);
    expect((await h.remote.read<ImagingSelection>(`${IS}/${edited}`))?.code?.text).toBe('edited during the flight');
    expect(await firstValueFrom(again.pending$)).toBe(0);
    expect(await firstValueFrom(again.deadLetters$)).toEqual([]);
    expect(h.proxy.log.filter((r) => r.action === 'drop-after-forward')).toHaveLength(1);
    // One resource per id on the server: a retried PUT makes a new version, never a second resource.
    const total = await h.remote.call('GET', `${IS}?_id=${ids.join(',')}&_summary=count`);
    expect((total.body as { total?: number }).total).toBe(ids.length);
  });

  it('put mode reads the next batch while one is in flight, never with a resource of it: an edit made during the flight goes in the same pass, on the confirmed version', async () => {
    const store = await h.client('read-ahead');
    const created = await selections(store, 6);
    const ids = created.map((s) => s.id!);
    const [held] = ids;
    const db = storeDatabase(store);
    let edit: Promise<unknown> | undefined;
    let probe: Promise<({ sentAt?: number } | undefined)[]> | undefined;
    h.proxy.rules.push(
      when(
        { method: 'PUT', test: (r) => r.path === `${IS}/${held}` },
        () => {
          // While the first batch's request is held: the user edits its resource, and the second batch (the
          // other three) has been read and marked sent by then.
          edit ??= store.read<ImagingSelection>(IS, held!).then((s) => store.update({ ...s!, code: { text: 'edited during the flight' } }));
          probe ??= new Promise((resolve) => setTimeout(resolve, 60)).then(() => db.outbox.bulkGet(ids.slice(3).map((id) => [IS, id])));
          return { delayMs: 120 };
        },
        1,
      ),
    );
    const rep = store.replicate({ baseUrl: h.proxy.url, batchSize: 3, pushConcurrency: 2, resourceTypes: [IS], ...h.fast });
    const report = await h.sync(rep);
    await edit;
    expect(report.failed).toEqual([]);
    // The next batch was read ahead while the first was in flight.
    expect((await probe)!.map((r) => r?.sentAt !== undefined)).toEqual([true, true, true]);
    // The edit went in the same pass, after its first PUT was answered, with If-Match on the version confirmed.
    const puts = h.proxy.log.filter((r) => r.method === 'PUT' && r.path === `${IS}/${held}`);
    expect(puts).toHaveLength(2);
    expect(puts[0]!.headers['if-match']).toBeUndefined();
    expect(puts[1]!.headers['if-match']).toBe('W/"1"');
    await converged(store, ids);
    expect((await h.remote.read<ImagingSelection>(`${IS}/${held}`))?.code?.text).toBe('edited during the flight');
  });

  it('transaction mode: a Bundle acknowledged while the next goes; an edit made during its flight goes in a later Bundle', async () => {
    const store = await h.client('tx');
    const created = await selections(store, 30);
    const ids = created.map((s) => s.id!);
    const edited = ids[2]!;
    let edit: Promise<unknown> | undefined;
    let bundles = 0;
    h.proxy.rules.push(
      when({ method: 'POST', path: '' }, () => {
        bundles++;
        // The first Bundle's answer is lost once; the edit is made while the second one is in flight.
        if (bundles === 2) edit ??= store.read<ImagingSelection>(IS, edited).then((s) => store.update({ ...s!, code: { text: 'edited during the flight' } }));
        return bundles === 1 ? 'drop-after-forward' : { delayMs: 20 };
      }),
    );
    const rep = store.replicate({ baseUrl: h.proxy.url, push: 'transaction', batchSize: 10, resourceTypes: [IS], ...h.fast });
    const report = await h.sync(rep);
    await edit;
    expect(report.failed).toEqual([]);
    await h.sync(rep);
    await converged(store, ids);
    expect((await h.remote.read<ImagingSelection>(`${IS}/${edited}`))?.code?.text).toBe('edited during the flight');
    const total = await h.remote.call('GET', `${IS}?_id=${ids.join(',')}&_summary=count`);
    expect((total.body as { total?: number }).total).toBe(ids.length);
  });
});
