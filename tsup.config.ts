import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // `server` is the Node-only subpath `fhir-offline-store/server`; the main entry stays browser-safe.
    entry: { index: 'src/index.ts', server: 'src/server/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    // Everything but the CLI's files, which the second build writes into dist/ at the same time.
    clean: ['!cli.js', '!cli.js.map'],
    target: 'es2022',
    // Peer and runtime dependencies stay external: the app brings its own Dexie and rxjs instance.
    external: ['dexie', 'rxjs', 'fast-json-patch', 'fhirpath', 'lunr'],
  },
  {
    // The `fhir-offline-store` bin: `node dist/cli.js serve --port N`.
    entry: { cli: 'src/server/cli.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    clean: false,
    dts: false,
    banner: { js: '#!/usr/bin/env node' },
    // The peer dependencies are bundled: `npx fhir-offline-store` must run with only `dependencies` installed.
    noExternal: ['dexie', 'rxjs'],
  },
]);
