/**
 * The server against web pages in real Chromium (issue 15, docs/server.md#security): a page of an origin that
 * is not allowed can neither read nor change anything; a DNS-rebinding page (same origin as the server, its
 * name resolving to 127.0.0.1) is answered 421; allowed origins (loopback by default, configured ones) work,
 * with a token too. Host names are mapped to 127.0.0.1 with `--host-resolver-rules`: no DNS, no network.
 */
import type { Bundle, Patient } from 'fhir/r5';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { collectErrors, HAVE_CHROMIUM, launchChromium, requireChromium, servePage, type Browser, type PageServer } from './harness.js';

/** What a page's `fetch` came to: a status it could read, or the error the browser gave it instead. */
type Outcome = { status: number; type: string; body: string } | { error: string };

/** Runs `fetch(url, init)` inside the page, as a script of that page's origin would. */
function pageFetch(page: Page, url: string, init: RequestInit = {}): Promise<Outcome> {
  return page.evaluate(
    async ([u, i]) => {
      try {
        const res = await fetch(u, i);
        return { status: res.status, type: res.type, body: res.type === 'opaque' ? '' : await res.text() };
      } catch (e) {
        return { error: `${(e as Error).name}: ${(e as Error).message}` };
      }
    },
    [url, init] as const,
  );
}

const PATIENT: Patient = { resourceType: 'Patient', id: 'p1', name: [{ family: 'Before' }] };
const CHANGED = JSON.stringify({ ...PATIENT, name: [{ family: 'Changed by a page' }] });

requireChromium('server against cross-origin pages in Chromium');

