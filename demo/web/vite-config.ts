/**
 * The Vite dev server of the workstation demo: the app (demo/web/index.html and src/), which imports the library
 * from the repository's own src/ (so a fresh clone needs no build), the DICOM files at `/wado` (WADO-URI, PS3.18 §9)
 * and `/demo-config.json` (where the FHIR server is), all from one loopback origin.
 */
import { createReadStream, existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Connect, InlineConfig, Plugin } from 'vite';
import { instancePath } from './generate/index.js';

const require = createRequire(import.meta.url);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** What the app fetches first: the FHIR server's base URL, and the server's identity (it names the app's database). */
export interface DemoConfig {
  fhirBaseUrl: string;
  serverId: string;
}

export interface DemoViteOptions {
  /** Folder with the generated `dicom/` files. */
  dataDir: string;
  /** The config the app reads (known once the FHIR server listens). */
  config: () => DemoConfig;
  /** Port of the app: 5173 by default, or the next free one when it is busy; a port given (not 0) must be free. */
  port?: number;
}

/**
 * The browser build of the library swaps the Node-only IndexedDB fallback (fake-indexeddb) for a module without
 * it (tsup.config.ts, `browserFallback`); the dev server does the same for src/.
 */
const browserFallback: Plugin = {
  name: 'fhir-offline-store-browser-fallback',
  enforce: 'pre',
  resolveId(source, importer) {
    if (importer?.startsWith(SRC) && /\/indexeddb-fallback\.js$/.test(source)) return `${SRC}storage/indexeddb-fallback.browser.ts`;
    return null;
  },
};

/** `GET /wado?requestType=WADO&…&objectUID=<SOP Instance UID>&contentType=application/dicom`: the Part 10 file. */
function wado(dataDir: string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://demo');
    const objectUid = url.searchParams.get('objectUID') ?? '';
    const file = url.searchParams.get('requestType') === 'WADO' ? instancePath(dataDir, objectUid) : undefined;
    if (!file || !existsSync(file)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`no such instance: ${objectUid}`);
      return;
    }
    // Immutable bytes (a SOP Instance UID names one object for ever): the browser may keep them.
    res.writeHead(200, { 'Content-Type': 'application/dicom', 'Cache-Control': 'public, max-age=31536000, immutable' });
    createReadStream(file).pipe(res);
  };
}

/** The demo's own routes, on the dev server and on the server of the built app alike. */
const demoRoutes = (options: DemoViteOptions): Plugin => {
  const install = (server: { middlewares: Connect.Server }): void => {
    server.middlewares.use('/wado', wado(options.dataDir));
    server.middlewares.use('/demo-config.json', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(options.config()));
    });
  };
  return { name: 'fhir-offline-store-demo-routes', configureServer: install, configurePreviewServer: install };
};

/** The inline config of the demo's dev server, its build and the server of the built app (no config file is read). */
export function demoViteConfig(options: DemoViteOptions): InlineConfig {
  return {
    configFile: false,
    root: fileURLToPath(new URL('./', import.meta.url)),
    logLevel: 'warn',
    clearScreen: false,
    plugins: [browserFallback, demoRoutes(options)],
    resolve: {
      // vtk.js (under Cornerstone) imports xmlbuilder2, whose main entry is for Node (it extends Node's
      // EventEmitter); its own browser bundle is the same API.
      alias: [{ find: /^xmlbuilder2$/, replacement: require.resolve('xmlbuilder2/lib/xmlbuilder2.min.js') }],
    },
    server: { host: '127.0.0.1', port: options.port ?? 5173, strictPort: !!options.port, fs: { allow: [REPO] }, hmr: false },
    // The DICOM image loader starts its decoder as `new Worker(new URL('./decodeImageFrameWorker.js', import.meta.url))`:
    // pre-bundling it would move the module away from that file, so it is served as it is, and the CommonJS
    // modules it and its worker import (the codecs, dicom-parser) are pre-bundled by name.
    optimizeDeps: {
      exclude: ['@cornerstonejs/dicom-image-loader'],
      include: [
        'dicom-parser',
        'comlink',
        'pako',
        '@cornerstonejs/codec-charls/decodewasmjs',
        '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs',
        '@cornerstonejs/codec-libjxl/decodewasmjs',
        '@cornerstonejs/codec-openjpeg/decodewasmjs',
        '@cornerstonejs/codec-openjph/wasmjs',
        '@cornerstonejs/jpeg-lossless-decoder-js',
        '@cornerstonejs/metadata',
      ],
    },
    worker: { format: 'es' },
  };
}
