/**
 * The built library (dist/index.js) in real Chromium against real IndexedDB: writes, history, and the data
 * surviving a page reload (a new store instance on the same database). `npm test` builds dist/ first.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import type { Bundle, ImagingSelection } from 'fhir/r5';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const IN_CI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(REPO, 'dist', 'index.js');
// shared/ sits beside the repository, here and in CI.
const EXAMPLES = new URL('../../../shared/fhir/examples/', import.meta.url);
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

/**
 * dist/ reaches fake-indexeddb only through a dynamic import for Node without IndexedDB. In the browser it
 * must never run: replace it with a module that throws if it is ever evaluated.
 */
const stubFakeIndexedDb: Plugin = {
  name: 'stub-fake-indexeddb',
  setup(b) {
    b.onResolve({ filter: /^fake-indexeddb(\/.*)?$/ }, (args) => ({ path: args.path, namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: 'throw new Error("fake-indexeddb was loaded in the browser: the store did not find window.indexedDB");',
      loader: 'js',
    }));
  },
};

async function bundlePage(): Promise<string> {
  const result = await build({
    stdin: { contents: ENTRY, resolveDir: REPO, sourcefile: 'page-entry.js', loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    plugins: [stubFakeIndexedDb],
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error('esbuild produced no output');
  return out.text;
}

function serve(script: string): Promise<Server> {
  const html = '<!doctype html><meta charset="utf-8"><title>fhir-offline-store</title><script type="module" src="/app.js"></script>';
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
    else if (path === '/app.js') res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(script);
    else res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function loadExample(file: string): ImagingSelection {
  return JSON.parse(readFileSync(new URL(file, EXAMPLES), 'utf8')) as ImagingSelection;
}

if (!HAVE_CHROMIUM) {
  if (IN_CI) {
    describe('browser: IndexedDB in Chromium', () => {
      it('needs chromium in CI', () => {
        throw new Error(`chromium not installed at ${CHROMIUM} (CI is set, so this fails instead of skipping): apt-get install chromium`);
      });
    });
  } else {
    console.warn(`[test/browser] skipped: chromium not installed: apt-get install chromium (expected at ${CHROMIUM})`);
  }
}

describe.skipIf(!HAVE_CHROMIUM)('browser: the built library on real IndexedDB in Chromium', () => {
  let server: Server | undefined;
  let context: BrowserContext | undefined;
  let userDataDir: string | undefined;
  let page: Page;
  let origin: string;
  const pageErrors: string[] = [];

  // Read in beforeAll, not at collection, so a skipped run needs neither shared/ nor a browser.
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
    if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`npm run build\` (\`npm test\` does it first)`);
    const script = await bundlePage();
    server = await serve(script);
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A persistent context on a fresh profile: IndexedDB lives on disk as in a real browser.
    userDataDir = mkdtempSync(join(tmpdir(), 'fhir-store-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: 15_000,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(`${origin}/`);
    await ready();
  }, 30_000);

  afterAll(async () => {
    await context?.close().catch(() => {});
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
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