describe.skipIf(!HAVE_CHROMIUM)('server against cross-origin pages in Chromium', () => {
  let pages: PageServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const open: RunningServer[] = [];

  beforeAll(async () => {
    pages = await servePage('window.loaded = true;');
    browser = await launchChromium(['--host-resolver-rules=MAP evil.test 127.0.0.1, MAP app.test 127.0.0.1']);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(10_000);
    collectErrors(page, pageErrors);
  }, 30_000);
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await pages?.close();
  });

  async function server(options: Parameters<typeof startServer>[0] = {}): Promise<{ server: RunningServer; log: string[] }> {
    const log: string[] = [];
    const s = await startServer({ port: 0, log: (l) => log.push(l), ...options });
    open.push(s);
    await s.store.update(PATIENT);
    return { server: s, log };
  }

  /** Patient/p1 and the number of Patients, read by Node (no Origin): what the pages may have changed. */
  async function state(s: RunningServer, headers: Record<string, string> = {}): Promise<{ family?: string; versionId?: string; count?: number }> {
    const p1 = (await (await fetch(`${s.url}/Patient/p1`, { headers })).json()) as Patient;
    const count = ((await (await fetch(`${s.url}/Patient?_summary=count`, { headers })).json()) as Bundle).total;
    return { ...(p1.name?.[0]?.family !== undefined ? { family: p1.name[0].family } : {}), ...(p1.meta?.versionId ? { versionId: p1.meta.versionId } : {}), ...(count !== undefined ? { count } : {}) };
  }

  it('a page of a refused origin reads nothing and changes nothing', async () => {
    const { server: s, log } = await server();
    await page.goto(`http://evil.test:${new URL(pages.origin).port}/`);
    expect(await page.evaluate(() => location.origin)).toMatch(/^http:\/\/evil\.test:\d+$/);

    const read = await pageFetch(page, `${s.url}/Patient/p1`);
    const simplePost = await pageFetch(page, `${s.url}/Patient`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: CHANGED });
    const noCorsPost = await pageFetch(page, `${s.url}/Patient`, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: CHANGED });
    const put = await pageFetch(page, `${s.url}/Patient/p1`, { method: 'PUT', headers: { 'Content-Type': 'application/fhir+json' }, body: CHANGED });
    const del = await pageFetch(page, `${s.url}/Patient/p1`, { method: 'DELETE' });

    // The browser keeps every answer from the page (no CORS header), but a no-cors one, which is opaque.
    for (const [what, o] of Object.entries({ read, simplePost, put, del })) expect(o, what).toMatchObject({ error: expect.stringMatching(/TypeError/) });
    expect(noCorsPost).toEqual({ status: 0, type: 'opaque', body: '' });
    // What reached the server: the read (answered, unreadable), the two POSTs (403), the preflights of PUT and DELETE (403).
    expect(log.map((l) => l.replace(/ \d+ms$/, ''))).toEqual([
      'GET /fhir/Patient/p1 200',
      'POST /fhir/Patient 403',
      'POST /fhir/Patient 403',
      'OPTIONS /fhir/Patient/p1 403',
      'OPTIONS /fhir/Patient/p1 403',
    ]);
    expect(await state(s)).toEqual({ family: 'Before', versionId: '1', count: 1 });
  });

  it('a DNS-rebinding page (same origin, its name on 127.0.0.1) is answered 421 and changes nothing', async () => {
    // The attacker's page is loaded from evil.test:P, then what answers at evil.test:P changes: here the page
    // server on P closes and the FHIR server starts on P (a real rebinding changes the name's address instead).
    // Loading the page from loopback keeps Chromium's Private Network Access out of the way, as it would be
    // in a browser without it: what is tested is the server's own Host check.
    const attacker = await servePage('window.loaded = true;');
    const port = Number(new URL(attacker.origin).port);
    await page.goto(`http://evil.test:${port}/`);
    await attacker.close();
    const { server: s, log } = await server({ port });
    expect(s.port).toBe(port);
    // Same origin now: no CORS at all, the page reads whatever the server answers.
    const read = await pageFetch(page, '/fhir/Patient/p1');
    const put = await pageFetch(page, '/fhir/Patient/p1', { method: 'PUT', headers: { 'Content-Type': 'application/fhir+json' }, body: CHANGED });
    for (const o of [read, put]) {
      expect(o).toMatchObject({ status: 421, type: 'basic' });
      expect(JSON.parse((o as { body: string }).body)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'security' }] });
      expect((o as { body: string }).body).not.toContain('Before');
    }
    // Chromium sends a request answered 421 once more on a new connection (and the page's late favicon request
    // arrives too): every one of them was refused.
    const answered = log.map((l) => l.replace(/ \d+ms$/, '')).filter((l) => !l.startsWith('GET /favicon.ico '));
    expect(new Set(answered)).toEqual(new Set(['GET /fhir/Patient/p1 421', 'PUT /fhir/Patient/p1 421']));
    expect(log.every((l) => / 421 \d+ms$/.test(l))).toBe(true);
    expect(await state(s)).toEqual({ family: 'Before', versionId: '1', count: 1 });
  });

  it('pages of allowed origins (loopback, a configured one) read and write, with a token when one is needed', async () => {
    const port = new URL(pages.origin).port;
    const token = 'browser-test-token';
    const { server: s } = await server({ corsOrigins: [`http://app.test:${port}`], token });
    const auth = { Authorization: `Bearer ${token}` };
    for (const origin of [pages.origin, `http://app.test:${port}`]) {
      await page.goto(`${origin}/`);
      const family = `Changed by ${origin}`;
      // Without the token: a 401 the page can read (CORS headers on it), with its challenge.
      const refused = await pageFetch(page, `${s.url}/Patient/p1`);
      expect(refused).toMatchObject({ status: 401, type: 'cors' });
      // With it: the preflight (which carries no token) passes, then the PUT.
      const put = await pageFetch(page, `${s.url}/Patient/p1`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/fhir+json', ...auth },
        body: JSON.stringify({ ...PATIENT, name: [{ family }] }),
      });
      expect(put, origin).toMatchObject({ status: 200, type: 'cors' });
      const read = await page.evaluate(
        async ([u, a]) => {
          const res = await fetch(u, { headers: a });
          return { status: res.status, etag: res.headers.get('etag'), body: (await res.json()) as { name?: { family?: string }[] } };
        },
        [`${s.url}/Patient/p1`, auth] as const,
      );
      expect(read.status).toBe(200);
      expect(read.etag).toMatch(/^W\/"\d+"$/); // an exposed header
      expect(read.body.name?.[0]?.family).toBe(family);
      expect((await state(s, auth)).family).toBe(family);
    }
    const challenge = await page.evaluate(async (u) => (await fetch(u)).headers.get('www-authenticate'), `${s.url}/metadata`);
    expect(challenge).toBe('Bearer realm="fhir-offline-store"');
    // Refused CORS requests log console errors in Chromium; everything else in these pages ran clean.
    expect(pageErrors.filter((e) => !/CORS|Failed to load resource|net::ERR_FAILED|status of 421|status of 401/.test(e))).toEqual([]);
  });
});
