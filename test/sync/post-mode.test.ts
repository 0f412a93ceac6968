import { describe, expect, it } from 'vitest';
import type { Bundle, ImagingSelection, Patient, Resource } from 'fhir/r5';
import { firstValueFrom } from 'rxjs';
import type { Store, StoreChange } from '../../src/index.js';
import { selection } from '../helpers.js';
import { syncHarness } from './harness.js';
import { when } from './proxy.js';

/*
 * `push: 'post'`: the server names what the device creates. A create is a POST carrying the identifier
 * `urn:ietf:rfc:3986|urn:uuid:<local id>` with If-None-Exist on it; the local resource takes the server's id and
 * every local reference to it follows. Runs against FHIR_BASE_URL when set (HAPI assigns numeric ids).
 */

const h = syncHarness({ proxy: true });
const client = (): Promise<Store> => h.client('local');
const IS = 'ImagingSelection';
const LOCAL_SYSTEM = 'urn:ietf:rfc:3986';

/** Resources on the server carrying the identifier of a local id. */
async function serverCopies(type: string, localId: string): Promise<Resource[]> {
  const res = await h.remote.call('GET', `${type}?identifier=${encodeURIComponent(`${LOCAL_SYSTEM}|urn:uuid:${localId}`)}`);
  return (((res.body as Bundle).entry ?? []).filter((e) => e.search?.mode !== 'outcome').map((e) => e.resource!));
}

