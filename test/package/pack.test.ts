import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

/*
 * What `npm pack` would publish, from the built dist/ (`npm test` builds first; run `npm run build` before
 * vitest alone). The tarball is what an app installs: every file package.json points at must be in it, and
 * nothing of the repository's own (sources, tests, data, benchmarks) may be.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('package.json', `file://${ROOT}`), 'utf8')) as {
  version: string;
  main: string;
  module: string;
  types: string;
  bin: Record<string, string>;
  exports: unknown;
  files: string[];
  license: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  repository?: { url?: string };
  homepage?: string;
  bugs?: { url?: string };
  keywords?: string[];
};

/** What the tarball may hold: each file must match one of these. */
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^CHANGELOG\.md$/,
  /^LICENSE$/,
  /^docs\/[\w.-]+\.(?:md|svg)$/, // the pages and their plots (docs/benchmarks-chromium.svg)
  /^docs\/api\/.+$/,
  /^dist\/[\w.-]+\.(?:js|cjs|d\.ts|d\.cts|d\.mts|mjs|js\.map|cjs\.map|mjs\.map)$/,
  /^dist\/browser\/[\w.-]+\.(?:js|js\.map)$/,
];

let files: { path: string; size: number }[] = [];
beforeAll(() => {
  if (!existsSync(`${ROOT}dist/index.js`)) throw new Error('dist/ is missing: run npm run build first');
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  files = (JSON.parse(out) as { files: { path: string; size: number }[] }[])[0]!.files;
});

/** Every file path that package.json points at (main, module, types, bin, and each export condition). */
function referencedFiles(): string[] {
  const out = new Set<string>([pkg.main, pkg.module, pkg.types, ...Object.values(pkg.bin)]);
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.startsWith('./dist/')) out.add(v);
    } else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(pkg.exports);
  return [...out].map((p) => p.replace(/^\.\//, ''));
}

describe('npm pack contents', () => {
  it('lists every file package.json points at', () => {
    const paths = new Set(files.map((f) => f.path));
    for (const f of referencedFiles()) expect(paths, f).toContain(f);
  });

  it('holds the licence, the readme and the changelog of this version', () => {
    const paths = files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json']));
    expect(readFileSync(`${ROOT}LICENSE`, 'utf8')).toMatch(/Apache License\s+Version 2\.0/);
    expect(pkg.license).toBe('Apache-2.0');
    expect(readFileSync(`${ROOT}CHANGELOG.md`, 'utf8')).toMatch(/^## \[Unreleased\]$/m);
  });

  it('holds nothing else: no sources, tests, data, benchmarks or test servers', () => {
    const stray = files.map((f) => f.path).filter((p) => !ALLOWED.some((re) => re.test(p)));
    expect(stray).toEqual([]);
  });

  it('ships source maps without the sources embedded in them', () => {
    const maps = files.filter((f) => f.path.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    for (const m of maps) {
      const map = JSON.parse(readFileSync(`${ROOT}${m.path}`, 'utf8')) as { sourcesContent?: unknown[] };
      expect(map.sourcesContent, m.path).toBeUndefined();
    }
  });

  it('the browser build never loads fake-indexeddb', () => {
    // Every file of it: index.js, the `replicate` entry and the chunks they share.
    const browser = files.filter((f) => /^dist\/browser\/[\w.-]+\.js$/.test(f.path)).map((f) => readFileSync(`${ROOT}${f.path}`, 'utf8')).join('\n');
    expect(browser).toContain('openStore');
    expect(browser).not.toMatch(/(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']fake-indexeddb["']/);
    // The Node build does, as its in-memory fallback: the check above would see it.
    const node = ['dist/index.js', ...files.map((f) => f.path).filter((p) => /^dist\/chunk-[\w-]+\.js$/.test(p))]
      .map((p) => readFileSync(`${ROOT}${p}`, 'utf8'))
      .join('\n');
    expect(node).toMatch(/import\(\s*["']fake-indexeddb["']\s*\)/);
  });
});

describe('package.json for a registry', () => {
  it('names its repository, homepage, issue tracker and keywords', () => {
    expect(pkg.repository?.url).toMatch(/^git\+https:\/\//);
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.bugs?.url).toMatch(/^https:\/\//);
    expect(pkg.keywords).toEqual(expect.arrayContaining(['fhir', 'fhir-r5', 'indexeddb', 'offline-first']));
  });

  it('takes ranges for its runtime dependencies, not exact versions', () => {
    for (const [name, range] of Object.entries({ ...pkg.dependencies, ...pkg.peerDependencies })) {
      expect(range, name).toMatch(/^(?:\^|~|>=)/);
    }
  });
});
