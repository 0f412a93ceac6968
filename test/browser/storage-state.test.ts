/**
 * `openStore({ persist: true })` and `store.storage$` in real Chromium, on a persistent profile: the Storage API's
 * answers reach the app, and usage grows as resources are written. The built library (dist/browser) runs in
 * the page; `npm test` builds it first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST, HAVE_CHROMIUM, openApiPage, requireChromium, type ApiPage } from './harness.js';

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
  let app: ApiPage<PageApi['health']>;
  const call: ApiPage<PageApi['health']>['call'] = (name, ...args) => app.call(name, ...args);

  beforeAll(async () => {
    app = await openApiPage(ENTRY, 'health', { ready: 'ready' });
  }, 30_000);

  afterAll(async () => {
    await app?.close();
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
    expect(app.errors).toEqual([]);
  });
});
