/**
 * What the Chromium tests share: the built library bundled into a page script with esbuild, a local HTTP
 * server for the page, a headless Chromium on a fresh profile (Debian's /usr/bin/chromium; never a
 * downloaded browser), and the rule for a missing browser (skip with a warning; fail when CI is set).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import type { ImagingSelection } from 'fhir/r5';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { describe, it } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const IN_CI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The build that the package's `browser` export condition of `.` names: what a bundler gives a web app. */
export const DIST = join(REPO, 'dist', 'browser', 'index.js');
// The official examples are kept in the repository, data/hl7-fhir-r5/examples/.
const EXAMPLES = new URL('../../data/hl7-fhir-r5/examples/', import.meta.url);

/**
 * Without Chromium: a failing test when CI is set (so a CI image without the browser is noticed), else a
 * warning. Call at collection time, then wrap the suite in `describe.skipIf(!HAVE_CHROMIUM)`.
 */
export function requireChromium(suite: string): void {
  if (HAVE_CHROMIUM) return;
  if (IN_CI) {
    describe(suite, () => {
      it('needs chromium in CI', () => {
        throw new Error(`chromium not installed at ${CHROMIUM} (CI is set, so this fails instead of skipping): apt-get install chromium`);
      });
    });
  } else {
    console.warn(`[test/browser] skipped: chromium not installed: apt-get install chromium (expected at ${CHROMIUM})`);
  }
}

/** An official ImagingSelection example from data/hl7-fhir-r5/examples. */
export function loadExample(file: string): ImagingSelection {
  return JSON.parse(readFileSync(new URL(file, EXAMPLES), 'utf8')) as ImagingSelection;
}

/**
 * The browser build must not reach fake-indexeddb (Node's in-memory fallback) at all, not even as a lazy chunk:
 * any import of it fails the bundle.
 */
const forbidFakeIndexedDb: Plugin = {
  name: 'forbid-fake-indexeddb',
  setup(b) {
    b.onResolve({ filter: /^fake-indexeddb(\/.*)?$/ }, (args) => ({
      errors: [{ text: `the browser build imports ${args.path} (from ${args.importer})` }],
    }));
  },
};

/** esbuild options of a page script for Chromium (the browser tests and `npm run bench:browser`): one ES module in memory. */
export const PAGE_BUILD = {
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
} as const satisfies BuildOptions;

/**
 * Bundles a page script (ESM source; it may import `DIST`, the built library, by path or as `fhir-offline-store`)
 * for the browser. Fails with a clear message when dist/ has not been built.
 */
export async function bundlePage(entry: string, options: { loader?: 'js' | 'ts'; sourcefile?: string } = {}): Promise<string> {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`npm run build\` (\`npm test\` does it first)`);
  const result = await build({
    stdin: { contents: entry, resolveDir: REPO, sourcefile: options.sourcefile ?? 'page-entry.js', loader: options.loader ?? 'js' },
    ...PAGE_BUILD,
    alias: { 'fhir-offline-store': DIST },
    plugins: [forbidFakeIndexedDb],
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error(`esbuild produced no output for ${options.sourcefile ?? 'the page'}`);
  return out.text;
}

/** A page server on 127.0.0.1 (a free port): `/` loads `/app.js` as a module. */
export interface PageServer {
  server: Server;
  origin: string;
  close(): Promise<void>;
}

export function servePage(script: string): Promise<PageServer> {
  const html = '<!doctype html><meta charset="utf-8"><title>fhir-offline-store</title><script type="module" src="/app.js"></script>';
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
    else if (path === '/app.js') res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(script);
    // No icon, and no 404 for it in the console (the tests count console errors).
    else if (path === '/favicon.ico') res.writeHead(204).end();
    else res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      }),
    );
  });
}

/** Headless Chromium with a persistent context on a fresh profile: IndexedDB lives on disk as in a real browser. */
export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** `extraArgs` are added to the fixed flags (e.g. `--host-resolver-rules=MAP evil.test 127.0.0.1`). */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'fhir-store-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: 15_000,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run', ...extraArgs],
    });
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  return {
    context,
    close: async () => {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Collects a page's uncaught errors and console errors into `into`. */
export function collectErrors(page: Page, into: string[], label = ''): void {
  const prefix = label ? `[${label}] ` : '';
  page.on('pageerror', (e) => into.push(`${prefix}${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') into.push(`${prefix}${m.text()}`);
  });
}

/** The arguments and the settled result of a method of a page API. */
type Args<F> = F extends (...args: infer A) => unknown ? A : never;
type Result<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;

/** A bundled page script in a fresh persistent Chromium, called through the object it puts on `window`. */
export interface ApiPage<Api> {
  readonly page: Page;
  /** The page's uncaught errors and console errors so far. */
  readonly errors: string[];
  /** Calls `window[global][name](...args)` in the page (arguments and result cross as JSON-like values). */
  call<K extends keyof Api & string>(name: K, ...args: Args<Api[K]>): Promise<Result<Api[K]>>;
  /** Reloads the page (a new store instance on the same profile) and waits for its API again. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Bundles `entry`, serves it and opens it in a fresh persistent Chromium. The page is ready once
 * `window[global]` exists, and, with `ready`, once the promise the entry keeps at `window[ready]` settles.
 */
export async function openApiPage<Api>(entry: string, global: string, options: { ready?: string; timeout?: number } = {}): Promise<ApiPage<Api>> {
  const server = await servePage(await bundlePage(entry));
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(options.timeout ?? 20_000);
    const errors: string[] = [];
    collectErrors(page, errors);
    const waitForApi = async (): Promise<void> => {
      const names = [global, ...(options.ready !== undefined ? [options.ready] : [])];
      await page.waitForFunction((ns) => ns.every((n) => (window as unknown as Record<string, unknown>)[n] !== undefined), names);
      if (options.ready !== undefined) await page.evaluate((n) => (window as unknown as Record<string, unknown>)[n], options.ready);
    };
    await page.goto(`${server.origin}/`);
    await waitForApi();
    const opened = browser;
    return {
      page,
      errors,
      call: (name, ...args) =>
        page.evaluate(
          ([g, n, a]) => ((window as unknown as Record<string, Record<string, (...x: unknown[]) => unknown>>)[g]![n]!)(...a),
          [global, name, args as unknown[]] as const,
        ) as never,
      reload: async () => {
        await page.reload();
        await waitForApi();
      },
      close: async () => {
        await opened.close();
        await server.close();
      },
    };
  } catch (e) {
    await browser?.close();
    await server.close();
    throw e;
  }
}
