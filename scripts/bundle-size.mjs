#!/usr/bin/env node
/**
 * `npm run size`: bundles small apps that use the built package (dist/, resolved through package.json
 * `exports` as an app resolves it) for the browser with esbuild, minified, and checks the budgets of issue 9:
 * an app doing CRUD, search and history at most 150 KB gzip, the same app replicating at most 30 KB more.
 *
 * Each app is bundled twice:
 * - with code splitting (what Vite, Rollup, webpack and `esbuild --splitting` do): the *initial* size is the
 *   entry chunk and every chunk it imports statically, what a page downloads before `openStore` runs; the
 *   *lazy* chunks (fhirpath.js for FHIRPath Patch and custom SearchParameters, `store.replicate`'s sync code)
 *   load only when used. The budgets apply to the initial size.
 * - as one file (`esbuild --bundle` without splitting inlines every dynamic import), for reference.
 * Sizes are minified bytes and gzip (level 9) of each file, summed. The apps resolve the package as a browser app
 * does, through its `browser` export condition (dist/browser/), under esbuild and rolldown: the script fails if
 * fake-indexeddb (the Node build's in-memory fallback) ends up in any output file, initial or lazy.
 *
 * Options: `--json` prints the figures as JSON; `--markdown` prints the table for docs/bundle-size.md;
 * `--no-check` skips the budget check; `--dist <dir>` measures another build of the package (a package root).
 * Run `npm run build` first.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { rolldown } from 'rolldown';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const distArg = args.indexOf('--dist');
const PACKAGE = distArg >= 0 ? resolve(args[distArg + 1]) : ROOT;
const KB = 1024;

/** Budgets on the initial (code-split) gzip size, in bytes. */
const BUDGET = { crud: 150 * KB, replicate: 180 * KB, replicateExtra: 30 * KB, replicateAtLeast: 4 * KB };

/** The apps: what an adopter writes. */
const APPS = {
  crud: `import { openStore } from 'fhir-offline-store';
const store = await openStore({ name: 'app' });
const s = await store.create({ resourceType: 'ImagingSelection', status: 'available', code: { text: 'x' } });
await store.update({ ...s, status: 'unknown' });
console.log(await store.read('ImagingSelection', s.id), await store.search('ImagingSelection', { status: 'unknown' }));
console.log(await store.history('ImagingSelection', s.id));
await store.delete('ImagingSelection', s.id);
`,
  replicate: `import { openStore, replicate } from 'fhir-offline-store';
const store = await openStore({ name: 'app' });
const s = await store.create({ resourceType: 'ImagingSelection', status: 'available', code: { text: 'x' } });
console.log(await store.search('ImagingSelection', { status: 'available' }), await store.history());
const rep = replicate(store, { baseUrl: 'https://fhir.example.org/r5' });
rep.state$.subscribe((state) => console.log(state));
await rep.syncOnce();
`,
  storeReplicate: `import { openStore } from 'fhir-offline-store';
const store = await openStore({ name: 'app' });
const s = await store.create({ resourceType: 'ImagingSelection', status: 'available', code: { text: 'x' } });
console.log(await store.search('ImagingSelection', { status: 'available' }), await store.history());
const rep = store.replicate({ baseUrl: 'https://fhir.example.org/r5' });
rep.state$.subscribe((state) => console.log(state));
await rep.syncOnce();
`,
};

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

/** Whether a bundled module path is fake-indexeddb's, which a browser build must never contain. */
const isFakeIndexedDb = (path) => /node_modules[\\/]fake-indexeddb[\\/]/.test(path);

/**
 * Bundles `source` as an app in a folder inside the package root, so `fhir-offline-store` resolves to the
 * package itself through its `exports` (a self-reference, as after `npm install`), and its dependencies from
 * node_modules.
 */
