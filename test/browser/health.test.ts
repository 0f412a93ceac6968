/**
 * `store.health$` in real Chromium: a database deleted under the store (as eviction or "clear site data" for
 * IndexedDB does) is reported at the next open of the page, from the identity marker kept in localStorage, which
 * survived; and an open that finds its own database says `ok`. The built library (dist/browser) runs in the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST, HAVE_CHROMIUM, openApiPage, requireChromium, type ApiPage } from './harness.js';

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
  let app: ApiPage<PageApi['health']>;
  const call: ApiPage<PageApi['health']>['call'] = (name, ...args) => app.call(name, ...args);

  beforeAll(async () => {
    app = await openApiPage(ENTRY, 'health');
  }, 30_000);

  afterAll(async () => {
    await app?.close();
  });

  it('ok across a reload; recreated-after-loss after the IndexedDB database was deleted; ok again after', async () => {
    const first = await call('open');
    expect(first.status).toBe('ok');
    await call('write', 'kept-until-wiped');
    await app.reload();
    expect(await call('open')).toEqual(first);
    expect(await call('ids')).toEqual(['kept-until-wiped']);
    call('close');
    await call('wipe');
    await app.reload();
    const after = await call('open');
    expect(after).toMatchObject({ status: 'recreated-after-loss', lost: { databaseId: first.databaseId, detectedBy: 'marker' } });
    expect(after.databaseId).not.toBe(first.databaseId);
    expect(await call('ids')).toEqual([]);
    await app.reload();
    expect(await call('open')).toMatchObject({ status: 'ok', databaseId: after.databaseId });
    expect(app.errors).toEqual([]);
  });
});
