import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { rolldown } from 'rolldown';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * What an app's browser bundle loads up front (the entry chunk and every chunk it imports statically) when it
 * imports the package's source: fhirpath.js and the sync layer must only be reachable through dynamic imports.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(ROOT, '.graph-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const APP = {
  crud: `import { openStore } from '../src/index.ts';
const store = await openStore();
console.log(await store.search('ImagingSelection'), await store.history(), store.replicate);`,
  replicate: `import { openStore, replicate } from '../src/index.ts';
console.log(replicate(await openStore(), { baseUrl: 'https://example.org/fhir' }));`,
};

/** Source modules (repository-relative paths) in the initial chunks of `app`, bundled by rolldown. */
async function initialModules(app: keyof typeof APP): Promise<{ initial: string[]; lazy: string[] }> {
  const entry = join(dir, `${app}.ts`);
  writeFileSync(entry, APP[app]);
  const bundle = await rolldown({ input: entry, platform: 'browser', logLevel: 'silent', external: ['fake-indexeddb'] });
  const { output } = await bundle.generate({ format: 'esm', dir: join(dir, 'out') });
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
  const modules = (list: typeof chunks): string[] => list.flatMap((c) => Object.keys(c.modules).filter((m) => c.modules[m]!.renderedLength > 0)).map((m) => relative(ROOT, m));
  return { initial: modules([...seen]), lazy: modules(chunks.filter((c) => !seen.has(c))) };
}

describe('the initial bundle of an app importing openStore', () => {
  it('has no fhirpath.js and no sync layer; both are in lazy chunks', async () => {
    const { initial, lazy } = await initialModules('crud');
    expect(initial.filter((m) => m.includes('node_modules/fhirpath/'))).toEqual([]);
    // The synchronous front of store.replicate stays: the facade, and the options check that throws at the call.
    const front = ['src/sync/lazy-replication.ts', 'src/sync/options-check.ts'];
    expect(initial.filter((m) => m.startsWith('src/sync/') && !front.includes(m))).toEqual([]);
    expect(initial).toContain('src/store.ts');
    expect(lazy.some((m) => m.includes('node_modules/fhirpath/'))).toBe(true);
    expect(lazy).toContain('src/sync/replication.ts');
  });

  it('includes the sync layer up front when the app imports replicate', async () => {
    const { initial } = await initialModules('replicate');
    expect(initial).toContain('src/sync/replication.ts');
    expect(initial.filter((m) => m.includes('node_modules/fhirpath/'))).toEqual([]);
  });

  it('reaches fhirpath.js only through dynamic import() (esbuild metafile of the source graph)', async () => {
    const entry = join(dir, 'crud.ts');
    writeFileSync(entry, APP.crud);
    const { metafile } = await build({ entryPoints: [entry], bundle: true, write: false, format: 'esm', platform: 'browser', splitting: true, outdir: join(dir, 'esb'), metafile: true, logLevel: 'silent', external: ['fake-indexeddb'] });
    const statically = new Set<string>();
    const visit = (path: string): void => {
      if (statically.has(path)) return;
      statically.add(path);
      for (const i of metafile.inputs[path]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) visit(i.path);
    };
    visit(relative(process.cwd(), entry));
    expect([...statically].filter((p) => p.includes('node_modules/fhirpath/'))).toEqual([]);
    const dynamic = Object.values(metafile.inputs).flatMap((i) => i.imports.filter((x) => x.kind === 'dynamic-import').map((x) => x.path));
    expect(dynamic.some((p) => p.includes('node_modules/fhirpath/'))).toBe(true);
  });
});
