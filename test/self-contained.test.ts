/**
 * The repository is self-contained (issue 9, part 1): no file in it reads or links a path outside it. A clone with
 * nothing beside it must run the demo and the tests; the R5 data they need is in data/hl7-fhir-r5/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Folders that are installed, built or written by runs, not part of the repository's content. */
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'coverage', 'test-results', '.tmp', 'target']);
/** Text files that can hold a path: code, scripts, docs, configuration. */
const TEXT = /\.(?:[cm]?[jt]s|json|md|ya?ml|sh|xml|java|properties|html)$|^run$|^\.gitignore$/;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return SKIP_DIRS.has(name) ? [] : walk(path);
    return TEXT.test(name) && name !== 'package-lock.json' ? [path] : [];
  });
}

/** A run of `../` that starts a path (after a quote, bracket, space, `=` or a line start). */
const PARENT_RUN = /(?<![\w.\/\\-])((?:\.\.\/)+)/g;
/** Places outside the repository this project once read: the `shared/` folder beside it, absolute machine paths. */
const NAMED_OUTSIDE = /\bshared\/(?:fhir|design\.md)\b|(?<![\w.\/-])\/work\//g;

/**
 * Where `text` (the content of the file at `file`, relative to the repository root) points outside the
 * repository: a relative path climbing above the root from the file's folder, or a known outside location.
 */
export function outsideReferences(file: string, text: string): string[] {
  const depth = dirname(file) === '.' ? 0 : dirname(file).split(/[\\/]/).length;
  const found: string[] = [];
  const lineOf = (index: number): number => text.slice(0, index).split('\n').length;
  for (const m of text.matchAll(PARENT_RUN)) {
    const climbs = m[1]!.length / 3;
    if (climbs > depth) found.push(`${file}:${lineOf(m.index)}: ${text.slice(m.index, m.index + 40).split('\n')[0]}`);
  }
  for (const m of text.matchAll(NAMED_OUTSIDE)) found.push(`${file}:${lineOf(m.index)}: ${text.slice(m.index, m.index + 40).split('\n')[0]}`);
  return found;
}

/** The folder that once stood beside the repository, spelt in parts so this file does not itself name the path. */
const SIBLING = ['shared', 'fhir'].join('/');

describe('self-contained repository', () => {
  it('finds a path that climbs out of the repository, and none that stays inside', () => {
    expect(outsideReferences('test/search/a.test.ts', `new URL('../../../${SIBLING}/examples/', import.meta.url)`)).toHaveLength(2);
    expect(outsideReferences('README.md', `[Design](../${SIBLING.replace('fhir', 'design.md')})`)).toHaveLength(2);
    expect(outsideReferences('demo/node-demo.ts', "new URL('../../data/x', import.meta.url)")).toHaveLength(1);
    expect(outsideReferences('docs/search.md', `const dir = '${SIBLING}/examples/';`)).toHaveLength(1);
    expect(outsideReferences('test/a.ts', "readFileSync('/work/elsewhere/x.json')")).toHaveLength(1);
    expect(outsideReferences('test/search/a.test.ts', "import { x } from '../../src/index.js';")).toEqual([]);
    expect(outsideReferences('docs/sync.md', '[the architecture](architecture.md#sync-protocol), [up](../README.md)')).toEqual([]);
    expect(outsideReferences('.ci/run', 'cd "$(dirname "${BASH_SOURCE[0]}")/.."')).toEqual([]);
  });

  it('no file of code, tests, demo, docs, scripts or CI reads or links a path outside the repository', () => {
    // This file holds the detector's own cases.
    const files = walk(ROOT).filter((path) => path !== fileURLToPath(import.meta.url));
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((path) => outsideReferences(relative(ROOT, path).split(sep).join('/'), readFileSync(path, 'utf8')));
    expect(found, 'paths outside the repository (the R5 data is in data/hl7-fhir-r5/, the design in docs/architecture.md)').toEqual([]);
  });
});