async function bundle(name, source, { splitting }) {
  const dir = mkdtempSync(join(existsSync(join(PACKAGE, 'node_modules')) ? PACKAGE : tmpdir(), '.size-'));
  try {
    const entry = join(dir, `${name}.mjs`);
    writeFileSync(entry, source);
    const outdir = join(dir, 'out');
    mkdirSync(outdir);
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      splitting,
      outdir,
      write: false,
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: dir,
    });
    // Metafile paths are relative to absWorkingDir (the app folder); output files carry absolute paths.
    const files = new Map(result.outputFiles.map((f) => [f.path, f.contents]));
    const outputs = new Map(Object.entries(result.metafile.outputs).map(([k, v]) => [resolve(dir, k), v]));
    // The app's own entry: esbuild also marks each dynamically imported chunk with an `entryPoint`.
    const entryPath = [...outputs].find(([, v]) => v.entryPoint !== undefined && resolve(dir, v.entryPoint) === resolve(entry))[0];
    // The initial download: the entry and the chunks it imports statically, transitively.
    const initial = new Set();
    const visit = (path) => {
      if (initial.has(path)) return;
      initial.add(path);
      for (const imp of outputs.get(path)?.imports ?? []) {
        if (imp.kind === 'import-statement' && !imp.external) visit(resolve(dir, imp.path));
      }
    };
    visit(entryPath);
    const size = (paths) => ({ min: paths.reduce((n, p) => n + files.get(p).length, 0), gzip: paths.reduce((n, p) => n + gz(files.get(p)), 0) });
    const lazyPaths = [...files.keys()].filter((p) => p.endsWith('.js') && !initial.has(p));
    // What the bundle holds from where, by package (or `src` for this package's own code).
    const inputs = {};
    const everywhere = [...outputs.values()].flatMap((o) => Object.keys(o.inputs));
    for (const p of initial) {
      for (const [input, { bytesInOutput }] of Object.entries(outputs.get(p)?.inputs ?? {})) {
        const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? (input.includes('dist/') ? 'fhir-offline-store' : 'app');
        inputs[pkg] = (inputs[pkg] ?? 0) + bytesInOutput;
      }
    }
    return { initial: size([...initial]), lazy: size(lazyPaths), lazyChunks: lazyPaths.length, inputs, fakeIndexedDb: everywhere.some(isFakeIndexedDb) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same app bundled by rolldown (the bundler of Vite 8) with code splitting and minification: it assigns
 * modules to chunks after tree-shaking, so code only `store.replicate` reaches stays in its lazy chunk (esbuild
 * puts code a dynamic chunk shares with any statically imported file, used or not, in the initial chunk).
 */
async function bundleRolldown(name, source) {
  const dir = mkdtempSync(join(PACKAGE, '.size-'));
  try {
    const entry = join(dir, `${name}.mjs`);
    writeFileSync(entry, source);
    const b = await rolldown({ input: entry, platform: 'browser', logLevel: 'silent', cwd: dir });
    const { output } = await b.generate({ format: 'esm', dir: join(dir, 'out'), minify: true });
    await b.close();
    const chunks = output.filter((o) => o.type === 'chunk');
    const byName = new Map(chunks.map((c) => [c.fileName, c]));
    const initial = new Set();
    const visit = (c) => {
      if (initial.has(c)) return;
      initial.add(c);
      for (const i of c.imports) if (byName.has(i)) visit(byName.get(i));
    };
    visit(chunks.find((c) => c.isEntry));
    const size = (list) => ({ min: list.reduce((n, c) => n + Buffer.byteLength(c.code), 0), gzip: list.reduce((n, c) => n + gz(Buffer.from(c.code)), 0) });
    const lazy = chunks.filter((c) => !initial.has(c));
    const modulesIn = (list) => list.flatMap((c) => Object.keys(c.modules));
    return { initial: size([...initial]), lazy: size(lazy), lazyChunks: lazy.length, initialModules: modulesIn([...initial]), fakeIndexedDb: modulesIn(chunks).some(isFakeIndexedDb) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n) => `${(n / KB).toFixed(1)} KB`;

async function measure() {
  const out = {};
  for (const [name, source] of Object.entries(APPS)) {
    // An older build without `replicate` (measuring the package before issue 9) cannot bundle that app.
    if (name === 'replicate' && !readFileSync(join(PACKAGE, 'dist/index.js'), 'utf8').includes('replicate')) continue;
    out[name] = {
      split: await bundle(name, source, { splitting: true }),
      single: await bundle(name, source, { splitting: false }),
      rolldown: await bundleRolldown(name, source),
    };
  }
  return out;
}

function markdown(m) {
  const rows = [
    '| App | esbuild, code-split: initial min / gzip | esbuild: lazy chunks min / gzip | rolldown (Vite 8), code-split: initial min / gzip | rolldown: lazy chunks min / gzip | esbuild, one file: min / gzip |',
    '|---|---|---|---|---|---|',
  ];
  const label = {
    crud: '`openStore`: CRUD, search, history',
    replicate: 'the same + `replicate(store, options)`',
    storeReplicate: 'the same + `store.replicate(options)`',
  };
  for (const [name, r] of Object.entries(m)) {
    rows.push(
      `| ${label[name]} | ${fmt(r.split.initial.min)} / **${fmt(r.split.initial.gzip)}** | ${fmt(r.split.lazy.min)} / ${fmt(r.split.lazy.gzip)} (${r.split.lazyChunks} chunks) | ${fmt(r.rolldown.initial.min)} / **${fmt(r.rolldown.initial.gzip)}** | ${fmt(r.rolldown.lazy.min)} / ${fmt(r.rolldown.lazy.gzip)} (${r.rolldown.lazyChunks} chunks) | ${fmt(r.single.initial.min)} / ${fmt(r.single.initial.gzip)} |`,
    );
  }
  return rows.join('\n');
}

const m = await measure();
if (args.includes('--json')) console.log(JSON.stringify(m, null, 2));
else if (args.includes('--markdown')) console.log(markdown(m));
else {
  for (const [name, r] of Object.entries(m)) {
    console.log(`${name}: initial ${fmt(r.split.initial.min)} min, ${fmt(r.split.initial.gzip)} gzip; lazy ${fmt(r.split.lazy.gzip)} gzip in ${r.split.lazyChunks} chunks; one file ${fmt(r.single.initial.gzip)} gzip`);
    const top = Object.entries(r.split.inputs ?? {}).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${fmt(v)}`);
    console.log(`  initial, minified bytes by package: ${top.join(', ')}`);
    console.log(`  rolldown: initial ${fmt(r.rolldown.initial.min)} min, ${fmt(r.rolldown.initial.gzip)} gzip; lazy ${fmt(r.rolldown.lazy.gzip)} gzip in ${r.rolldown.lazyChunks} chunks`);
  }
}

if (!args.includes('--no-check') && m.replicate) {
  const failures = [];
  // A browser app resolves the package's `browser` condition, which never reaches fake-indexeddb: not up front,
  // not in a lazy chunk, under either bundler.
  for (const [name, r] of Object.entries(m)) {
    for (const [how, b] of [['esbuild, code-split', r.split], ['esbuild, one file', r.single], ['rolldown', r.rolldown]]) {
      if (b.fakeIndexedDb) failures.push(`${name} app (${how}) bundles fake-indexeddb`);
    }
  }
  for (const [bundler, pick] of [['esbuild', (r) => r.split], ['rolldown', (r) => r.rolldown]]) {
    const crud = pick(m.crud).initial.gzip;
    const rep = pick(m.replicate).initial.gzip;
    if (crud > BUDGET.crud) failures.push(`CRUD app (${bundler}) ${fmt(crud)} gzip > ${fmt(BUDGET.crud)}`);
    if (rep > BUDGET.replicate) failures.push(`replicating app (${bundler}) ${fmt(rep)} gzip > ${fmt(BUDGET.replicate)}`);
    if (rep - crud > BUDGET.replicateExtra) failures.push(`replication adds (${bundler}) ${fmt(rep - crud)} gzip > ${fmt(BUDGET.replicateExtra)}`);
    // The sync code is in the replicating app's initial download and not in the CRUD app's: less than this
    // difference means the CRUD app carries it too (or `replicate` lost it), and the +30 KB check means nothing.
    if (rep - crud < BUDGET.replicateAtLeast) failures.push(`replication adds (${bundler}) only ${fmt(rep - crud)} gzip < ${fmt(BUDGET.replicateAtLeast)}: the CRUD app's initial download holds the sync code`);
    console.log(`${bundler}: CRUD ${fmt(crud)} ≤ ${fmt(BUDGET.crud)}, replicating ${fmt(rep)} ≤ ${fmt(BUDGET.replicate)} (+${fmt(rep - crud)}, between ${fmt(BUDGET.replicateAtLeast)} and ${fmt(BUDGET.replicateExtra)})`);
  }
  if (failures.length > 0) {
    console.error(`bundle budget exceeded:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log('budgets met; no fake-indexeddb in any output');
}
