/**
 * The imaging workstation (`npm run demo:web`, docs/workstation.md) end to end in real Chromium: the demo's
 * FHIR server and the built app's server started as the command starts them (the FHIR server's data in a
 * temporary state file), the app opened on fresh profiles with Cornerstone's CPU rendering (no WebGL headless).
 * Workstation A: open the worklist, search it, open a study, draw an ellipse with the mouse, reload and find it,
 * go offline, draw a length, see pending 1 while the server has nothing new, go online, see it on the server
 * (Node GET). Workstation B (another profile, its own IndexedDB): gets them, draws one that appears on A, edits
 * the length offline while A edits it too, and resolves the conflict; nothing is lost (the server's history).
 * Then both servers stop: a new tab of A opens from its service worker and store, images and annotations there,
 * and an edit waits in the outbox; the servers start again (the FHIR server from its state file), the app keeps
 * its database and pushes the edit. Screenshots go to test/e2e/.screenshots/ (git-ignored), and to docs/img/
 * with UPDATE_SCREENSHOTS=1. Times are printed, never asserted.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, ImagingSelection } from 'fhir/r5';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidFor } from '../../demo/web/generate/rng.js';
import { startDemo, type RunningDemo } from '../../demo/web/serve.js';
import { collectErrors, HAVE_CHROMIUM, launchChromium, REPO, requireChromium, type Browser } from '../browser/harness.js';

const SHOTS = `${REPO}test/e2e/.screenshots/`;
const DOC_IMG = `${REPO}docs/img/`;
const CHEST = 'study-chest-ct';

interface Hook {
  pagePointOfImagePixel(column: number, row: number): [number, number];
  currentImageId(): string;
  annotations(): { uid?: string; tool?: string; imageId?: string }[];
  annotationsShownMs(): number | undefined;
}
type Region = { regionType: string; coordinate: number[] };

requireChromium('imaging workstation in Chromium');

describe.skipIf(!HAVE_CHROMIUM)('imaging workstation in Chromium (npm run demo:web)', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'fhir-store-workstation-'));
  const stateFile = join(stateDir, 'fhir-server.json');
  let demo: RunningDemo;
  let restarted: RunningDemo | undefined;
  let browser: Browser;
  let second: Browser | undefined;
  /** Workstation A's page (a new tab after the servers stop). */
  let page: Page;
  /** Workstation B's page. */
  let pageB: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    demo = await startDemo({ appPort: 0, stateFile });
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.setViewportSize({ width: 1100, height: 760 });
    page.setDefaultTimeout(30_000);
    collectErrors(page, errors);
  }, 180_000);
  afterAll(async () => {
    await second?.close();
    await browser?.close();
    await demo?.close();
    await restarted?.close();
    rmSync(stateDir, { recursive: true, force: true });
    // The guide's images change only when asked: a test run leaves the tree as it was.
    if (process.env.UPDATE_SCREENSHOTS === '1') for (const f of readdirSync(SHOTS)) if (f.endsWith('.png')) copyFileSync(join(SHOTS, f), join(DOC_IMG, f));
  });

  const shot = (p: Page, name: string) => p.screenshot({ path: `${SHOTS}workstation-${name}.png` });
  const fhir = () => (restarted ?? demo).fhirBaseUrl;
  const serverSelections = async (): Promise<ImagingSelection[]> => {
    const bundle = (await (await fetch(`${fhir()}/ImagingSelection?derived-from=ImagingStudy/${CHEST}&_count=100`)).json()) as Bundle<ImagingSelection>;
    return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
  };
  const serverHistory = async (id: string): Promise<ImagingSelection[]> => {
    const bundle = (await (await fetch(`${fhir()}/ImagingSelection/${id}/_history`)).json()) as Bundle<ImagingSelection>;
    return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
  };
  const regionOf = (s: ImagingSelection | undefined): Region => s!.instance![0]!.imageRegion2D![0]! as Region;
  /** The selection as this workstation's store has it. */
  const localRegion = (p: Page, id: string) =>
    p.evaluate(async (uid) => {
      const store = (window as unknown as { workstationStore: import('../../src/index.js').Store }).workstationStore;
      return (await store.read<import('fhir/r5').ImagingSelection>('ImagingSelection', uid)).instance![0]!.imageRegion2D![0]!.coordinate;
    }, id);
  const annotations = (p: Page) => p.evaluate(() => (window as unknown as { workstation: Hook }).workstation.annotations());
  const pagePoint = (p: Page, column: number, row: number) =>
    p.evaluate(([c, r]) => (window as unknown as { workstation: Hook }).workstation.pagePointOfImagePixel(c!, r!), [column, row]);
  /** Drags the left button from one image pixel to another, in small steps as a hand would. */
  const drag = async (p: Page, from: [number, number], to: [number, number]): Promise<void> => {
    const a = await pagePoint(p, ...from);
    const b = await pagePoint(p, ...to);
    await p.mouse.move(a[0], a[1]);
    await p.mouse.down();
    await p.mouse.move(b[0], b[1], { steps: 12 });
    await p.mouse.up();
  };
  const openChest = async (p: Page): Promise<void> => {
    await p.waitForSelector(`#app[data-ready="${CHEST}"]`, { timeout: 90_000 });
  };
  const selectionCount = (p: Page, n: number) => p.waitForFunction((count) => document.querySelectorAll('[data-testid="selection"]').length === count, n, { timeout: 20_000 });
  const pending = (p: Page, n: number) => p.waitForFunction((count) => document.querySelector('[data-testid="pending"]')?.textContent === String(count), n, { timeout: 20_000 });
  const setNetwork = async (p: Page, on: boolean): Promise<void> => {
    await p.click('[data-testid="network"]');
    await p.waitForFunction((want) => document.querySelector('[data-testid="network"]')?.textContent?.includes(want), on ? 'Online' : 'Offline');
  };
  /** Errors expected in the console: refused pushes (412, how a conflict is found), a server gone (refused) or stopping under a request (reset). */
  const unexpected = () => errors.filter((e) => !/status of 412 \(Precondition Failed\)|ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET/.test(e));

  it('shows the worklist from the store, searches it, opens a study with its seeded selections', async () => {
    const started = Date.now();
    await page.goto(`${demo.url}?cpu`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="study"]').length === 2, undefined, { timeout: 90_000 });
    console.log(`[workstation] first load to a filled worklist (the built app, its service worker installing, the store opened, the first pull): ${Date.now() - started} ms`);
    await shot(page, 'worklist');

    await page.fill('[data-testid="filter-name"]', 'okafor');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="study"]').length === 1);
    expect(await page.textContent('[data-testid="study"]')).toContain('Okafor');
    await page.fill('[data-testid="filter-name"]', '');
    await page.fill('[data-testid="filter-from"]', '2026-11-10');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="study"]').length === 1);
    expect(await page.textContent('[data-testid="study"]')).toContain('MR brain');
    await page.fill('[data-testid="filter-from"]', '');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="study"]').length === 2);

    const opening = Date.now();
    await page.click(`[data-testid="study"][data-id="${CHEST}"]`);
    await openChest(page);
    await selectionCount(page, 2);
    console.log(`[workstation] study opened (64 images loaded, annotations bound): ${Date.now() - opening} ms`);
    // The viewer opened once the service worker controlled the page, so its images went through it.
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toMatch(/\/sw\.js$/);
    // Cache Storage holds the 64 images viewed, and the config the page fetched before the worker was there.
    const cached = await page.evaluate(async () => ({ images: (await (await caches.open('wado-images')).keys()).length, config: !!(await caches.match('/demo-config.json')) }));
    expect(cached).toEqual({ images: 64, config: true });
    // The seeded EllipticalROI is on the annotation state; the key-image selection has no region and is listed only.
    await page.waitForFunction(() => (window as unknown as { workstation: Hook }).workstation.annotations().length === 1);
    const seeded = await annotations(page);
    expect(seeded.map((a) => a.tool)).toEqual(['EllipticalROI']);
    // Its entry in the panel takes the viewer to its image.
    await page.click('[data-testid="selection"]:has-text("RUL nodule")');
    await page.waitForFunction((id) => (window as unknown as { workstation: Hook }).workstation.currentImageId() === id, seeded[0]!.imageId);
    // Storage health: store.storage$ (persistence as the browser answered, usage and quota in bytes).
    await page.waitForFunction(() => Number((document.querySelector('[data-testid="storage"]') as HTMLElement | null)?.dataset.usage) > 0);
    const storage = await page.$eval('[data-testid="storage"]', (el) => ({ persisted: (el as HTMLElement).dataset.persisted, usage: (el as HTMLElement).dataset.usage, quota: (el as HTMLElement).dataset.quota, text: el.textContent }));
    expect(['true', 'false']).toContain(storage.persisted);
    expect(Number(storage.quota)).toBeGreaterThan(Number(storage.usage));
    expect(storage.text).toMatch(/storage: (persistent|best effort).* MB of .*(MB|GB)/);
    await shot(page, 'viewer');
  }, 180_000);

  let ellipseUid: string | undefined;
  let lengthUid: string | undefined;

  it('draws an ellipse with the mouse: stored, pushed, and still there after a reload', async () => {
    const before = new Set((await annotations(page)).map((a) => a.uid));
    await page.click('button[data-tool="EllipticalROI"]');
    await drag(page, [150, 95], [185, 125]);
    await selectionCount(page, 3);
    ellipseUid = (await annotations(page)).find((a) => !before.has(a.uid))?.uid;
    expect(ellipseUid).toBeTruthy();
    // Live replication pushes it: the server has it.
    await expect.poll(async () => (await serverSelections()).map((s) => s.id), { timeout: 20_000 }).toContain(ellipseUid);
    const onServer = (await serverSelections()).find((s) => s.id === ellipseUid)!;
    expect(onServer.instance?.[0]?.imageRegion2D?.[0]?.regionType).toBe('ellipse');
    expect(onServer.derivedFrom?.[0]?.reference).toBe(`ImagingStudy/${CHEST}`);

    await page.reload();
    await openChest(page);
    await selectionCount(page, 3);
    // Read back from IndexedDB onto Cornerstone's annotation state by the binding.
    await page.waitForFunction((uid) => (window as unknown as { workstation: Hook }).workstation.annotations().some((a) => a.uid === uid), ellipseUid);
  }, 90_000);

  it('offline: a length drawn is pending 1 and not on the server; online: it is pushed', async () => {
    await setNetwork(page, false);
    const countBefore = (await serverSelections()).length;
    const before = new Set((await annotations(page)).map((a) => a.uid));
    await page.click('button[data-tool="Length"]');
    await drag(page, [60, 200], [120, 210]);
    await selectionCount(page, 4);
    lengthUid = (await annotations(page)).find((a) => !before.has(a.uid))?.uid;
    expect(lengthUid).toBeTruthy();
    await pending(page, 1);
    await shot(page, 'offline');
    // A whole cycle asked for while offline (its attempts fail as a cut network does): nothing reached the server.
    const outcome = await page.evaluate(() =>
      (window as unknown as { workstationReplication: import('../../src/index.js').Replication }).workstationReplication.syncOnce().then(
        (report) => `pushed ${report.pushed.length}`,
        (e: unknown) => (e instanceof Error ? e.name : String(e)),
      ),
    );
    expect(outcome).not.toMatch(/pushed [1-9]/);
    expect((await serverSelections()).length).toBe(countBefore);
    expect(await page.textContent('[data-testid="pending"]')).toBe('1');

    const online = Date.now();
    await setNetwork(page, true);
    await pending(page, 0);
    await expect.poll(async () => (await serverSelections()).map((s) => s.id), { timeout: 20_000 }).toContain(lengthUid);
    console.log(`[workstation] back online to the offline edit on the server: ${Date.now() - online} ms`);
    const onServer = (await serverSelections()).find((s) => s.id === lengthUid)!;
    expect(onServer.code?.coding?.[0]?.code).toBe('410668003'); // SNOMED CT Length
    expect(onServer.instance?.[0]?.imageRegion2D?.[0]).toMatchObject({ regionType: 'polyline' });
    expect(onServer.instance?.[0]?.imageRegion2D?.[0]?.coordinate).toHaveLength(4);
    await shot(page, 'synced');
  }, 90_000);

  it('a second workstation (another profile, its own IndexedDB) gets them, and what it draws appears on the first', async () => {
    second = await launchChromium();
    pageB = second.context.pages()[0] ?? (await second.context.newPage());
    pageB.setDefaultTimeout(30_000);
    collectErrors(pageB, errors, 'B');
    await pageB.setViewportSize({ width: 1100, height: 760 });
    await pageB.goto(`${demo.url}?cpu#/study/${CHEST}`);
    await openChest(pageB);
    await selectionCount(pageB, 4);
    await pageB.waitForFunction((uid) => (window as unknown as { workstation: Hook }).workstation.annotations().some((a) => a.uid === uid), ellipseUid);

    const before = new Set((await annotations(pageB)).map((a) => a.uid));
    await pageB.click('button[data-tool="EllipticalROI"]');
    await drag(pageB, [90, 150], [110, 165]);
    const drawn = Date.now();
    await selectionCount(page, 5);
    console.log(`[workstation] an annotation drawn on workstation B to its appearance on A (B pushes at once; A pulls when the server's websocket rings, or every 2 s without one): ${Date.now() - drawn} ms`);
    const fromB = (await annotations(pageB)).find((a) => !before.has(a.uid))?.uid;
    expect(fromB).toBeTruthy();
    await page.waitForFunction((uid) => (window as unknown as { workstation: Hook }).workstation.annotations().some((a) => a.uid === uid), fromB);
    await shot(pageB, 'second');
    expect(unexpected()).toEqual([]);
  }, 120_000);

  it('a conflict between the two: A and B move the same length while B is offline; B resolves it, nothing is lost', async () => {
    const start = regionOf((await serverSelections()).find((s) => s.id === lengthUid));
    const [c1, r1, c2, r2] = start.coordinate as [number, number, number, number];
    for (const p of [page, pageB]) {
      await p.click(`[data-testid="selection"][data-id="${lengthUid}"] strong`); // to the length's slice
      await p.click('button[data-tool="WindowLevel"]'); // any tool drags a handle of a drawn annotation
    }
    await setNetwork(pageB, false);

    // A moves the first end; it is pushed at once.
    await drag(page, [c1, r1], [c1 - 15, r1]);
    await expect.poll(async () => regionOf((await serverSelections()).find((s) => s.id === lengthUid)).coordinate[0]!, { timeout: 20_000 }).toBeLessThan(c1 - 10);
    await pending(page, 0);
    // B, offline, moves the second end.
    await drag(pageB, [c2, r2], [c2 + 20, r2 + 25]);
    await pending(pageB, 1);

    await setNetwork(pageB, true);
    await pageB.waitForSelector(`[data-testid="conflict"][data-id="${lengthUid}"]`, { timeout: 20_000 });
    // Both changed `instance`; the panel shows what each changed in it since the version both started from.
    const [mine, theirs] = await pageB.$$eval('[data-testid="conflict"] [data-testid="changes"]', (els) => els.map((e) => e.textContent ?? ''));
    expect(mine).toContain('instance[0].imageRegion2D[0].coordinate[2]');
    expect(mine).not.toContain('coordinate[0]');
    expect(theirs).toContain('instance[0].imageRegion2D[0].coordinate[0]');
    expect(theirs).not.toContain('coordinate[2]');
    await shot(pageB, 'conflict');
    await pageB.click('[data-testid="keep-mine"]');
    await pageB.waitForSelector('[data-testid="conflict"]', { state: 'detached', timeout: 20_000 });

    // The server has B's length (its second end moved, its first where it was), and A gets it live.
    await expect.poll(async () => regionOf((await serverSelections()).find((s) => s.id === lengthUid)).coordinate[2]!, { timeout: 20_000 }).toBeGreaterThan(c2 + 10);
    expect(regionOf((await serverSelections()).find((s) => s.id === lengthUid)).coordinate[0]).toBeCloseTo(c1, 3);
    await expect.poll(async () => (await localRegion(page, lengthUid!))[2]!, { timeout: 20_000 }).toBeGreaterThan(c2 + 10);
    // Nothing lost: A's version is in the server's history, under the one kept.
    const versions = (await serverHistory(lengthUid!)).map((v) => regionOf(v).coordinate);
    expect(versions[0]![2]).toBeGreaterThan(c2 + 10);
    expect(versions.some((c) => c[0]! < c1 - 10 && Math.abs(c[2]! - c2) < 1e-6)).toBe(true);
    // And in B's history panel (A's version reaches B's store with a pull, which may land after "keep mine" returns).
    await expect
      .poll(
        async () => {
          await pageB.click(`[data-testid="selection"][data-id="${lengthUid}"] [data-testid="open-history"]`);
          await pageB.waitForFunction(() => document.querySelectorAll('[data-testid="version"]').length >= 3);
          const shown = await pageB.$$eval('[data-testid="version"] code', (els) => els.map((e) => e.textContent ?? ''));
          return shown.some((v) => Number(v.split(' ')[1]) < c1 - 10);
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(true);
    await shot(pageB, 'history');
    expect(unexpected()).toEqual([]);
  }, 120_000);

  it('history on A: restore its own version of the length (a new version), pushed and shown on B', async () => {
    await page.click(`[data-testid="selection"][data-id="${lengthUid}"] [data-testid="open-history"]`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="version"]').length >= 3);
    const versions = await page.$$eval('[data-testid="version"]', (els) => els.map((e) => ({ version: (e as HTMLElement).dataset.version ?? '', code: e.querySelector('code')?.textContent ?? '' })));
    const [c1] = regionOf((await serverHistory(lengthUid!)).at(-1)).coordinate as [number];
    const mineOnA = versions.find((v) => Number(v.code.split(' ')[1]) < c1 - 10);
    expect(mineOnA).toBeTruthy();
    const count = versions.length;
    await page.click(`[data-testid="version"][data-version="${mineOnA!.version}"] [data-testid="restore"]`);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="version"]').length === n + 1, count);
    await expect.poll(async () => regionOf((await serverSelections()).find((s) => s.id === lengthUid)).coordinate[0]!, { timeout: 20_000 }).toBeLessThan(c1 - 10);
    await expect.poll(async () => (await localRegion(pageB, lengthUid!))[0]!, { timeout: 20_000 }).toBeLessThan(c1 - 10);
    await second?.close();
    second = undefined;
    expect(unexpected()).toEqual([]);
  }, 90_000);

  let historyBeforeStop = 0;

  it('both servers stopped: a new tab opens from the service worker and the store, with images and annotations; an edit waits', async () => {
    historyBeforeStop = (await serverHistory(lengthUid!)).length;
    // A real outage: nothing answers on either port.
    await demo.stopFhir();
    await demo.stopApp();
    expect(await fetch(demo.url).then(() => 'answered', () => 'refused')).toBe('refused');
    // A new tab (the old one closed: one tab replicates at a time), so the load starts from nothing but the browser's caches.
    await page.close();
    page = await browser.context.newPage();
    collectErrors(page, errors, 'A offline');
    await page.setViewportSize({ width: 1100, height: 760 });
    const started = Date.now();
    await page.goto(`${demo.url}?cpu`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="study"]').length === 2, undefined, { timeout: 60_000 });
    console.log(`[workstation] first load with both servers stopped to a filled worklist (service worker, IndexedDB): ${Date.now() - started} ms`);
    await page.click(`[data-testid="study"][data-id="${CHEST}"]`);
    await openChest(page); // its 64 images from Cache Storage
    await selectionCount(page, 5);
    await page.waitForFunction((uid) => (window as unknown as { workstation: Hook }).workstation.annotations().some((a) => a.uid === uid), lengthUid);
    // The replication found no server: it says so.
    await page.waitForFunction(() => /NetworkError/.test(document.querySelector('[data-testid="sync-error"]')?.textContent ?? ''));
    // An edit while nothing answers: in the store, waiting.
    await page.click('button[data-tool="Length"]');
    await drag(page, [50, 60], [90, 80]);
    await selectionCount(page, 6);
    await pending(page, 1);
    await shot(page, 'server-down');
    expect(unexpected()).toEqual([]);
  }, 120_000);

  it('the servers start again: the FHIR server with its data, the app with its database; the waiting edit is pushed', async () => {
    const local = await page.$$eval('[data-testid="selection"]', (els) => els.map((e) => (e as HTMLElement).dataset.id ?? ''));
    restarted = await startDemo({ appPort: Number(new URL(demo.url).port), stateFile });
    expect(restarted.serverId).toBe(demo.serverId);
    expect(restarted.url).toBe(demo.url);
    // The server kept every version (the same numbers), and the Endpoint still names the app's origin.
    expect((await serverHistory(lengthUid!)).length).toBe(historyBeforeStop);
    await page.reload(); // the app learns the FHIR server's new port; its database is named after the server, not the port
    await openChest(page);
    await pending(page, 0);
    await expect.poll(async () => (await serverSelections()).map((s) => s.id).sort(), { timeout: 20_000 }).toEqual([...local].sort());
    const databases = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? '').filter((n) => n.startsWith('workstation ')));
    expect(databases).toEqual([`workstation ${demo.serverId}`]);
    expect(unexpected()).toEqual([]);
  }, 120_000);

  it('a study with 500 selections: the time from the store onto the viewport (printed)', async () => {
    // Offline, so that pushing the 500 does not run beside what is timed.
    await setNetwork(page, false);
    // 500 lengths on the T2 series of the MR, written in one transaction into this workstation's store.
    const status = await page.evaluate(async (lengthId) => {
      type Sel = import('fhir/r5').ImagingSelection;
      const store = (window as unknown as { workstationStore: import('../../src/index.js').Store }).workstationStore;
      const length = await store.read<Sel>('ImagingSelection', lengthId);
      const study = await store.read('ImagingStudy', 'study-head-mr');
      const instances = study.series![1]!.instance!;
      const entry = Array.from({ length: 500 }, (_, i) => {
        const id = `perf-${i}`;
        const { meta: _meta, ...content } = length;
        const resource: Sel = {
          ...content,
          id,
          identifier: [{ ...length.identifier![0]!, value: id }],
          instance: [{ ...length.instance![0]!, uid: instances[i % instances.length]!.uid, imageRegion2D: [{ regionType: 'polyline', coordinate: [40 + (i % 50) * 3, 60 + Math.floor(i / 50) * 15, 60 + (i % 50) * 3, 70 + Math.floor(i / 50) * 15] }] }],
        };
        return { resource, request: { method: 'PUT' as const, url: `ImagingSelection/${id}` } };
      });
      return (await store.handle({ method: 'POST', url: '', body: { resourceType: 'Bundle', type: 'transaction', entry } })).status;
    }, uuidFor('head lesion length'));
    expect(status).toBe(200);
    await page.evaluate(() => (location.hash = '#/study/study-head-mr'));
    await page.waitForSelector('#app[data-ready="study-head-mr"]', { timeout: 90_000 });
    await page.waitForFunction(() => (window as unknown as { workstation: Hook }).workstation.annotationsShownMs() !== undefined, undefined, { timeout: 60_000 });
    const shown = await page.evaluate(() => (window as unknown as { workstation: Hook }).workstation.annotationsShownMs()!);
    expect((await annotations(page)).length).toBe(501);
    console.log(`[workstation] 501 selections of a study from the store onto the viewport: ${Math.round(shown)} ms`);
    expect(unexpected()).toEqual([]);
  }, 150_000);
});
