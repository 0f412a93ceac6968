/**
 * The built library (dist/index.js) in real Chromium against real IndexedDB: writes, history, and the data
 * surviving a page reload (a new store instance on the same database). `npm test` builds dist/ first.
 */
import type { Bundle, ImagingSelection } from 'fhir/r5';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePage, collectErrors, DIST, HAVE_CHROMIUM, launchChromium, loadExample, requireChromium, servePage, type Browser, type PageServer } from './harness.js';

const DB_NAME = 'browser-test';

interface FhirRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}
interface FhirResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}
/** What the page script puts on `window`. */
interface PageApi {
  fhirReady: Promise<void>;
  fhir: { handle(req: FhirRequest): Promise<FhirResponse>; databases(): Promise<IDBDatabaseInfo[]> };
}

/**
 * The page script. It resolves `openStore` from the built dist/index.js; a failure to open is kept in
 * `fhirReady` so the test reports it instead of timing out.
 */
const ENTRY = `
import { openStore } from ${JSON.stringify(DIST)};
window.fhirReady = openStore({ name: ${JSON.stringify(DB_NAME)} }).then((store) => {
  window.fhir = {
    handle: (req) => store.handle(req),
    databases: () => indexedDB.databases(),
  };
});
`;

requireChromium('browser: IndexedDB in Chromium');

