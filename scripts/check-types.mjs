#!/usr/bin/env node
// `npm run check:types` (after `npm run build`): do the package's types resolve for an app, whatever its module
// resolution? Packs the package, unpacks the tarball into a temporary node_modules/ as an install would, then
// 1. typechecks each consumer fixture of test/consumers/ (bundler, node16 ESM, node16 CommonJS, commonjs/node10)
//    against it with skipLibCheck off, and
// 2. runs @arethetypeswrong/cli on the same tarball (every entry point under node10, node16 CJS and ESM, bundler).
// Exits 1 on any problem. Nothing is downloaded: the fixtures' dexie, rxjs and @types/fhir are the repository's.
// Options: --fhir-types <dir> checks against another unpacked @types/fhir; --keep leaves the temporary directory.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const consumers = join(repo, 'test', 'consumers');
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const typesArg = args.indexOf('--fhir-types');
const fhirTypes = typesArg >= 0 ? resolve(args[typesArg + 1] ?? '') : join(repo, 'node_modules', '@types', 'fhir');
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const attw = join(dirname(require.resolve('@arethetypeswrong/cli/package.json')), 'dist', 'index.js');

if (!existsSync(join(repo, 'dist', 'index.d.ts')) || !existsSync(join(repo, 'dist', 'index.d.cts'))) {
  console.error('check:types: dist/ has no declarations; run `npm run build` first.');
  process.exit(1);
}
if (!existsSync(join(fhirTypes, 'r5.d.ts'))) {
  console.error(`check:types: ${fhirTypes} has no r5.d.ts`);
  process.exit(1);
}

const tmp = mkdtempSync(join(tmpdir(), 'fhir-offline-store-types-'));
const failures = [];
try {
  // The tarball an app would install: only what `files` ships, with the package.json it publishes.
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  const tarball = join(tmp, packed[0].filename);
  const modules = join(tmp, 'node_modules');
  mkdirSync(join(modules, '@types'), { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', tmp]);
  renameSync(join(tmp, 'package'), join(modules, 'fhir-offline-store'));
  // The peer dependencies an app installs beside it (types only matter here).
  symlinkSync(join(repo, 'node_modules', 'dexie'), join(modules, 'dexie'), 'dir');
  symlinkSync(join(repo, 'node_modules', 'rxjs'), join(modules, 'rxjs'), 'dir');
  symlinkSync(fhirTypes, join(modules, '@types', 'fhir'), 'dir');
  console.log(`packed ${packed[0].filename} (${packed[0].entryCount} files); @types/fhir from ${fhirTypes}`);

  const fixtures = readdirSync(consumers, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  for (const name of fixtures) {
    const dir = join(tmp, name);
    cpSync(join(consumers, name), dir, { recursive: true });
    cpSync(join(consumers, 'usage.ts'), join(dir, 'index.ts'));
    const run = spawnSync(process.execPath, [tsc, '-p', '.'], { cwd: dir, encoding: 'utf8' });
    const ok = run.status === 0;
    console.log(`${ok ? 'ok  ' : 'FAIL'} tsc test/consumers/${name}`);
    if (!ok) {
      failures.push(`test/consumers/${name}`);
      process.stdout.write(run.stdout + run.stderr);
    }
  }

  const types = spawnSync(process.execPath, [attw, tarball, '--format', 'table-flipped'], { encoding: 'utf8' });
  process.stdout.write(types.stdout + types.stderr);
  console.log(`${types.status === 0 ? 'ok  ' : 'FAIL'} attw ${packed[0].filename}`);
  if (types.status !== 0) failures.push('attw');
} finally {
  if (keep) console.log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`check:types: ${failures.length} failed: ${failures.join(', ')}`);
  process.exit(1);
}
console.log('check:types: every fixture typechecks and attw found no problems');
