/**
 * Encryption at rest in real Chromium on a persistent profile: an encrypted store written, every IndexedDB
 * object store dumped with the raw API in the page and searched for plaintext, the store reopened across a page
 * reload with its passphrase (a wrong one refused with 401), and a rekey honoured after the next reload.
 */
import type { Bundle, Resource } from 'fhir/r5';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patients, secretsOf, selections } from '../storage/encryption-fixtures.js';
import { bundlePage, collectErrors, DIST, HAVE_CHROMIUM, launchChromium, requireChromium, servePage, type Browser, type PageServer } from './harness.js';

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
  let pageServer: PageServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  const written: Resource[] = [];
  const ids = (b: Bundle): string[] => (b.entry ?? []).map((e) => `${e.resource!.resourceType}/${e.resource!.id!}`).sort();

  beforeAll(async () => {
    written.push(...patients, ...selections());
    pageServer = await servePage(await bundlePage(ENTRY));
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(30_000);
    collectErrors(page, pageErrors);
    await page.goto(`${pageServer.origin}/`);
    await page.waitForFunction(() => (window as unknown as Partial<PageApi>).enc !== undefined);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await pageServer?.close();
  });

  it('writes patients and the R5 ImagingSelection examples, and finds them by token, reference, chain and _include', async () => {
    expect(await page.evaluate((p) => (window as unknown as PageApi).enc.open(p), 'a passphrase for chromium')).toBeUndefined();
    await page.evaluate((rs) => (window as unknown as PageApi).enc.write(rs), written);
    const search = (type: string, q: string) => page.evaluate(([t, s]) => (window as unknown as PageApi).enc.search(t!, s!), [type, q]);
    expect(ids(await search('Patient', 'identifier=MRN-4711-ZX'))).toEqual(['Patient/p1']);
    const onP1 = selections().filter((s) => s.subject?.reference === 'Patient/p1').map((s) => `ImagingSelection/${s.id!}`);
    expect(ids(await search('ImagingSelection', 'patient=Patient/p1&_include=ImagingSelection:subject'))).toEqual([...onP1, 'Patient/p1'].sort());
    expect(ids(await search('ImagingSelection', 'subject:Patient.identifier=MRN-0815-QK')).length).toBe(selections().length - onP1.length);
    expect(ids(await search('Patient', '_text=penicillin'))).toEqual(['Patient/p1']);
  }, 60_000);

  it('leaves no plaintext value of any resource in any object store, key or index key', async () => {
    const { text, stores } = await page.evaluate(() => (window as unknown as PageApi).enc.dump());
    for (const table of ['resources', 'texts', 'history', 'outbox']) expect(stores[table], table).toBeGreaterThan(0);
    const secrets = secretsOf(written);
    expect(secrets).toEqual(expect.arrayContaining(['Vermeulen', 'MRN-4711-ZX', 'penicillin']));
    expect(secrets.filter((s) => text.includes(s))).toEqual([]);
  }, 60_000);

  it('after a reload: a wrong passphrase is refused with 401, the right one opens the same data', async () => {
    await page.reload();
    await page.waitForFunction(() => (window as unknown as Partial<PageApi>).enc !== undefined);
    expect(await page.evaluate((p) => (window as unknown as PageApi).enc.open(p), 'not the passphrase')).toMatchObject({ status: 401, code: 'security' });
    expect(await page.evaluate((p) => (window as unknown as PageApi).enc.open(p), 'a passphrase for chromium')).toBeUndefined();
    expect(await page.evaluate(() => (window as unknown as PageApi).enc.read('Patient', 'p1'))).toMatchObject({ name: [{ family: 'Vermeulen' }] });
    const all = await page.evaluate(() => (window as unknown as PageApi).enc.search('ImagingSelection', '_count=100'));
    expect(all.total).toBe(selections().length);
  }, 60_000);

  it('rekey to a new passphrase: after the next reload only the new one opens it', async () => {
    await page.evaluate((p) => (window as unknown as PageApi).enc.rekey(p), 'the rotated passphrase');
    await page.reload();
    await page.waitForFunction(() => (window as unknown as Partial<PageApi>).enc !== undefined);
    expect(await page.evaluate((p) => (window as unknown as PageApi).enc.open(p), 'a passphrase for chromium')).toMatchObject({ status: 401 });
    expect(await page.evaluate((p) => (window as unknown as PageApi).enc.open(p), 'the rotated passphrase')).toBeUndefined();
    expect(await page.evaluate(() => (window as unknown as PageApi).enc.read('Patient', 'p2'))).toMatchObject({ identifier: [{ value: 'MRN-0815-QK' }] });
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
