import { readFileSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

/** Dependencies that stay imports: peers (the app brings its own Dexie and rxjs instance) and runtime dependencies. */
export const external = ['dexie', 'rxjs', 'fast-json-patch', 'fhirpath', 'lunr', 'saxes', 'ws', '@noble/ciphers', '@noble/hashes'];

/** Source maps name the lines of src/ without embedding its text: the tarball stays small (5.3 MB of maps before). */
const withoutEmbeddedSources: Options['esbuildOptions'] = (options) => {
  options.sourcesContent = false;
};

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

/** The browser build swaps the in-memory IndexedDB fallback (fake-indexeddb, for Node) for a module without it. */
export const browserFallback: Plugin = {
  name: 'browser-indexeddb-fallback',
  setup(build) {
    build.onResolve({ filter: /\/indexeddb-fallback\.js$/ }, () => ({
      path: fileURLToPath(new URL('./src/storage/indexeddb-fallback.browser.ts', import.meta.url)),
    }));
  },
};

/**
 * The browser build's `replicate` is an entry of its own (dist/browser/replicate.js) that dist/browser/index.js
 * re-exports by a plain `import … from './replicate.js'`: the main entry never reaches the sync engine inside the
 * build, so the engine lands in files only replicate.js and `store.replicate`'s dynamic import load, never in a
 * chunk the main entry imports. An app's bundler then drops replicate.js (sideEffects: false) when the app does
 * not import `replicate`, so the sync code stays out of its initial download under esbuild too, which assigns
 * whole files, used or not, to the chunks that reach them (docs/bundle-size.md). One build, so every module is
 * still there once: the store, its errors and classes are shared by both entries.
 */
export const replicateEntry: Plugin = {
  name: 'replicate-entry',
  setup(build) {
    build.onResolve({ filter: /^\.\/replicate\.js$/ }, (args) =>
      args.importer.endsWith(`${sep}src${sep}index.ts`) ? { path: './replicate.js', external: true } : undefined,
    );
  },
};

/** The entries of the browser build (see {@link replicateEntry}). */
export const browserEntries = { index: 'src/index.ts', replicate: 'src/replicate.ts' };

export default defineConfig([
  {
    // `server` is the Node-only subpath `fhir-offline-store/server`; `imaging` the Cornerstone3D bridge
    // `fhir-offline-store/imaging` (browser-safe, no Cornerstone import). The main entry imports neither.
    entry: { index: 'src/index.ts', server: 'src/server/index.ts', imaging: 'src/imaging/index.ts' },
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
    entry: browserEntries,
    outDir: 'dist/browser',
    format: ['esm'],
    platform: 'browser',
    dts: false,
    sourcemap: true,
    esbuildOptions: withoutEmbeddedSources,
    clean: true,
    target: 'es2022',
    external,
    esbuildPlugins: [browserFallback, replicateEntry],
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