describe.skipIf(!HAVE_CHROMIUM)('browser: the built library on real IndexedDB in Chromium', () => {
  let pageServer: PageServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  // Read in beforeAll, not at collection, so a skipped run needs neither the examples nor a browser.
  let basic: ImagingSelection;
  let posted: ImagingSelection;
  let basicUrl: string;
  let v1: ImagingSelection;
  let v2: ImagingSelection;
  let postedId: string;

  /** Calls `window.fhir.handle` in the page. */
  const handle = (req: FhirRequest): Promise<FhirResponse> =>
    page.evaluate((r) => (window as unknown as PageApi).fhir.handle(r), req);

  /** Waits for the page script to open its store (and rethrows its error if it failed). */
  async function ready(): Promise<void> {
    await page.waitForFunction(() => (window as unknown as Partial<PageApi>).fhirReady !== undefined, null, { timeout: 10_000 });
    await page.evaluate(() => (window as unknown as PageApi).fhirReady);
  }

  beforeAll(async () => {
    basic = loadExample('ImagingSelection-example-basic-image-selection.json');
    basicUrl = `ImagingSelection/${basic.id}`;
    const { id: _serverAssigns, ...rest } = loadExample('ImagingSelection-example-2d-image-region-selection.json');
    posted = rest;
    const script = await bundlePage(ENTRY);
    pageServer = await servePage(script);
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(10_000);
    collectErrors(page, pageErrors);
    await page.goto(`${pageServer.origin}/`);
    await ready();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await pageServer?.close();
  });

  it('PUT creates an official example with its id (201, version 1)', async () => {
    const res = await handle({ method: 'PUT', url: basicUrl, body: basic });
    expect(res.status).toBe(201);
    expect(res.headers['ETag']).toBe('W/"1"');
    expect(res.headers['Location']).toBe(`${basicUrl}/_history/1`);
    v1 = res.body as ImagingSelection;
    const lastUpdated = v1.meta?.lastUpdated ?? '';
    expect(lastUpdated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
    expect(res.headers['Last-Modified']).toBe(new Date(lastUpdated).toUTCString());
    // Everything as sent, plus the server's versionId and lastUpdated; the example's meta.tag kept.
    expect(v1).toEqual({ ...basic, meta: { ...basic.meta, versionId: '1', lastUpdated } });
  });

  it('POST creates with a server-assigned id (201, version 1)', async () => {
    const res = await handle({ method: 'POST', url: 'ImagingSelection', body: posted });
    expect(res.status).toBe(201);
    const body = res.body as ImagingSelection;
    postedId = body.id ?? '';
    expect(postedId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/); // crypto.randomUUID
    expect(res.headers['ETag']).toBe('W/"1"');
    expect(res.headers['Location']).toBe(`ImagingSelection/${postedId}/_history/1`);
    expect(body).toEqual({ ...posted, id: postedId, meta: { ...posted.meta, versionId: '1', lastUpdated: body.meta?.lastUpdated } });
  });

  it('refuses a narrative with a script or a javascript: link (422 at text.div), parsed in the page (issue 13 defect 9)', async () => {
    for (const inner of ['<p>x</p><script>alert(1)</script>', '<a href="java&#9;script:alert(1)">x</a>']) {
      const div = `<div xmlns="http://www.w3.org/1999/xhtml">${inner}</div>`;
      const res = await handle({ method: 'POST', url: 'ImagingSelection', body: { ...posted, text: { status: 'generated', div } } });
      expect(res.status).toBe(422);
      const issue = (res.body as { issue: { code: string; expression: string[]; diagnostics: string }[] }).issue[0];
      expect(issue?.code).toBe('invariant');
      expect(issue?.expression).toEqual(['ImagingSelection.text.div']);
      expect(issue?.diagnostics).toMatch(/^txt-1: /);
    }
    expect((await handle({ method: 'POST', url: 'ImagingSelection', body: { ...posted, text: { status: 'generated', div: '<div>no namespace</div>' } } })).status).toBe(400);
  });

  it('validates a Patient against the R5 tables, loaded in the page (issue 13 defect 10)', async () => {
    for (const [body, status, expression] of [
      [{ resourceType: 'Patient', id: 'd10', gender: 'banana' }, 422, 'Patient.gender'],
      [{ resourceType: 'Patient', id: 'd10', birthDate: '2024-13-45' }, 400, 'Patient.birthDate'],
      [{ resourceType: 'Patient', id: 'd10', active: 'yes' }, 400, 'Patient.active'],
    ] as const) {
      const res = await handle({ method: 'PUT', url: 'Patient/d10', body });
      expect(res.status).toBe(status);
      expect((res.body as { issue: { expression: string[] }[] }).issue.map((i) => i.expression[0])).toEqual([expression]);
    }
    expect((await handle({ method: 'GET', url: 'Patient/d10' })).status).toBe(404);
    expect((await handle({ method: 'PUT', url: 'Patient/d10', body: { resourceType: 'Patient', id: 'd10', gender: 'female', birthDate: '1970-01-31', active: true } })).status).toBe(201);
  });

  it('PUT with If-Match updates to version 2 (200, ETag W/"2")', async () => {
    const changed: ImagingSelection = { ...v1, status: 'unknown', code: { text: 'Key Images (revised)' } };
    const res = await handle({ method: 'PUT', url: basicUrl, headers: { 'If-Match': 'W/"1"' }, body: changed });
    expect(res.status).toBe(200);
    expect(res.headers['ETag']).toBe('W/"2"');
    expect(res.headers['Location']).toBe(`${basicUrl}/_history/2`);
    v2 = res.body as ImagingSelection;
    expect(v2).toEqual({ ...changed, meta: { ...basic.meta, versionId: '2', lastUpdated: v2.meta?.lastUpdated } });
    expect(Date.parse(v2.meta?.lastUpdated ?? '')).toBeGreaterThanOrEqual(Date.parse(v1.meta?.lastUpdated ?? ''));
  });

  it('instance history lists both versions, newest first', async () => {
    const res = await handle({ method: 'GET', url: `${basicUrl}/_history` });
    expect(res.status).toBe(200);
    const bundle = res.body as Bundle;
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('history');
    expect(bundle.total).toBe(2);
    expect(bundle.entry?.map((e) => [e.request?.method, e.response?.status, e.response?.etag])).toEqual([
      ['PUT', '200 OK', 'W/"2"'],
      ['PUT', '201 Created', 'W/"1"'],
    ]);
    expect(bundle.entry?.map((e) => e.resource)).toEqual([v2, v1]);
  });

  it('after a reload, a new store instance reads the same data back from IndexedDB', async () => {
    pageErrors.length = 0;
    await page.reload();
    await ready();
    // A fresh page realm: nothing survived in memory, only in IndexedDB.
    expect(await page.evaluate(() => performance.getEntriesByType('navigation')[0]?.toJSON().type)).toBe('reload');

    const read = await handle({ method: 'GET', url: basicUrl });
    expect(read.status).toBe(200);
    expect(read.headers['ETag']).toBe('W/"2"');
    expect(read.body).toEqual(v2);

    const vread = await handle({ method: 'GET', url: `${basicUrl}/_history/1` });
    expect(vread.status).toBe(200);
    expect(vread.headers['ETag']).toBe('W/"1"');
    expect(vread.body).toEqual(v1);

    const other = await handle({ method: 'GET', url: `ImagingSelection/${postedId}` });
    expect(other.status).toBe(200);
    expect((other.body as ImagingSelection).meta?.versionId).toBe('1');

    const history = await handle({ method: 'GET', url: `${basicUrl}/_history` });
    expect((history.body as Bundle).entry?.map((e) => e.resource)).toEqual([v2, v1]);
  });

  it('the store lives in the browser\'s own IndexedDB (indexedDB.databases())', async () => {
    const dbs = await page.evaluate(() => (window as unknown as PageApi).fhir.databases());
    expect(dbs.map((d) => d.name)).toContain(DB_NAME);
    expect(pageErrors).toEqual([]);
  });
});
