import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

/** docs/architecture.md, "Layers (imports point down only)": top to bottom. */
const LAYERS = ['index', 'replicate', 'server', 'store', 'rest', 'sync', 'history', 'storage', 'search', 'errors', 'model', 'util'] as const;
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const layerOf = (file: string): string => {
  const rel = relative(SRC, file);
  const top = rel.split(/[\\/]/)[0]!;
  return top.replace(/\.(ts|js)$/, '');
};

it('imports point down the layers only; rest and sync never import each other; only storage imports dexie', () => {
  const violations: string[] = [];
  for (const file of files(SRC)) {
    const from = layerOf(file);
    const fromRank = LAYERS.indexOf(from as (typeof LAYERS)[number]);
    expect(fromRank, `${relative(SRC, file)} is in no known layer`).toBeGreaterThanOrEqual(0);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const spec = m[1] ?? m[2]!;
      if (spec === 'dexie' && from !== 'storage') violations.push(`${relative(SRC, file)} imports dexie`);
      if (!spec.startsWith('.')) continue;
      const to = layerOf(resolve(dirname(file), spec));
      if (to === from) continue;
      const toRank = LAYERS.indexOf(to as (typeof LAYERS)[number]);
      if (toRank < fromRank) violations.push(`${relative(SRC, file)} (${from}) imports ${spec} (${to}), a layer above`);
      if ((from === 'rest' && to === 'sync') || (from === 'sync' && to === 'rest')) violations.push(`${relative(SRC, file)}: rest and sync meet only in storage and store.ts`);
    }
  }
  expect(violations).toEqual([]);
});

it('docs/architecture.md lists every layer of src/, top to bottom in the order this test enforces', () => {
  const doc = readFileSync(resolve(SRC, '../docs/architecture.md'), 'utf8');
  const block = /## Layers \(imports point down only\)\n```\n([\s\S]*?)```/.exec(doc)?.[1];
  expect(block, 'docs/architecture.md has a "Layers" section with a code block').toBeDefined();
  const listed = [...block!.matchAll(/^src\/(\w+)/gm)].map((m) => m[1]);
  expect(listed).toEqual([...LAYERS]);
  const onDisk = readdirSync(SRC).map((f) => f.replace(/\.ts$/, '')).sort();
  expect(onDisk).toEqual([...LAYERS].sort());
});
