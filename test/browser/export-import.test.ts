/**
 * `store.export()` and `store.import()` in real Chromium, on IndexedDB on disk: an export kept as Blobs (what an app
 * would offer as a download or hand to the File System Access API) and read back through `Blob.stream()`,
 * restored into a second database that is the same after a reload. The built library (dist/browser) runs in the
 * page; `npm test` builds it first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST, HAVE_CHROMIUM, openApiPage, requireChromium, type ApiPage } from './harness.js';

interface Seen {
  history: unknown;
  searches: unknown[];
  pending: number;
}
interface PageApi {
  ready: Promise<void>;
  api: {
    fill(): Promise<void>;
    exportAndImport(): Promise<{ files: string[]; summary: unknown; broken: { status: number; diagnostics: string } }>;
    seen(name: string): Promise<Seen>;
  };
}

const ENTRY = `
import { openStore } from ${JSON.stringify(DIST)};
const sel = (id, text, status = 'available') => ({ resourceType: 'ImagingSelection', id, status, code: { text } });
const QUERIES = ['', 'status=available', '_content=nodule', '_sort=-_lastUpdated&_count=5', 'code:text=lung'];
const blobs = new Map();
const source = (files) => ({ read: (file) => { const b = files.get(file); if (!b) throw new Error('no ' + file); return b.stream().pipeThrough(new TextDecoderStream()); } });
const strip = (b) => ({ ...b, id: undefined, meta: undefined });
window.ready = Promise.resolve();
window.api = {
  async fill() {
    const s = await openStore({ name: 'original' });
    const entry = Array.from({ length: 300 }, (_, i) => ({ resource: sel('r' + i, i % 3 ? 'lung nodule ' + i : 'liver ' + i), request: { method: 'PUT', url: 'ImagingSelection/r' + i } }));
    await s.transaction({ resourceType: 'Bundle', type: 'transaction', entry });
    for (let i = 0; i < 20; i++) await s.update(sel('r' + i, 'lung nodule, revised ' + i, 'unknown'));
    for (let i = 20; i < 30; i++) await s.delete('ImagingSelection', 'r' + i);
    await s.update({ resourceType: 'Patient', id: 'p', name: [{ family: 'Doe' }] });
    s.close();
  },
  async exportAndImport() {
    const s = await openStore({ name: 'original' });
    const parts = new Map();
    for await (const c of s.export()) (parts.get(c.file) ?? parts.set(c.file, []).get(c.file)).push(c.text);
    for (const [file, p] of parts) blobs.set(file, new Blob(p, { type: file.endsWith('.json') ? 'application/json' : 'application/fhir+ndjson' }));
    s.close();
    // A broken copy first: one line cut short. Refused, naming the line; the store stays empty.
    const broken = new Map(blobs);
    const text = await blobs.get('ImagingSelection.ndjson').text();
    const lines = text.split('\\n');
    lines[41] = lines[41].slice(0, 30);
    broken.set('ImagingSelection.ndjson', new Blob([lines.join('\\n')]));
    const t = await openStore({ name: 'restored' });
    let refused;
    try { await t.import(source(broken)); } catch (e) { refused = { status: e.status, diagnostics: e.outcome.issue[0].diagnostics }; }
    const summary = await t.import(source(blobs));
    t.close();
    return { files: [...blobs.keys()], summary, broken: refused };
  },
  async seen(name) {
    const s = await openStore({ name });
    const history = strip(await s.history(undefined, undefined, { _count: '1000' }));
    const searches = [];
    for (const q of QUERIES) searches.push(strip(await s.search('ImagingSelection', q)));
    const rep = s.replicate({ baseUrl: 'http://127.0.0.1:9/fhir', live: false });
    const pending = await new Promise((resolve) => { const sub = rep.pending$.subscribe((n) => { resolve(n); queueMicrotask(() => sub.unsubscribe()); }); });
    await rep.stop();
    s.close();
    return { history, searches, pending };
  },
};
`;

requireChromium('browser: export and import in Chromium');

describe.skipIf(!HAVE_CHROMIUM)('browser: export and import in Chromium', () => {
  let app: ApiPage<PageApi['api']>;
  const call: ApiPage<PageApi['api']>['call'] = (name, ...args) => app.call(name, ...args);

  beforeAll(async () => {
    app = await openApiPage(ENTRY, 'api', { ready: 'ready', timeout: 60_000 });
  }, 30_000);

  afterAll(async () => {
    await app?.close();
  });

  it('restores every version, the same search results and the pending changes, also after a reload', async () => {
    await call('fill');
    const { files, summary, broken } = await call('exportAndImport');
    expect(files).toEqual(['ImagingSelection.ndjson', 'Patient.ndjson', '_outbox.ndjson', 'manifest.json']);
    expect(broken).toEqual({ status: 400, diagnostics: expect.stringMatching(/^ImagingSelection\.ndjson:42: not JSON/) });
    expect(summary).toEqual({ resources: 301, versions: 331, pending: 291, conflicts: 0, deadLetters: 0, checkpoints: 0 });
    await app.reload(); // a reload: the restored database is read back from disk
    const original = await call('seen', 'original');
    const restored = await call('seen', 'restored');
    expect(restored).toEqual(original);
    expect(original.pending).toBe(291); // 300 creates, 10 of them deleted before a push (cancelled), and the Patient
    expect(app.errors).toEqual([]);
  }, 120_000);
});
