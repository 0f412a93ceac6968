/**
 * The imaging workstation (`npm run demo:web`, docs/workstation.md) end to end in real Chromium: the demo's
 * FHIR server and Vite dev server started as the command starts them, the app opened on a fresh profile with
 * Cornerstone's CPU rendering (no WebGL headless). Open the worklist, search it, open a study, draw an ellipse
 * with the mouse, reload and find it, go offline, draw a length, see pending 1 while the server has nothing
 * new, go online, see it on the server (Node GET), and a second workstation (another profile) sees it.
 * Screenshots go to docs/img/ for the guide. Times are printed, never asserted.
 */
import type { Bundle, ImagingSelection } from 'fhir/r5';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidFor } from '../../demo/web/generate/rng.js';
import { startDemo, type RunningDemo } from '../../demo/web/serve.js';
import { collectErrors, HAVE_CHROMIUM, launchChromium, REPO, requireChromium, type Browser } from '../browser/harness.js';

const IMG = `${REPO}docs/img/`;
const CHEST = 'study-chest-ct';

interface Hook {
  pagePointOfImagePixel(column: number, row: number): [number, number];
  currentImageId(): string;
  annotations(): { uid?: string; tool?: string; imageId?: string }[];
  annotationsShownMs(): number | undefined;
}

requireChromium('imaging workstation in Chromium');

