import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { rolldown } from 'rolldown';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserEntries, browserFallback, external, replicateEntry } from '../../tsup.config.js';

/*
 * What an app's browser bundle loads up front (the entry chunk and every chunk it imports statically): fhirpath.js
 * and the sync layer must only be reachable through dynamic imports, unless the app imports `replicate`. An app
 * bundles the package's dist/browser/, not src/, so the library is first built from src/ as tsup builds the
 * browser condition (same entries, plugins and externals), then each app is bundled against it by esbuild and by
 * rolldown; the library files an app's initial chunks hold are mapped back to the src/ modules inside them.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(ROOT, '.graph-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const APP = {
  crud: `import { openStore } from './lib/index.js';
const store = await openStore();
console.log(await store.search('ImagingSelection'), await store.history(), store.replicate({ baseUrl: 'https://example.org/fhir' }));`,
  replicate: `import { openStore, replicate } from './lib/index.js';
console.log(replicate(await openStore(), { baseUrl: 'https://example.org/fhir' }));`,
};

/** Library output file (absolute) → the src/ modules (repository-relative) with code in it. */
const libModules = new Map<string, string[]>();

beforeAll(async () => {
  const { metafile } = await build({
    entryPoints: browserEntries,
    absWorkingDir: ROOT,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: join(dir, 'lib'),
    external: [...external, 'fake-indexeddb'],
    plugins: [browserFallback, replicateEntry],
    metafile: true,
    logLevel: 'silent',
  });
  for (const [out, { inputs }] of Object.entries(metafile.outputs)) {
    libModules.set(resolve(ROOT, out), Object.entries(inputs).flatMap(([m, i]) => (i.bytesInOutput > 0 ? [m] : [])));
  }
}, 60_000);

/** A bundled module path as the assertions read it: a library file expands to its src/ modules. */
const sources = (path: string): string[] => libModules.get(path) ?? [relative(ROOT, path)];

interface Split {
  initial: string[];
  lazy: string[];
}

