import type { ImagingSelection } from 'fhir/r5';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { FhirError, type Store } from '../../src/index.js';
import { selection } from '../helpers.js';
import { syncHarness } from './harness.js';

// Over real HTTP, through the fault proxy (which logs every request) to the package's own server.
const h = syncHarness({ proxy: true });
const IS = 'ImagingSelection';

/** Three selections on the server, issued in 2019, 2020 and 2026, tagged with this test's own identifier. */
async function seedServer(tag: string): Promise<Record<'old1' | 'old2' | 'new1', string>> {
  const ids = { old1: h.uid('old1'), old2: h.uid('old2'), new1: h.uid('new1') };
  const issued = { old1: '2019-03-01T00:00:00Z', old2: '2020-03-01T00:00:00Z', new1: '2026-03-01T00:00:00Z' };
  for (const k of ['old1', 'old2', 'new1'] as const) {
    const put = await h.remote.put(selection({ id: ids[k], issued: issued[k], identifier: [{ system: 'urn:test', value: tag }], code: { text: `${k} on the server` } }));
    expect(put.status).toBe(201);
  }
  return ids;
}

const status = async (store: Store, id: string): Promise<number> =>
  store.read(IS, id).then(
    () => 200,
    (e: unknown) => (e as FhirError).status,
  );

describe('purge and retention against a real server', () => {
  it('a device purges old selections and keeps pulling: the server keeps them, no DELETE is sent, a pending edit survives and is pushed, a purged resource updated on the server comes back', async () => {
    const tag = h.uid('tag');
    const ids = await seedServer(tag);
    const store = await h.client();
    const rep = store.replicate({ baseUrl: h.proxy.url, ...h.fast });
    await h.sync(rep);
    expect((await store.read(IS, ids.old1)).code?.text).toBe('old1 on the server');

    // A local edit waits to be pushed when the purge runs.
    const old2 = await store.read(IS, ids.old2);
    await store.update({ ...old2, code: { text: 'reviewed offline' } });
    const summary = await store.purge({ ImagingSelection: `issued=lt2025-01-01&identifier=urn:test|${tag}` });
    expect(summary).toEqual({ purged: 1, skipped: [{ type: IS, id: ids.old2, reason: 'pending' }] });
    expect(await status(store, ids.old1)).toBe(404);
    expect(await firstValueFrom(store.syncState$(IS, ids.old1))).toBe('evicted');

    // The next cycle pushes the edit, sends no DELETE, and does not bring the purged resource back.
    const report = await h.sync(rep);
    expect(report.pushed.map((p) => p.id)).toEqual([ids.old2]);
    expect(h.proxy.count('DELETE')).toBe(0);
    expect(await status(store, ids.old1)).toBe(404);
    expect((await h.remote.read<ImagingSelection>(`${IS}/${ids.old1}`))?.code?.text).toBe('old1 on the server');
    expect((await h.remote.read<ImagingSelection>(`${IS}/${ids.old2}`))?.code?.text).toBe('reviewed offline');
    expect((await store.search(IS, { identifier: `urn:test|${tag}` })).entry?.map((e) => e.resource?.id).sort()).toEqual([ids.new1, ids.old2].sort());

    // Changed on the server: it comes back as a fresh resource on the next pull.
    const serverOld1 = (await h.remote.read<ImagingSelection>(`${IS}/${ids.old1}`))!;
    expect((await h.remote.put({ ...serverOld1, code: { text: 'old1 amended' } } as ImagingSelection)).status).toBe(200);
    await h.sync(rep);
    expect((await store.read(IS, ids.old1)).code?.text).toBe('old1 amended');
    expect(await firstValueFrom(store.syncState$(IS, ids.old1))).toBe('synced');
    expect(h.proxy.count('DELETE')).toBe(0);
    rep.stop();
  });

  it('retention evicts what is older than its window after each pull; an expired resource changed on the server stays out', async () => {
    const tag = h.uid('tag');
    const ids = await seedServer(tag);
    const store = await h.client();
    // The test store's clock reads 2025-01-01: a year's window keeps the 2026 selection only.
    const rep = store.replicate({ baseUrl: h.proxy.url, ...h.fast, retention: { ImagingSelection: { olderThan: 'P1Y', field: 'issued' } } });
    const report = await h.sync(rep);
    expect(report.expired).toBeGreaterThanOrEqual(2);
    expect(await status(store, ids.old1)).toBe(404);
    expect(await status(store, ids.old2)).toBe(404);
    expect(await status(store, ids.new1)).toBe(200);

    const serverOld1 = (await h.remote.read<ImagingSelection>(`${IS}/${ids.old1}`))!;
    await h.remote.put({ ...serverOld1, code: { text: 'old1 amended' } } as ImagingSelection);
    const again = await h.sync(rep);
    expect(again.pulled).toBeGreaterThanOrEqual(1);
    expect(again.expired).toBe(1);
    expect(await status(store, ids.old1)).toBe(404);
    expect(h.proxy.count('DELETE')).toBe(0);
    expect(await h.remote.read(`${IS}/${ids.old2}`)).toBeDefined();
    expect(await rep.expire()).toEqual({ expired: 0, skipped: [] });
    rep.stop();
  });

  it('refuses a retention option that cannot work at once', async () => {
    const store = await h.client();
    expect(() => store.replicate({ baseUrl: h.proxy.url, retention: { ImagingSelection: { olderThan: '90 days' } } })).toThrow(/olderThan must be an ISO 8601 duration/);
  });
});
