/**
 * `npm run demo:web`: the imaging workstation. Generates the DICOM series (once), starts the Vite dev server of
 * the app (which serves the images at /wado), then this package's own FHIR server (in memory) loaded with the
 * demo's Patients, ImagingStudies, Endpoint and ImagingSelections, and prints the URL to open.
 * `startDemo()` is the same for the end-to-end test.
 */
import { pathToFileURL } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';
import { loadData, startServer, type RunningServer } from '../../src/server/index.js';
import { DEFAULT_DATA_DIR, demoResources, generateDicom } from './generate/index.js';
import { demoViteConfig, type DemoConfig } from './vite-config.js';

export interface DemoOptions {
  /** Port of the app (the next free one when busy). Default 5173. */
  appPort?: number;
  /** Port of the FHIR server. Default 0 (a free one). */
  fhirPort?: number;
  /** Where the DICOM files are generated. Default demo/web/.data/. */
  dataDir?: string;
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
  /** The FHIR server (its store is the server's data). */
  server: RunningServer;
  vite: ViteDevServer;
  close(): Promise<void>;
}

export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const log = options.log ?? (() => {});
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  generateDicom(dataDir, log);
  const config: DemoConfig = { fhirBaseUrl: '' };
  // The app's origin first: the Endpoint resource names it as the address of the images.
  const vite = await createServer(demoViteConfig({ dataDir, config: () => config, ...(options.appPort !== undefined ? { port: options.appPort } : {}) }));
  let server: RunningServer | undefined;
  try {
    await vite.listen();
    const url = vite.resolvedUrls?.local[0];
    if (!url) throw new Error('the Vite dev server did not report its URL');
    const origin = new URL(url).origin;
    server = await startServer({ port: options.fhirPort ?? 0, ...(options.requestLog ? { log: options.requestLog } : {}) });
    const resources = demoResources(`${origin}/wado`);
    await loadData(server.store, { kind: 'resources', entries: resources.map((resource) => ({ resource })) });
    config.fhirBaseUrl = server.url;
    log(`Loaded ${resources.length} FHIR resources into the server at ${server.url}`);
    const running = server;
    return {
      url,
      fhirBaseUrl: server.url,
      server,
      vite,
      close: async () => {
        await vite.close();
        await running.close(); // idempotent: the test may have stopped it already
      },
    };
  } catch (e) {
    await vite.close();
    await server?.close();
    throw e;
  }
}

// Run as a script (npm run demo:web), not when imported by the test.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const demo = await startDemo({ log: (l) => console.log(l), ...(process.argv.includes('--log') ? { requestLog: (l) => console.error(l) } : {}) });
  console.log(`FHIR R5 server (in memory, reset on every start): ${demo.fhirBaseUrl}`);
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