describe("push: 'post'", () => {
  it('creates take the server ids; history moves with them; references follow, locally and on the server', async () => {
    const store = await client();
    const patient = await store.create<Patient>({ resourceType: 'Patient', name: [{ family: 'Offline' }] });
    const sel = await store.create<ImagingSelection>(selection({ subject: { reference: `Patient/${patient.id}` } }));
    await store.update({ ...sel, status: 'unknown' }); // two local versions before the first push
    const changes: StoreChange[] = [];
    const sub = store.changes$.subscribe((c) => changes.push(c));

    const rep = store.replicate({ baseUrl: h.proxy.url, push: 'post', resourceTypes: [IS], ...h.fast });
    const report = await h.sync(rep);
    sub.unsubscribe();

    const pat = report.pushed.find((p) => p.localId === patient.id)!;
    const is = report.pushed.find((p) => p.localId === sel.id)!;
    expect(pat.id).not.toBe(patient.id);
    expect(is.id).not.toBe(sel.id);
    // Referenced first, each with If-None-Exist on its local identifier, no id in the body.
    const posts = h.proxy.requests('POST');
    expect(posts.map((r) => r.path)).toEqual(['Patient', IS]);
    expect(posts[0]!.headers['if-none-exist']).toBe(`identifier=${encodeURIComponent(`${LOCAL_SYSTEM}|urn:uuid:${patient.id}`)}`);

    // Locally: the old ids are gone, the new ones hold the resources, with their whole history.
    expect((await store.handle({ method: 'GET', url: `Patient/${patient.id}` })).status).toBe(404);
    expect((await store.handle({ method: 'GET', url: `${IS}/${sel.id}` })).status).toBe(404);
    const localSel = await store.read<ImagingSelection>(IS, is.id);
    expect(localSel.id).toBe(is.id);
    expect(localSel.status).toBe('unknown');
    expect(localSel.subject?.reference).toBe(`Patient/${pat.id}`);
    expect(localSel.identifier).toContainEqual({ system: LOCAL_SYSTEM, value: `urn:uuid:${sel.id}` });
    const versions = await store.history(IS, is.id);
    expect(versions.entry?.map((e) => e.resource?.id)).toEqual([is.id, is.id, is.id]); // 2 local + the rewrite of the reference
    expect((await store.search(IS, { subject: `Patient/${pat.id}` })).entry?.map((e) => e.resource!.id)).toEqual([is.id]);
    expect((await store.search(IS, { subject: `Patient/${patient.id}` })).entry ?? []).toEqual([]);
    expect(changes.filter((c) => c.previousId).map((c) => [c.type, c.previousId, c.id])).toEqual([
      ['Patient', patient.id, pat.id],
      [IS, sel.id, is.id],
    ]);

    // On the server: the selection refers to the patient by its server id, and is there once.
    const onServer = await h.remote.read<ImagingSelection>(`${IS}/${is.id}`);
    expect(onServer?.subject?.reference).toBe(`Patient/${pat.id}`);
    expect(onServer?.status).toBe('unknown');
    expect(await serverCopies(IS, sel.id!)).toHaveLength(1);
    expect(await firstValueFrom(rep.pending$)).toBe(0);

    // A later edit is an update of the server id, with If-Match on the version the POST made.
    h.proxy.reset();
    await store.update({ ...localSel, status: 'available' });
    await h.sync(rep);
    const put = h.proxy.requests('PUT', `${IS}/${is.id}`);
    expect(put).toHaveLength(1);
    expect(put[0]!.headers['if-match']).toBe(`W/"${is.version}"`);
    expect((await h.remote.read<ImagingSelection>(`${IS}/${is.id}`))?.status).toBe('available');
    expect(await firstValueFrom(rep.pending$)).toBe(0);
  });

  it('a POST whose answer was lost is found again by If-None-Exist: no duplicate on the server', async () => {
    const store = await client();
    const sel = await store.create<ImagingSelection>(selection());
    h.proxy.rules.push(when({ method: 'POST', path: IS }, 'drop-after-forward', 1));
    const rep = store.replicate({ baseUrl: h.proxy.url, push: 'post', resourceTypes: [IS], ...h.fast });
    const report = await h.sync(rep);
    expect(h.proxy.count('POST', IS)).toBe(2);
    const copies = await serverCopies(IS, sel.id!);
    expect(copies).toHaveLength(1);
    expect(report.pushed).toEqual([expect.objectContaining({ localId: sel.id, id: copies[0]!.id })]);
    expect((await store.read<ImagingSelection>(IS, copies[0]!.id!)).status).toBe('available');
  });

  it('an edit made while the POST was in flight goes next, as an update of the server id', async () => {
    const store = await client();
    const sel = await store.create<ImagingSelection>(selection({ code: { text: 'before' } }));
    let edited = false;
    const fetchWithEdit: typeof fetch = async (input, init) => {
      if (init?.method === 'POST' && !edited) {
        edited = true;
        await store.update({ ...(await store.read<ImagingSelection>(IS, sel.id!)), code: { text: 'during' } });
      }
      return fetch(input, init);
    };
    const rep = store.replicate({ baseUrl: h.server.url, push: 'post', resourceTypes: [IS], fetch: fetchWithEdit, ...h.fast });
    const report = await h.sync(rep);
    const serverId = report.pushed.find((p) => p.localId === sel.id)!.id;
    expect(report.pushed.map((p) => p.op)).toEqual(['create', 'update']);
    expect((await h.remote.read<ImagingSelection>(`${IS}/${serverId}`))?.code.text).toBe('during');
    expect((await store.read<ImagingSelection>(IS, serverId)).code.text).toBe('during');
    expect(await firstValueFrom(rep.pending$)).toBe(0);
  });

  it('a create deleted after its POST may have landed is deleted on the server by its identifier', async () => {
    const store = await client();
    const sel = await store.create<ImagingSelection>(selection());
    h.proxy.rules.push(when({ method: 'POST', path: IS }, 'drop-after-forward', 2)); // committed, never answered, twice
    const rep = store.replicate({ baseUrl: h.proxy.url, push: 'post', resourceTypes: [IS], ...h.fast });
    await expect(h.sync(rep)).rejects.toThrow();
    expect(await serverCopies(IS, sel.id!)).toHaveLength(1);
    await store.delete(IS, sel.id!);
    await h.sync(rep);
    expect(h.proxy.requests('DELETE').map((r) => `${r.path}?${r.query}`)).toEqual([`${IS}?identifier=${encodeURIComponent(`${LOCAL_SYSTEM}|urn:uuid:${sel.id}`)}`]);
    expect(await serverCopies(IS, sel.id!)).toHaveLength(0);
    expect(await firstValueFrom(rep.pending$)).toBe(0);
  });

  it('a refused create is dead-lettered under its local id and the rest still syncs', async () => {
    const store = await client();
    const bad = await store.create<ImagingSelection>(selection());
    const good = await store.create<ImagingSelection>(selection({ code: { text: 'fine' } }));
    h.proxy.rules.push(when({ method: 'POST', path: IS, test: (r) => String(r.headers['if-none-exist']).includes(bad.id!) }, { status: 422, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing' }] } }));
    const rep = store.replicate({ baseUrl: h.proxy.url, push: 'post', resourceTypes: [IS], ...h.fast });
    const report = await h.sync(rep);
    expect(report.failed).toEqual([{ type: IS, id: bad.id, status: 422 }]);
    expect(report.pushed.map((p) => p.localId)).toEqual([good.id]);
    expect((await firstValueFrom(rep.deadLetters$)).map((d) => d.id)).toEqual([bad.id]);
    expect((await store.read<ImagingSelection>(IS, bad.id!)).id).toBe(bad.id);
  });
});
