import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

/** docs/architecture.md, "Layers (imports point down only)": top to bottom. */
const LAYERS = ['index', 'replicate', 'server', 'imaging', 'store', 'rest', 'sync', 'history', 'storage', 'search', 'errors', 'model', 'util'] as const;
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

/** The relative imports of a source file (static, re-exports and dynamic), resolved to `.ts` files of src/. */
function relativeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of source.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2]!;
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
    out.push(existsSync(target) ? target : join(target.replace(/\.ts$/, ''), 'index.ts'));
  }
  return out;
}

it('src/ has no import cycle (type-only imports count: a cycle of types is a cycle of design)', () => {
  const graph = new Map(files(SRC).map((f) => [f, relativeImports(f)]));
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const cycles: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (state.get(dep) === 'open') cycles.push([...path.slice(path.indexOf(dep)), dep].map((f) => relative(SRC, f)).join(' -> '));
      else if (!state.has(dep)) visit(dep);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  expect(cycles).toEqual([]);
});

/** The store's tables (src/storage/schema.ts). */
const TABLES = ['resources', 'texts', 'history', 'outbox', 'typeStats', 'settings', 'remote', 'checkpoints', 'conflicts', 'deadLetters'];
/** What Dexie's Table and Collection answer: a table name followed by one of these is a table access. */
const TABLE_METHODS = 'get|put|add|update|delete|where|toArray|toCollection|filter|orderBy|count|bulk\\w*|modify|each|limit|offset|reverse|first|last|clear|primaryKeys|keys';
const FORBIDDEN_OUTSIDE_STORAGE: [RegExp, string][] = [
  [new RegExp(`\\.(?:${TABLES.join('|')})\\s*\\.\\s*(?:${TABLE_METHODS})\\b`), 'reads or writes a table'],
  [/\.transaction\(\s*['"]rw?['"]/, 'opens a Dexie transaction'],
  [/\.writeTables\b/, 'names the write tables'],
  [/['"]\[\w+(?:\+\w+)+\]['"]/, 'names a compound index'],
];

it('only src/storage/ touches the tables: rest/, sync/ and the rest go through the storage port and its reads', () => {
  const violations: string[] = [];
  for (const file of files(SRC)) {
    const rel = relative(SRC, file);
    if (layerOf(file) === 'storage') continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const [pattern, what] of FORBIDDEN_OUTSIDE_STORAGE) if (pattern.test(line)) violations.push(`${rel}:${i + 1} ${what}: ${line.trim()}`);
    });
    // The concrete database class stays in storage/; store.ts, the composition root, may create it.
    const importsSchema = relativeImports(file).some((t) => relative(SRC, t) === join('storage', 'schema.ts'));
    if (importsSchema && rel !== 'store.ts') violations.push(`${rel} imports the database class (storage/schema.ts)`);
  }
  expect(violations).toEqual([]);
});

it('the main entry never reaches src/imaging/ (the `./imaging` subpath), and nothing in src/ imports Cornerstone', () => {
  const reached = new Set<string>();
  const visit = (file: string): void => {
    if (reached.has(file)) return;
    reached.add(file);
    for (const dep of relativeImports(file)) visit(dep);
  };
  visit(join(SRC, 'index.ts'));
  expect([...reached].map((f) => relative(SRC, f)).filter((f) => layerOf(join(SRC, f)) === 'imaging')).toEqual([]);
  const cornerstone = files(SRC).filter((f) => /(?:from\s+|import\(\s*)['"]@cornerstonejs\//.test(readFileSync(f, 'utf8')));
  expect(cornerstone.map((f) => relative(SRC, f))).toEqual([]);
});
