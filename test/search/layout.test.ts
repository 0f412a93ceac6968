import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

/**
 * src/search is laid out by concern (docs/architecture.md, "Layers"): one folder each, no module at the top,
 * and the folders import in one direction: a folder may import only folders of a lower rank.
 */
const RANK: Readonly<Record<string, number>> = { engine: 3, query: 2, parameters: 1, dates: 0, result: 0, text: 0, terminology: 0 };
const SEARCH = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/search');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The folder of src/search a file is in, or the file name itself for a module at the top. */
const folderOf = (file: string): string => relative(SEARCH, file).split(/[\\/]/)[0]!;

it('src/search holds only the concern folders, each importing only folders below it', () => {
  expect(readdirSync(SEARCH).sort()).toEqual(Object.keys(RANK).sort());
  const violations: string[] = [];
  for (const file of files(SEARCH)) {
    const from = folderOf(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(?\s*['"](\.[^'"]+)['"]/g)) {
      const target = resolve(dirname(file), m[1] ?? m[2]!);
      if (relative(SEARCH, target).startsWith('..')) continue; // another layer: test/architecture.test.ts
      const to = folderOf(target);
      if (to !== from && !((RANK[to] ?? Infinity) < (RANK[from] ?? -1))) violations.push(`${relative(SEARCH, file)} (${from}) imports ${to}`);
    }
  }
  expect(violations).toEqual([]);
});
