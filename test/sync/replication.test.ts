import { describe, expect, it } from 'vitest';
import type { ImagingSelection } from 'fhir/r5';
import { firstValueFrom } from 'rxjs';
import type { Store } from '../../src/index.js';
import { storeDatabase } from '../../src/store.js';
import { selection } from '../helpers.js';
import { syncHarness } from './harness.js';

/** A token the server of the second run needs on every request; replication sends it through `authorize()`. */
const TOKEN = 'sync-suite-token';

// The whole suite runs twice: against an open server, and against one that needs a bearer token (issue 15),
// so that every request replication makes (push, pull, paging, conditional ones) is known to carry it. A
// FHIR_BASE_URL server (HAPI) is not this package's server and needs no token: it runs once.
const RUNS: { name: string; token?: string }[] = [{ name: 'open server' }, ...(process.env['FHIR_BASE_URL'] ? [] : [{ name: 'server needing a bearer token', token: TOKEN }])];

describe.each(RUNS)('$name', ({ token }) => {
  const h = syncHarness(token !== undefined ? { token } : {});
  const client = (): Promise<Store> => h.client();

  describe('replication over HTTP', () => {
    it('offline create, update, patch and delete reach the server', async () => {
      const store = await client();
      const [a, b] = [h.uid('a'), h.uid('b')];
      await store.update(selection({ id: a, identifier: [{ system: 'urn:t', value: a }] }));
      await store.update(selection({ id: b }));
      await store.update(selection({ id: a, status: 'unknown', identifier: [{ system: 'urn:t', value: a }] }));
      await store.patch('ImagingSelection', a, [{ op: 'replace', path: '/code/text', value: 'patched offline' }]);
      await store.delete('ImagingSelection', b);
      const rep = store.replicate({ baseUrl: h.server.url, ...h.fast });
      expect(await firstValueFrom(rep.pending$)).toBe(1); // b was created and deleted before it was ever sent
      const report = await rep.syncOnce();
      expect(report.pushed.map((p) => `${p.op} ${p.id}`)).toEqual([`create ${a}`]);
      const onServer = await h.remote.read<ImagingSelection>(`ImagingSelection/${a}`);
      expect(onServer?.status).toBe('unknown');
      expect(onServer?.code.text).toBe('patched offline');
      expect((await h.remote.call('GET', `ImagingSelection/${b}`)).status).toBe(404);
      // Later edits go as updates with If-Match.
      await store.delete('ImagingSelection', a);
      await rep.syncOnce();
      expect([404, 410]).toContain((await h.remote.call('GET', `ImagingSelection/${a}`)).status);
      expect(await firstValueFrom(rep.pending$)).toBe(0);
      store.close();
    });

    it('server-side updates and deletes reach the client', async () => {
      const [x, y] = [h.uid('x'), h.uid('y')];
      await h.remote.put(selection({ id: x, status: 'available' }));
      await h.remote.put(selection({ id: y }));
      const store = await client();
      const rep = store.replicate({ baseUrl: h.server.url, ...h.fast });
      await rep.syncOnce();
      expect((await store.read<ImagingSelection>('ImagingSelection', x)).status).toBe('available');
      await h.remote.put(selection({ id: x, status: 'entered-in-error' }));
      await h.remote.del(`ImagingSelection/${y}`);
      const report = await rep.syncOnce();
      expect(report.pulled).toBeGreaterThanOrEqual(2);
      expect((await store.read<ImagingSelection>('ImagingSelection', x)).status).toBe('entered-in-error');
      expect((await store.handle({ method: 'GET', url: `ImagingSelection/${y}` })).status).toBe(410);
      // Pulled writes never re-enter the outbox.
      expect(await storeDatabase(store).outbox.count()).toBe(0);
      store.close();
    });

    it('a second fresh client converges to the same search results', async () => {
      const tag = h.uid('tag');
      const first = await client();
      for (let i = 0; i < 5; i++) await first.update(selection({ id: h.uid('s'), meta: { tag: [{ system: 'urn:conv', code: tag }] } }));
      await first.replicate({ baseUrl: h.server.url, ...h.fast }).syncOnce();
      const second = await client();
      await second.replicate({ baseUrl: h.server.url, ...h.fast }).syncOnce();
      const ids = async (s: Store) => ((await s.search('ImagingSelection', { _tag: `urn:conv|${tag}` })).entry ?? []).map((e) => e.resource!.id).sort();
      expect(await ids(second)).toEqual(await ids(first));
      expect(await ids(second)).toHaveLength(5);
      expect(await h.remote.ids(`ImagingSelection?_tag=urn:conv|${tag}`)).toEqual(await ids(first));
      first.close();
      second.close();
    });

    it('non-overlapping concurrent edits merge; both survive', async () => {
      const id = h.uid('m');
      await h.remote.put(selection({ id, status: 'available', code: { text: 'original' } }));
      const store = await client();
      const rep = store.replicate({ baseUrl: h.server.url, ...h.fast });
      await rep.syncOnce();
      await store.update({ ...(await store.read<ImagingSelection>('ImagingSelection', id)), code: { text: 'changed on the device' } });
      await h.remote.put(selection({ id, status: 'unknown', code: { text: 'original' } }));
      const report = await rep.syncOnce();
      expect(report.conflicts).toEqual([{ type: 'ImagingSelection', id, open: false }]);
      const merged = await h.remote.read<ImagingSelection>(`ImagingSelection/${id}`);
      expect(merged?.status).toBe('unknown');
      expect(merged?.code.text).toBe('changed on the device');
      const local = await store.read<ImagingSelection>('ImagingSelection', id);
      expect([local.status, local.code.text]).toEqual(['unknown', 'changed on the device']);
      store.close();
    });

    it('overlapping edits become an open conflict with both sides kept, until resolved', async () => {
      const id = h.uid('c');
      await h.remote.put(selection({ id, code: { text: 'original' } }));
      const store = await client();
      const rep = store.replicate({ baseUrl: h.server.url, ...h.fast });
      await rep.syncOnce();
      await store.update({ ...(await store.read<ImagingSelection>('ImagingSelection', id)), code: { text: 'device' } });
      await h.remote.put(selection({ id, code: { text: 'server' } }));
      const report = await rep.syncOnce();
      expect(report.conflicts).toEqual([{ type: 'ImagingSelection', id, open: true }]);
      const [conflict] = await firstValueFrom(rep.conflicts$);
      expect(conflict?.elements).toEqual(['code']);
      expect((conflict?.local as ImagingSelection).code.text).toBe('device');
      expect((conflict?.remote as ImagingSelection).code.text).toBe('server');
      expect(await firstValueFrom(rep.pending$)).toBe(0); // held by the conflict
      expect((await h.remote.read<ImagingSelection>(`ImagingSelection/${id}`))?.code.text).toBe('server');
      const resolution: ImagingSelection = { ...(conflict!.local as ImagingSelection), code: { text: 'device and server' } };
      await rep.resolve(conflict!, resolution);
      await rep.syncOnce();
      expect((await h.remote.read<ImagingSelection>(`ImagingSelection/${id}`))?.code.text).toBe('device and server');
      expect(await firstValueFrom(rep.conflicts$)).toEqual([]);
      // Nothing was lost: the server's version stays readable in local history.
      const history = await store.history('ImagingSelection', id);
      expect((history.entry ?? []).map((e) => (e.resource as ImagingSelection | undefined)?.code.text)).toContain('server');
      store.close();
    });

    it('a change the server refuses (422) is dead-lettered and the rest still syncs', async () => {
      const [bad, good] = [h.uid('bad'), h.uid('good')];
      const store = await client();
      await store.update(selection({ id: bad }));
      await store.update(selection({ id: good }));
      // Everything goes to the real server except the refused resource, answered as a stricter server would.
      const refusing: typeof fetch = async (input, init) => {
        if (String(input).endsWith(`/ImagingSelection/${bad}`) && init?.method === 'PUT') {
          return new Response(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing', diagnostics: 'profile violation' }] }), { status: 422, headers: { 'Content-Type': 'application/fhir+json' } });
        }
        return fetch(input, init);
      };
      const rep = store.replicate({ baseUrl: h.server.url, fetch: refusing, ...h.fast });
      const report = await rep.syncOnce();
      expect(report.failed).toEqual([{ type: 'ImagingSelection', id: bad, status: 422 }]);
      expect(report.pushed.map((p) => p.id)).toEqual([good]);
      const [letter] = await firstValueFrom(rep.deadLetters$);
      expect(letter).toMatchObject({ type: 'ImagingSelection', id: bad, status: 422 });
      expect(await firstValueFrom(rep.pending$)).toBe(0);
      store.close();
    });

    it('an unreachable server loses nothing: syncOnce gives up, pending$ counts, it syncs later', async () => {
      const store = await client();
      const id = h.uid('off');
      await store.update(selection({ id }));
      const offline = store.replicate({ baseUrl: 'http://127.0.0.1:9/fhir', ...h.fast });
      await expect(h.time.settle(offline.syncOnce())).rejects.toThrow();
      expect(offline.state).toBe('offline');
      expect(await firstValueFrom(offline.pending$)).toBe(1);
      await store.replicate({ baseUrl: h.server.url, ...h.fast }).syncOnce();
      expect(await h.remote.read(`ImagingSelection/${id}`)).toBeDefined();
      store.close();
    });
  });

  describe('transaction push mode', () => {
    it('pushes a batch as one transaction Bundle, referenced resources first, and maps each entry back', async () => {
      const store = await client();
      const [pat, sel, gone] = [h.uid('p'), h.uid('s'), h.uid('g')];
      await store.update(selection({ id: gone }));
      const rep = store.replicate({ baseUrl: h.server.url, push: 'transaction', ...h.fast });
      await rep.syncOnce();
      await store.update(selection({ id: sel, subject: { reference: `Patient/${pat}` } }));
      await store.update({ resourceType: 'Patient', id: pat });
      await store.delete('ImagingSelection', gone);
      let posts = 0;
      const counting: typeof fetch = async (input, init) => {
        if (init?.method === 'POST') posts++;
        return fetch(input, init);
      };
      const report = await store.replicate({ baseUrl: h.server.url, push: 'transaction', fetch: counting, ...h.fast }).syncOnce();
      expect(posts).toBe(1);
      expect(report.pushed.map((p) => `${p.op} ${p.id}`).sort()).toEqual([`create ${pat}`, `create ${sel}`, `delete ${gone}`].sort());
      expect((await h.remote.read<ImagingSelection>(`ImagingSelection/${sel}`))?.subject?.reference).toBe(`Patient/${pat}`);
      expect([404, 410]).toContain((await h.remote.call('GET', `ImagingSelection/${gone}`)).status);
      expect(await firstValueFrom(rep.pending$)).toBe(0);
      store.close();
    });
  });

  describe('found while documenting sync', () => {
    it('a local edit of meta.tag merges with a server edit of status: both survive', async () => {
      const id = h.uid('meta');
      await h.remote.put(selection({ id }));
      const store = await client();
      const rep = store.replicate({ baseUrl: h.server.url, ...h.fast });
      await rep.syncOnce();
      const cur = await store.read<ImagingSelection>('ImagingSelection', id);
      await store.update({ ...cur, meta: { ...cur.meta, tag: [{ system: 'urn:t', code: 'reviewed' }] } });
      await h.remote.put(selection({ id, status: 'unknown' }));
      await rep.syncOnce();
      const merged = await h.remote.read<ImagingSelection>(`ImagingSelection/${id}`);
      expect(merged?.status).toBe('unknown');
      expect(merged?.meta?.tag).toEqual([{ system: 'urn:t', code: 'reviewed' }]);
      store.close();
    });

    it('an open conflict follows newer server versions', async () => {
      const id = h.uid('rc');
      await h.remote.put(selection({ id, code: { text: 'v1' } }));
      const store = await client();
      const rep = store.replicate({ baseUrl: h.server.url, ...h.fast });
      await rep.syncOnce();
      await store.update({ ...(await store.read<ImagingSelection>('ImagingSelection', id)), code: { text: 'device' } });
      await h.remote.put(selection({ id, code: { text: 'server 2' } }));
      await rep.syncOnce();
      await h.remote.put(selection({ id, code: { text: 'server 3' } }));
      await rep.syncOnce();
      const [conflict] = await firstValueFrom(rep.conflicts$);
      expect((conflict?.remote as ImagingSelection).code.text).toBe('server 3');
      await rep.resolve(conflict!, conflict!.local as ImagingSelection);
      const report = await rep.syncOnce();
      expect(report.conflicts.filter((c) => c.open)).toEqual([]);
      expect((await h.remote.read<ImagingSelection>(`ImagingSelection/${id}`))?.code.text).toBe('device');
      store.close();
    });

    it('stop() ends a backoff wait at once', async () => {
      const store = await client();
      await store.update(selection({ id: h.uid('stop') }));
      const retry = { initialDelay: 10_000, maxDelay: 10_000, maxAttempts: 5 };
      const rep = store.replicate({ baseUrl: 'http://127.0.0.1:9/fhir', retry, environment: h.time.env });
      const done = rep.syncOnce().catch((e: Error) => e);
      await h.time.nextTimer(); // the first attempt failed: the backoff wait is armed
      expect(h.time.armed()).toBe(1);
      rep.stop();
      expect(h.time.armed()).toBe(0);
      expect(await done).toBeInstanceOf(Error);
      expect(rep.state).toBe('idle');
    });
  });

  if (token !== undefined) {
    it('without authorize(), replication is refused (401) and pauses; nothing reaches the server', async () => {
      const store = await client();
      const id = h.uid('noauth');
      await store.update(selection({ id }));
      const { authorize: _, ...noToken } = h.fast;
      const rep = store.replicate({ baseUrl: h.server.url, ...noToken });
      await expect(h.sync(rep)).rejects.toThrow(/401/);
      expect(rep.state).toBe('paused');
      expect(await firstValueFrom(rep.pending$)).toBe(1);
      expect((await h.remote.call('GET', `ImagingSelection/${id}`)).status).toBe(404);
      store.close();
    });
  }
});
