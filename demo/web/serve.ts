/**
 * `npm run demo:web`: the imaging workstation. Generates the DICOM series (once), builds the app with its
 * service worker (again only when its sources changed) and serves it with the images at /wado, then starts this
 * package's own FHIR server with the data it had when it last stopped (demo/web/.data/fhir-server.json), or, on
 * the first start, the demo's Patients, ImagingStudies, Endpoint and ImagingSelections, and prints the URL.
 * `--dev` serves the app from Vite's dev server instead (for working on it: no build, no service worker);
 * `--reset` starts the FHIR server afresh. `startDemo()` is the same for the end-to-end test.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Endpoint } from 'fhir/r5';
import { createServer, preview, type PreviewServer, type ViteDevServer } from 'vite';
import { loadData, startServer, type RunningServer } from '../../src/server/index.js';
import { buildApp } from './app-build.js';
import { DEFAULT_DATA_DIR, demoResources, ENDPOINT_ID, generateDicom } from './generate/index.js';
import { keepJournal, readJournal, replay, replayClock, type JournalWriter } from './journal.js';
import { demoViteConfig, type DemoConfig } from './vite-config.js';

export interface DemoOptions {
  /**
   * Port of the app. Default 5173, or the next free one when it is busy. A port given (other than 0) must be free:
   * the app's origin, with its port, is where the browser keeps the app's database and service worker.
   */
  appPort?: number;
  /** Port of the FHIR server. Default 0 (a free one). */
  fhirPort?: number;
  /** Where the DICOM files and the built app go. Default demo/web/.data/. */
  dataDir?: string;
  /** The FHIR server's data across restarts. Default `<dataDir>/fhir-server.json`. */
  stateFile?: string;
  /** Forget the FHIR server's data and load the demo's resources afresh. Default false. */
  reset?: boolean;
  /** Serve the app from Vite's dev server (no build, no service worker: not usable offline). Default false. */
  dev?: boolean;
  /** Progress lines. Default: none. */
  log?: (line: string) => void;
  /** One line per FHIR request. Default: none. */
  requestLog?: (line: string) => void;
}

export interface RunningDemo {
  /** The app, e.g. `http://127.0.0.1:5173/`. */
  url: string;
  /** The FHIR base the app replicates with. */
  fhirBaseUrl: string;
  /** The FHIR server's identity, kept across restarts in the state file. */
  serverId: string;
  /** The FHIR server (its store is the server's data). */
  server: RunningServer;
  /** The app's server (the built app, or Vite's dev server with `dev`). */
  app: PreviewServer | ViteDevServer;
  /** Stops the FHIR server, its data written to the state file first. Idempotent. */
  stopFhir(): Promise<void>;
  /** Stops the app's server. Idempotent. */
  stopApp(): Promise<void>;
  /** Both. */
  close(): Promise<void>;
}

const once = (f: () => Promise<void>): (() => Promise<void>) => {
  let done: Promise<void> | undefined;
  return () => (done ??= f());
};

export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const log = options.log ?? (() => {});
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const stateFile = options.stateFile ?? join(dataDir, 'fhir-server.json');
  generateDicom(dataDir, log);
  if (options.reset && existsSync(stateFile)) rmSync(stateFile);
  const journal = readJournal(stateFile);
  const config: DemoConfig = { fhirBaseUrl: '', serverId: journal.serverId };
  const viteConfig = demoViteConfig({ dataDir, config: () => config, ...(options.appPort !== undefined ? { port: options.appPort } : {}) });

  // The app's origin first: the Endpoint resource names it as the address of the images.
  let app: PreviewServer | ViteDevServer;
  if (options.dev) {
    const dev = await createServer(viteConfig);
    await dev.listen();
    app = dev;
  } else {
    const outDir = join(dataDir, 'app');
    await buildApp(viteConfig, outDir, log);
    app = await preview({ ...viteConfig, build: { outDir }, preview: { host: '127.0.0.1', port: options.appPort ?? 5173, strictPort: !!options.appPort } });
  }
  const stopApp = once(() => app.close());
  let server: RunningServer | undefined;
  let writer: JournalWriter | undefined;
  try {
    const url = app.resolvedUrls?.local[0];
    if (!url) throw new Error('the app server did not report its URL');
    const wado = `${new URL(url).origin}/wado`;
    const clock = replayClock(journal.versions);
    server = await startServer({ port: options.fhirPort ?? 0, clock: clock.clock, ...(options.requestLog ? { log: options.requestLog } : {}) });
    const store = server.store;
    if (journal.versions.length > 0) {
      const started = Date.now();
      await replay(store, clock, journal.versions);
      log(`Restored ${journal.versions.length} versions into the FHIR server from ${stateFile} (${Date.now() - started} ms)`);
    }
    writer = keepJournal(store, stateFile, journal.serverId);
    if (journal.versions.length > 0) {
      // The images' address is the app's origin, whose port may have changed since: a new version of the Endpoint.
      const endpoint = await store.read<Endpoint>('Endpoint', ENDPOINT_ID).catch(() => undefined);
      if (endpoint && endpoint.address !== wado) await store.update({ ...endpoint, address: wado });
    } else {
      const resources = demoResources(wado);
      await loadData(store, { kind: 'resources', entries: resources.map((resource) => ({ resource })) });
      log(`Loaded ${resources.length} FHIR resources into the server at ${server.url}`);
    }
    config.fhirBaseUrl = server.url;
    const running = server;
    const keeping = writer;
    const stopFhir = once(async () => {
      await keeping.close();
      await running.close();
    });
    return {
      url,
      fhirBaseUrl: server.url,
      serverId: journal.serverId,
      server,
      app,
      stopFhir,
      stopApp,
      close: async () => {
        await stopApp();
        await stopFhir();
      },
    };
  } catch (e) {
    await stopApp();
    await writer?.close();
    await server?.close();
    throw e;
  }
}

// Run as a script (npm run demo:web), not when imported by the test.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const demo = await startDemo({
    log: (l) => console.log(l),
    dev: args.includes('--dev'),
    reset: args.includes('--reset'),
    ...(args.includes('--log') ? { requestLog: (l) => console.error(l) } : {}),
  });
  console.log(`FHIR R5 server (in memory, kept in demo/web/.data/fhir-server.json across restarts; --reset forgets it): ${demo.fhirBaseUrl}`);
  console.log(`Imaging workstation: ${demo.url}`);
  let closing = false;
  const stop = (): void => {
    if (closing) process.exit(1);
    closing = true;
    void demo.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
