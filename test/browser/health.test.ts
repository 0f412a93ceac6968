/**
 * `store.health$` in real Chromium: a database deleted under the store (as eviction or "clear site data" for
 * IndexedDB does) is reported at the next open of the page, from the identity marker kept in localStorage, which
 * survived; and an open that finds its own database says `ok`. The built library (dist/browser) runs in the page.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePage, collectErrors, DIST, HAVE_CHROMIUM, launchChromium, requireChromium, servePage, type Browser, type PageServer } from './harness.js';

interface Health {
  status: string;
  databaseId: string;
  lost?: { databaseId: string; detectedBy: string };
}
interface PageApi {
  health: {
    open(): Promise<Health>;
    write(id: string): Promise<void>;
    close(): void;
    wipe(): Promise<void>;
    ids(): Promise<string[]>;
  };
}

const ENTRY = `
import { openStore } from ${JSON.stringify(DIST)};
import { firstValueFrom } from 'rxjs';
let store;
window.health = {
  async open() {
    store = await openStore({ name: 'health-wipe' });
    return firstValueFrom(store.health$);
  },
  async write(id) {
    await store.update({ resourceType: 'ImagingSelection', id, status: 'available', code: { text: 'Key images' } });
  },
  close() { store.close(); },
  wipe: () => new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase('health-wipe');
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error);
  }),
  async ids() {
    return ((await store.search('ImagingSelection')).entry ?? []).map((e) => e.resource.id);
  },
};
`;

requireChromium('browser: health$ in Chromium');

describe.skipIf(!HAVE_CHROMIUM)('browser: a wiped database is reported in Chromium', () => {
  let pageServer: PageServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  const call = <K extends keyof PageApi['health']>(name: K, ...args: Parameters<PageApi['health'][K]>): ReturnType<PageApi['health'][K]> =>
    page.evaluate(([n, a]) => ((window as unknown as PageApi).health[n as K] as (...x: unknown[]) => unknown)(...(a as unknown[])), [name, args] as const) as ReturnType<PageApi['health'][K]>;
  const reload = async (): Promise<void> => {
    await page.reload();
    await page.waitForFunction(() => (window as unknown as Partial<PageApi>).health !== undefined);
  };

  beforeAll(async () => {
    pageServer = await servePage(await bundlePage(ENTRY));
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(20_000);
    collectErrors(page, pageErrors);
    await page.goto(`${pageServer.origin}/`);
    await page.waitForFunction(() => (window as unknown as Partial<PageApi>).health !== undefined);
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await pageServer?.close();
  });

  it('ok across a reload; recreated-after-loss after the IndexedDB database was deleted; ok again after', async () => {
    const first = await call('open');
    expect(first.status).toBe('ok');
    await call('write', 'kept-until-wiped');
    await reload();
    expect(await call('open')).toEqual(first);
    expect(await call('ids')).toEqual(['kept-until-wiped']);
    call('close');
    await call('wipe');
    await reload();
    const after = await call('open');
    expect(after).toMatchObject({ status: 'recreated-after-loss', lost: { databaseId: first.databaseId, detectedBy: 'marker' } });
    expect(after.databaseId).not.toBe(first.databaseId);
    expect(await call('ids')).toEqual([]);
    await reload();
    expect(await call('open')).toMatchObject({ status: 'ok', databaseId: after.databaseId });
    expect(pageErrors).toEqual([]);
  });
});
