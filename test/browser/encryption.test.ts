/**
 * Encryption at rest in real Chromium on a persistent profile: an encrypted store written, every IndexedDB
 * object store dumped with the raw API in the page and searched for plaintext, the store reopened across a page
 * reload with its passphrase (a wrong one refused with 401), and a rekey honoured after the next reload.
 */
import type { Bundle, Resource } from 'fhir/r5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patients, secretsOf, selections } from '../storage/encryption-fixtures.js';
import { DIST, HAVE_CHROMIUM, openApiPage, requireChromium, type ApiPage } from './harness.js';

const DB_NAME = 'encrypted-browser-test';

/** What the page script puts on `window`. */
interface PageApi {
  enc: {
    open(passphrase: string): Promise<{ status: number; code?: string } | undefined>;
    write(resources: Resource[]): Promise<void>;
    search(type: string, query: string): Promise<Bundle>;
    read(type: string, id: string): Promise<Resource>;
    rekey(passphrase: string): Promise<void>;
    dump(): Promise<{ text: string; stores: Record<string, number> }>;
  };
}

const ENTRY = `
import { openStore } from ${JSON.stringify(DIST)};
import { dumpDatabase } from './test/storage/raw-dump.ts';
let store;
window.enc = {
  async open(passphrase) {
    try {
      store = await openStore({ name: ${JSON.stringify(DB_NAME)}, encryption: { passphrase } });
    } catch (e) {
      return { status: e.status, code: e.outcome?.issue?.[0]?.code, message: String(e.message) };
    }
  },
  async write(resources) {
    for (const r of resources) await store.update(r);
    await store.flushIndex();
  },
  search: (type, query) => store.search(type, query),
  read: (type, id) => store.read(type, id),
  rekey: (passphrase) => store.rekey({ passphrase }),
  async dump() {
    store.close();
    return dumpDatabase(indexedDB, ${JSON.stringify(DB_NAME)});
  },
};
`;

requireChromium('browser: encryption at rest in Chromium');

describe.skipIf(!HAVE_CHROMIUM)('browser: an encrypted store on real IndexedDB in Chromium', () => {
  let app: ApiPage<PageApi['enc']>;
  const call: ApiPage<PageApi['enc']>['call'] = (name, ...args) => app.call(name, ...args);
  const written: Resource[] = [];
  const ids = (b: Bundle): string[] => (b.entry ?? []).map((e) => `${e.resource!.resourceType}/${e.resource!.id!}`).sort();

  beforeAll(async () => {
    written.push(...patients, ...selections());
    app = await openApiPage(ENTRY, 'enc', { timeout: 30_000 });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  it('writes patients and the R5 ImagingSelection examples, and finds them by token, reference, chain and _include', async () => {
    expect(await call('open', 'a passphrase for chromium')).toBeUndefined();
    await call('write', written);
    const search = (type: string, q: string): Promise<Bundle> => call('search', type, q);
    expect(ids(await search('Patient', 'identifier=MRN-4711-ZX'))).toEqual(['Patient/p1']);
    const onP1 = selections().filter((s) => s.subject?.reference === 'Patient/p1').map((s) => `ImagingSelection/${s.id!}`);
    expect(ids(await search('ImagingSelection', 'patient=Patient/p1&_include=ImagingSelection:subject'))).toEqual([...onP1, 'Patient/p1'].sort());
    expect(ids(await search('ImagingSelection', 'subject:Patient.identifier=MRN-0815-QK')).length).toBe(selections().length - onP1.length);
    expect(ids(await search('Patient', '_text=penicillin'))).toEqual(['Patient/p1']);
  }, 60_000);

  it('leaves no plaintext value of any resource in any object store, key or index key', async () => {
    const { text, stores } = await call('dump');
    for (const table of ['resources', 'texts', 'history', 'outbox']) expect(stores[table], table).toBeGreaterThan(0);
    const secrets = secretsOf(written);
    expect(secrets).toEqual(expect.arrayContaining(['Vermeulen', 'MRN-4711-ZX', 'penicillin']));
    expect(secrets.filter((s) => text.includes(s))).toEqual([]);
  }, 60_000);

  it('after a reload: a wrong passphrase is refused with 401, the right one opens the same data', async () => {
    await app.reload();
    expect(await call('open', 'not the passphrase')).toMatchObject({ status: 401, code: 'security' });
    expect(await call('open', 'a passphrase for chromium')).toBeUndefined();
    expect(await call('read', 'Patient', 'p1')).toMatchObject({ name: [{ family: 'Vermeulen' }] });
    const all = await call('search', 'ImagingSelection', '_count=100');
    expect(all.total).toBe(selections().length);
  }, 60_000);

  it('rekey to a new passphrase: after the next reload only the new one opens it', async () => {
    await call('rekey', 'the rotated passphrase');
    await app.reload();
    expect(await call('open', 'a passphrase for chromium')).toMatchObject({ status: 401 });
    expect(await call('open', 'the rotated passphrase')).toBeUndefined();
    expect(await call('read', 'Patient', 'p2')).toMatchObject({ identifier: [{ value: 'MRN-0815-QK' }] });
    expect(app.errors).toEqual([]);
  }, 60_000);
});
