import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // Peer and runtime dependencies stay external: the app brings its own Dexie and rxjs instance.
  external: ['dexie', 'rxjs', 'fast-json-patch', 'fhirpath', 'lunr'],
});