/** The modules in the initial and the lazy chunks of `app` bundled by esbuild with code splitting. */
async function esbuildSplit(app: keyof typeof APP): Promise<Split> {
  const entry = join(dir, `${app}.js`);
  writeFileSync(entry, APP[app]);
  const { metafile } = await build({ entryPoints: [entry], absWorkingDir: ROOT, bundle: true, write: false, format: 'esm', platform: 'browser', splitting: true, outdir: join(dir, `esb-${app}`), metafile: true, logLevel: 'silent' });
  const outputs = metafile.outputs;
  // The app's own entry: esbuild marks every dynamically imported chunk with an `entryPoint` too.
  const start = Object.keys(outputs).find((o) => outputs[o]!.entryPoint !== undefined && join(ROOT, outputs[o]!.entryPoint!) === entry)!;
  const initial = new Set<string>();
  const visit = (o: string): void => {
    if (initial.has(o)) return;
    initial.add(o);
    for (const i of outputs[o]!.imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(start);
  const modules = (list: string[]): string[] =>
    list.flatMap((o) => Object.entries((outputs[o] as Metafile['outputs'][string]).inputs).flatMap(([m, i]) => (i.bytesInOutput > 0 ? sources(resolve(ROOT, m)) : [])));
  return { initial: modules([...initial]), lazy: modules(Object.keys(outputs).filter((o) => o.endsWith('.js') && !initial.has(o))) };
}

/** The same with rolldown (the bundler of Vite 8). */
async function rolldownSplit(app: keyof typeof APP): Promise<Split> {
  const entry = join(dir, `${app}.js`);
  writeFileSync(entry, APP[app]);
  const bundle = await rolldown({ input: entry, platform: 'browser', logLevel: 'silent' });
  const { output } = await bundle.generate({ format: 'esm', dir: join(dir, `rd-${app}`) });
  await bundle.close();
  const chunks = output.flatMap((o) => (o.type === 'chunk' ? [o] : []));
  const seen = new Set<(typeof chunks)[number]>();
  const visit = (c: (typeof chunks)[number]): void => {
    if (seen.has(c)) return;
    seen.add(c);
    for (const name of c.imports) {
      const next = chunks.find((x) => x.fileName === name);
      if (next) visit(next);
    }
  };
  visit(chunks.find((c) => c.isEntry)!);
  const modules = (list: typeof chunks): string[] => list.flatMap((c) => Object.keys(c.modules).filter((m) => c.modules[m]!.renderedLength > 0)).flatMap(sources);
  return { initial: modules([...seen]), lazy: modules(chunks.filter((c) => !seen.has(c))) };
}

const isFhirpath = (m: string): boolean => m.includes('node_modules/fhirpath/');
const isSaxes = (m: string): boolean => m.includes('node_modules/saxes/');
// The synchronous front of store.replicate stays: the facade, and the options checks that throw at the call (retention,
// scope); and the error classes the main entry exports (a library file holding them is counted whole, used or not).
const FRONT = ['src/sync/lazy-replication.ts', 'src/sync/options-check.ts', 'src/sync/errors.ts', 'src/sync/retention-check.ts', 'src/sync/scope-options.ts'];

describe.each([
  ['esbuild', esbuildSplit],
  ['rolldown', rolldownSplit],
] as const)('the initial bundle of an app, %s', (_, split) => {
  it('importing openStore: no fhirpath.js, no sync layer; both are in lazy chunks', async () => {
    const { initial, lazy } = await split('crud');
    expect(initial).toContain('src/store.ts');
    expect(initial).toEqual(expect.arrayContaining(FRONT.slice(0, 2)));
    expect(initial.filter(isFhirpath)).toEqual([]);
    expect(initial.filter((m) => m.startsWith('src/sync/') && !FRONT.includes(m))).toEqual([]);
    expect(initial).not.toContain('src/replicate.ts');
    expect(lazy.some(isFhirpath)).toBe(true);
    expect(lazy).toContain('src/sync/replication.ts');
  });

  it('importing replicate: the sync layer up front, still no fhirpath.js', async () => {
    const { initial } = await split('replicate');
    expect(initial).toEqual(expect.arrayContaining(['src/replicate.ts', 'src/sync/replication.ts', 'src/sync/pull.ts', 'src/sync/push.ts']));
    expect(initial.filter(isFhirpath)).toEqual([]);
  });

  it('the XML parser of narratives (saxes) is in a lazy chunk, for every app', async () => {
    for (const app of Object.keys(APP) as (keyof typeof APP)[]) {
      const { initial, lazy } = await split(app);
      expect(initial.filter(isSaxes)).toEqual([]);
      expect(lazy.some(isSaxes)).toBe(true);
    }
  });

  it('the encryption code (and @noble) is in a lazy chunk, for every app: only its options and the plaintext check are up front', async () => {
    const upFront = ['src/storage/encryption/options.ts', 'src/storage/encryption/plain-open.ts'];
    for (const app of Object.keys(APP) as (keyof typeof APP)[]) {
      const { initial, lazy } = await split(app);
      expect(initial.filter((m) => m.includes('node_modules/@noble/') || (m.startsWith('src/storage/encryption/') && !upFront.includes(m)))).toEqual([]);
      expect(lazy).toEqual(expect.arrayContaining(['src/storage/encryption/middleware.ts', 'src/storage/encryption/row-cipher.ts']));
      expect(lazy.some((m) => m.includes('node_modules/@noble/ciphers/'))).toBe(true);
    }
  });

  it('the generated R5 structure tables (every type but ImagingSelection) are in a lazy chunk, for every app', async () => {
    const isR5Table = (m: string): boolean => m === 'src/model/validate/r5-structure-table.ts';
    for (const app of Object.keys(APP) as (keyof typeof APP)[]) {
      const { initial, lazy } = await split(app);
      expect(initial.filter(isR5Table)).toEqual([]);
      expect(lazy.some(isR5Table)).toBe(true);
    }
  });

  it('never bundles fake-indexeddb', async () => {
    for (const app of Object.keys(APP) as (keyof typeof APP)[]) {
      const { initial, lazy } = await split(app);
      expect([...initial, ...lazy].filter((m) => m.includes('node_modules/fake-indexeddb/'))).toEqual([]);
    }
  });
});

it('the source graph reaches fhirpath.js only through dynamic import() (esbuild metafile)', async () => {
  const entry = join(dir, 'src-crud.ts');
  writeFileSync(entry, `import { openStore } from '../src/index.ts';\nconsole.log(await (await openStore()).search('ImagingSelection'));`);
  const { metafile } = await build({ entryPoints: [entry], bundle: true, write: false, format: 'esm', platform: 'browser', splitting: true, outdir: join(dir, 'esb'), metafile: true, logLevel: 'silent', external: ['fake-indexeddb'] });
  const statically = new Set<string>();
  const visit = (path: string): void => {
    if (statically.has(path)) return;
    statically.add(path);
    for (const i of metafile.inputs[path]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(relative(process.cwd(), entry));
  expect([...statically].filter(isFhirpath)).toEqual([]);
  const dynamic = Object.values(metafile.inputs).flatMap((i) => i.imports.filter((x) => x.kind === 'dynamic-import').map((x) => x.path));
  expect(dynamic.some(isFhirpath)).toBe(true);
});
