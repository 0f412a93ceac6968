import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

/** Dependencies that stay imports: peers (the app brings its own Dexie and rxjs instance) and runtime dependencies. */
const external = ['dexie', 'rxjs', 'fast-json-patch', 'fhirpath', 'lunr'];

/** Source maps name the lines of src/ without embedding its text: the tarball stays small (5.3 MB of maps before). */
const withoutEmbeddedSources: Options['esbuildOptions'] = (options) => {
  options.sourcesContent = false;
};

/** The browser build swaps the in-memory IndexedDB fallback (fake-indexeddb, for Node) for a module without it. */
const browserFallback: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'browser-indexeddb-fallback',
  setup(build) {
    build.onResolve({ filter: /\/indexeddb-fallback\.js$/ }, () => ({
      path: fileURLToPath(new URL('./src/storage/indexeddb-fallback.browser.ts', import.meta.url)),
    }));
  },
};

export default defineConfig([
  {
    // `server` is the Node-only subpath `fhir-offline-store/server`; the main entry stays browser-safe.
    entry: { index: 'src/index.ts', server: 'src/server/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    esbuildOptions: withoutEmbeddedSources,
    // Everything but the CLI's files, which the second build writes into dist/ at the same time.
    clean: ['!cli.js', '!cli.js.map', '!browser/**'],
    target: 'es2022',
    external,
  },
  {
    // The `browser` export condition of ".": the same entry without fake-indexeddb (a browser has IndexedDB).
    entry: { index: 'src/index.ts' },
    outDir: 'dist/browser',
    format: ['esm'],
    platform: 'browser',
    dts: false,
    sourcemap: true,
    esbuildOptions: withoutEmbeddedSources,
    clean: true,
    target: 'es2022',
    external,
    esbuildPlugins: [browserFallback],
  },
  {
    // The `fhir-offline-store` bin: `node dist/cli.js serve --port N`.
    entry: { cli: 'src/server/cli.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    esbuildOptions: withoutEmbeddedSources,
    clean: false,
    dts: false,
    banner: { js: '#!/usr/bin/env node' },
    // `fhir-offline-store --version` prints the version it was built as.
    define: { __PACKAGE_VERSION__: JSON.stringify(version) },
    // The peer dependencies are bundled: `npx fhir-offline-store` must run with only `dependencies` installed.
    noExternal: ['dexie', 'rxjs'],
  },
]);
