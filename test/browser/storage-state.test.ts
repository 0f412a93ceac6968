/**
 * `openStore({ persist: true })` and `store.storage$` in real Chromium, on a persistent profile: the Storage API's
 * answers reach the app, and usage grows as resources are written. The built library (dist/browser) runs in
 * the page; `npm test` builds it first.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePage, collectErrors, DIST, HAVE_CHROMIUM, launchChromium, requireChromium, servePage, type Browser, type PageServer } from './harness.js';

interface StorageState {
  persisted?: boolean;
  usage?: number;
  quota?: number;
}
interface PageApi {
  ready: Promise<void>;
  health: {
    first(): Promise<StorageState>;
    write(n: number): Promise<void>;
    next(): Promise<StorageState>;
    platform(): Promise<StorageState>;
  };
}

const ENTRY = `
import { openStore } from ${JSON.stringify(DIST)};
const values = [];
let store;
window.ready = openStore({ name: 'storage-state', persist: true }).then((s) => {
  store = s;
  store.storage$.subscribe((v) => values.push(v));
});
const waitFor = async (n) => { while (values.length < n) await new Promise((r) => setTimeout(r, 50)); return values[n - 1]; };
window.health = {
  first: () => waitFor(1),
  async write(n) {
    const entry = Array.from({ length: n }, (_, i) => ({
      resource: { resourceType: 'ImagingSelection', id: 'h' + i, status: 'available', code: { text: 'Key images ' + 'x'.repeat(2000) } },
      request: { method: 'PUT', url: 'ImagingSelection/h' + i },
    }));
    await store.transaction({ resourceType: 'Bundle', type: 'transaction', entry });
  },
  next: () => waitFor(values.length + 1),
  async platform() {
    const e = await navigator.storage.estimate();
    return { persisted: await navigator.storage.persisted(), usage: e.usage, quota: e.quota };
  },
};
`;

requireChromium('browser: storage$ in Chromium');

describe.skipIf(!HAVE_CHROMIUM)('browser: persist and storage$ in Chromium', () => {
  let pageServer: PageServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  const call = <K extends keyof PageApi['health']>(name: K, ...args: Parameters<PageApi['health'][K]>): ReturnType<PageApi['health'][K]> =>
    page.evaluate(([n, a]) => ((window as unknown as PageApi).health[n as K] as (...x: unknown[]) => unknown)(...(a as unknown[])), [name, args] as const) as ReturnType<PageApi['health'][K]>;

  beforeAll(async () => {
    pageServer = await servePage(await bundlePage(ENTRY));
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(20_000);
    collectErrors(page, pageErrors);
    await page.goto(`${pageServer.origin}/`);
    await page.waitForFunction(() => (window as unknown as Partial<PageApi>).ready !== undefined);
    await page.evaluate(() => (window as unknown as PageApi).ready);
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await pageServer?.close();
  });

  it('reports what the Storage API says: persisted, usage and quota', async () => {
    const first = await call('first');
    const platform = await call('platform');
    expect(typeof first.persisted).toBe('boolean');
    // persist() was asked before the first value: its answer is what persisted() says now.
    expect(first.persisted).toBe(platform.persisted);
    expect(first.quota).toBeGreaterThan(0);
    expect(first.usage).toBeGreaterThanOrEqual(0);
  });

  it('emits again after writes, with the usage grown', async () => {
    const before = await call('first');
    const next = call('next');
    await call('write', 300);
    const after = await next;
    expect(after.usage).toBeGreaterThan(before.usage!);
    expect(pageErrors).toEqual([]);
  });
});
