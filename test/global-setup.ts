/**
 * Vitest global setup: the doc samples (test/docs/) and the browser tests run the built package, dist/. `npm test`
 * builds it first; a bare `npx vitest run` builds it here when it is missing or older than its sources, so a
 * fresh clone passes and no test runs an outdated build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
/** The files the build reads: when one is newer than dist/, the build is stale. */
const SOURCES = ['src', 'package.json', 'tsup.config.ts', 'tsconfig.json'];
/** Every file the package's `exports` (and `bin`) point to in dist/: what a consumer of the build needs. */
export function builtOutputs(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports?: unknown; bin?: unknown };
  const leaves = (v: unknown): string[] =>
    typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(leaves) : [];
  return [...new Set([...leaves(pkg.exports), ...leaves(pkg.bin)].map((p) => p.replace(/^\.\//, '')).filter((p) => p.startsWith('dist/')))];
}

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newestMtime(join(path, name))), stat.mtimeMs);
}

/** Why dist/ must be built, or undefined when it is current. */
export function staleReason(root: string): string | undefined {
  const outputs = builtOutputs(root);
  if (outputs.length === 0) return 'package.json exports nothing from dist/';
  const missing = outputs.find((f) => !existsSync(join(root, f)));
  if (missing) return `${missing} is missing`;
  const built = Math.min(...outputs.map((f) => statSync(join(root, f)).mtimeMs));
  const newer = SOURCES.find((s) => existsSync(join(root, s)) && newestMtime(join(root, s)) > built);
  return newer ? `${newer} changed after the last build` : undefined;
}

export default function setup(): void {
  const reason = staleReason(ROOT);
  if (!reason) return;
  console.log(`building dist/ (${reason}): npx tsup`);
  const pkg = createRequire(import.meta.url).resolve('tsup/package.json', { paths: [ROOT] });
  const tsup = join(dirname(pkg), (JSON.parse(readFileSync(pkg, 'utf8')) as { bin: { tsup: string } }).bin.tsup);
  const r = spawnSync(process.execPath, [tsup], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`dist/ could not be built (${reason}); the doc samples and browser tests run it. tsup said:\n${r.stdout}\n${r.stderr}`);
  }
}