describe.skipIf(!HAVE_CHROMIUM)('imaging workstation in Chromium (npm run demo:web)', () => {
  let demo: RunningDemo;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    demo = await startDemo({ appPort: 0 });
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.setViewportSize({ width: 1100, height: 760 });
    page.setDefaultTimeout(30_000);
    collectErrors(page, errors);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  const serverSelections = async (): Promise<ImagingSelection[]> => {
    const bundle = (await (await fetch(`${demo.fhirBaseUrl}/ImagingSelection?derived-from=ImagingStudy/${CHEST}&_count=100`)).json()) as Bundle<ImagingSelection>;
    return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
  };
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

  it('shows the worklist from the store, searches it, opens a study with its seeded selections', async () => {
    const started = Date.now();
    await page.goto(`${demo.url}?cpu`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="study"]').length === 2, undefined, { timeout: 90_000 });
    console.log(`[workstation] first load to a filled worklist (the app from Vite's dev server, the store opened, the first pull): ${Date.now() - started} ms`);
    await page.screenshot({ path: `${IMG}workstation-worklist.png` });

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
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="selection"]').length === 2);
    console.log(`[workstation] study opened (64 images loaded, annotations bound): ${Date.now() - opening} ms`);
    // The seeded EllipticalROI is on the annotation state; the key-image selection has no region and is listed only.
    await page.waitForFunction(() => (window as unknown as { workstation: Hook }).workstation.annotations().length === 1);
    const seeded = await annotations(page);
    expect(seeded.map((a) => a.tool)).toEqual(['EllipticalROI']);
    // Its entry in the panel takes the viewer to its image.
    await page.click('[data-testid="selection"]:has-text("RUL nodule")');
    await page.waitForFunction((id) => (window as unknown as { workstation: Hook }).workstation.currentImageId() === id, seeded[0]!.imageId);
    await page.screenshot({ path: `${IMG}workstation-viewer.png` });
  }, 180_000);

  let ellipseUid: string | undefined;
  let lengthUid: string | undefined;

  it('draws an ellipse with the mouse: stored, pushed, and still there after a reload', async () => {
    const before = new Set((await annotations(page)).map((a) => a.uid));
    await page.click('button[data-tool="EllipticalROI"]');
    await drag(page, [150, 95], [185, 125]);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="selection"]').length === 3);
    ellipseUid = (await annotations(page)).find((a) => !before.has(a.uid))?.uid;
    expect(ellipseUid).toBeTruthy();
    // Live replication pushes it: the server has it.
    await expect.poll(async () => (await serverSelections()).map((s) => s.id), { timeout: 20_000 }).toContain(ellipseUid);
    const onServer = (await serverSelections()).find((s) => s.id === ellipseUid)!;
    expect(onServer.instance?.[0]?.imageRegion2D?.[0]?.regionType).toBe('ellipse');
    expect(onServer.derivedFrom?.[0]?.reference).toBe(`ImagingStudy/${CHEST}`);

    await page.reload();
    await openChest(page);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="selection"]').length === 3);
    // Read back from IndexedDB onto Cornerstone's annotation state by the binding.
    await page.waitForFunction((uid) => (window as unknown as { workstation: Hook }).workstation.annotations().some((a) => a.uid === uid), ellipseUid);
  }, 90_000);

  it('offline: a length drawn is pending 1 and not on the server; online: it is pushed', async () => {
    await page.click('[data-testid="network"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="network"]')?.textContent?.includes('Offline'));
    const countBefore = (await serverSelections()).length;
    const before = new Set((await annotations(page)).map((a) => a.uid));
    await page.click('button[data-tool="Length"]');
    await drag(page, [60, 200], [120, 210]);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="selection"]').length === 4);
    lengthUid = (await annotations(page)).find((a) => !before.has(a.uid))?.uid;
    expect(lengthUid).toBeTruthy();
    await page.waitForFunction(() => document.querySelector('[data-testid="pending"]')?.textContent === '1');
    await page.screenshot({ path: `${IMG}workstation-offline.png` });
    // Nothing reached the server while offline.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await serverSelections()).length).toBe(countBefore);
    expect(await page.textContent('[data-testid="pending"]')).toBe('1');

    const online = Date.now();
    await page.click('[data-testid="network"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="pending"]')?.textContent === '0');
    await expect.poll(async () => (await serverSelections()).map((s) => s.id), { timeout: 20_000 }).toContain(lengthUid);
    console.log(`[workstation] back online to the offline edit on the server: ${Date.now() - online} ms`);
    const onServer = (await serverSelections()).find((s) => s.id === lengthUid)!;
    expect(onServer.code?.coding?.[0]?.code).toBe('410668003'); // SNOMED CT Length
    expect(onServer.instance?.[0]?.imageRegion2D?.[0]).toMatchObject({ regionType: 'polyline' });
    expect(onServer.instance?.[0]?.imageRegion2D?.[0]?.coordinate).toHaveLength(4);
    await page.screenshot({ path: `${IMG}workstation-synced.png` });
  }, 90_000);

  it('a second workstation (another profile, its own IndexedDB) gets them, and a remote change appears live', async () => {
    const second = await launchChromium();
    try {
      const p2 = second.context.pages()[0] ?? (await second.context.newPage());
      p2.setDefaultTimeout(30_000);
      collectErrors(p2, errors, 'second');
      await p2.setViewportSize({ width: 1100, height: 760 });
      await p2.goto(`${demo.url}?cpu#/study/${CHEST}`);
      await openChest(p2);
      await p2.waitForFunction(() => document.querySelectorAll('[data-testid="selection"]').length === 4);
      await p2.waitForFunction((uid) => (window as unknown as { workstation: Hook }).workstation.annotations().some((a) => a.uid === uid), ellipseUid);

      // A label changed on the server (as a third system would): it shows on the first workstation within a live cycle.
      const ellipse = (await serverSelections()).find((s) => s.id === ellipseUid)!;
      const relabelled: ImagingSelection = {
        ...ellipse,
        extension: [...(ellipse.extension ?? []).filter((e) => e.url !== 'http://hl7.org/fhir/StructureDefinition/note'), { url: 'http://hl7.org/fhir/StructureDefinition/note', valueAnnotation: { text: 'heart, relabelled remotely' } }],
      };
      const changed = Date.now();
      const put = await fetch(`${demo.fhirBaseUrl}/ImagingSelection/${ellipseUid}`, { method: 'PUT', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(relabelled) });
      expect(put.status).toBe(200);
      await page.waitForSelector('[data-testid="selection"]:has-text("heart, relabelled remotely")', { timeout: 15_000 });
      console.log(`[workstation] remote change to its appearance on a workstation (live interval 2 s): ${Date.now() - changed} ms`);

      await p2.waitForSelector('[data-testid="selection"]:has-text("heart, relabelled remotely")', { timeout: 15_000 });

      // The history panel: both versions, the change between them, and restore of the first (a new version, pushed).
      await page.click(`[data-testid="selection"][data-id="${ellipseUid}"] [data-testid="open-history"]`);
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="version"]').length === 2);
      expect(await page.textContent('[data-testid="version"]')).toContain('extension');
      await page.screenshot({ path: `${IMG}workstation-history.png` });
      await page.click('[data-testid="restore"]');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="version"]').length === 3);
      const note = async () => (await serverSelections()).find((s) => s.id === ellipseUid)?.extension?.some((e) => e.url === 'http://hl7.org/fhir/StructureDefinition/note');
      await expect.poll(note, { timeout: 20_000 }).toBe(false);
      await p2.waitForSelector('[data-testid="selection"]:has-text("heart, relabelled remotely")', { state: 'detached', timeout: 15_000 });
    } finally {
      await second.close();
    }
    expect(errors).toEqual([]);
  }, 120_000);
  it('a conflict: the length moved here offline and on the server; the panel shows both, keep mine wins, history keeps both', async () => {
    const region = async () => (await serverSelections()).find((s) => s.id === lengthUid)!.instance![0]!.imageRegion2D![0]!;
    const [c1, r1, c2, r2] = (await region()).coordinate as [number, number, number, number];
    await page.click(`[data-testid="selection"][data-id="${lengthUid}"] strong`);
    await page.click('[data-testid="network"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="network"]')?.textContent?.includes('Offline'));
    // Any tool can drag a handle of a drawn annotation: move the length's second end.
    await page.click('button[data-tool="WindowLevel"]');
    await drag(page, [c2, r2], [c2 + 20, r2 + 25]);
    await page.waitForFunction(() => document.querySelector('[data-testid="pending"]')?.textContent === '1');

    // Meanwhile another system moves its first end on the server.
    const theirs = (await serverSelections()).find((s) => s.id === lengthUid)!;
    theirs.instance![0]!.imageRegion2D![0]!.coordinate = [c1 - 15, r1, c2, r2];
    const put = await fetch(`${demo.fhirBaseUrl}/ImagingSelection/${lengthUid}`, { method: 'PUT', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(theirs) });
    expect(put.status).toBe(200);

    await page.click('[data-testid="network"]');
    await page.waitForSelector(`[data-testid="conflict"][data-id="${lengthUid}"]`, { timeout: 20_000 });
    // Both sides changed `instance`; the panel shows what each changed in it since the version both started from.
    const [mine, theirsShown] = await page.$$eval('[data-testid="conflict"] [data-testid="changes"]', (els) => els.map((e) => e.textContent ?? ''));
    expect(mine).toContain('instance[0].imageRegion2D[0].coordinate[2]');
    expect(mine).not.toContain('coordinate[0]');
    expect(theirsShown).toContain('instance[0].imageRegion2D[0].coordinate[0]');
    await page.screenshot({ path: `${IMG}workstation-conflict.png` });
    await page.click('[data-testid="keep-mine"]');
    await page.waitForSelector('[data-testid="conflict"]', { state: 'detached', timeout: 20_000 });
    // The server now has this workstation's length (its second end moved, its first where it was).
    await expect.poll(async () => (await region()).coordinate[2]!, { timeout: 20_000 }).toBeGreaterThan(c2 + 10);
    expect((await region()).coordinate[0]).toBeCloseTo(c1, 3);
    // Nothing lost: the server's version is in this workstation's history, under the one kept.
    // The server's version reaches this store's history with a pull, which may land after "keep mine" returns:
    // open the history again until it is there.
    const theirsPrefix = `polyline ${(c1 - 15).toFixed(1)} `;
    await expect
      .poll(
        async () => {
          await page.click(`[data-testid="selection"][data-id="${lengthUid}"] [data-testid="open-history"]`);
          await page.waitForFunction(() => document.querySelectorAll('[data-testid="version"]').length >= 3);
          const versions = await page.$$eval('[data-testid="version"] code', (els) => els.map((e) => e.textContent ?? ''));
          return versions.some((v) => v.startsWith(theirsPrefix));
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(true);
    // The refused push (412, If-Match on a version the server had moved past) is how the conflict was found;
    // Chromium logs every answer of 400 and above. Nothing else went wrong in the page.
    expect(errors.filter((e) => !/status of 412 \(Precondition Failed\)/.test(e))).toEqual([]);
  }, 90_000);
  it('a study with 500 selections: the time from the store onto the viewport (printed)', async () => {
    // Offline, so that pushing the 500 does not run beside what is timed.
    await page.click('[data-testid="network"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="network"]')?.textContent?.includes('Offline'));
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
  }, 150_000);
  it('the FHIR server stopped: a reload still shows the worklist, the study, its images and annotations, from the store', async () => {
    await demo.server.close();
    await page.evaluate(() => sessionStorage.removeItem('workstation-offline')); // "online": the server is really gone
    await page.evaluate(() => (location.hash = '#/'));
    await page.reload(); // a real reload: the page, the store and the replication start again, without a server
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="study"]').length === 2);
    await page.click(`[data-testid="study"][data-id="${CHEST}"]`);
    await openChest(page);
    await page.waitForFunction((uid) => (window as unknown as { workstation: Hook }).workstation.annotations().some((a) => a.uid === uid), lengthUid);
    expect(await page.$$eval('[data-testid="selection"]', (els) => els.length)).toBe(4);
    // The replication found no server: it says so, and nothing else failed.
    await page.waitForFunction(() => /NetworkError/.test(document.querySelector('[data-testid="sync-error"]')?.textContent ?? ''));
    await page.screenshot({ path: `${IMG}workstation-server-down.png` });
    expect(errors.filter((e) => !/status of 412 \(Precondition Failed\)|ERR_CONNECTION_REFUSED/.test(e))).toEqual([]);
  }, 90_000);
});
