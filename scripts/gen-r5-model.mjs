#!/usr/bin/env node
/**
 * Generates src/model/r5-model-table.ts: the facts of the R5 model shipped with fhirpath.js (element types,
 * repeating elements, choice types, type parents, contentReference paths) as one compact table, so the store
 * reads them without bundling fhirpath's model JSON (about 1.1 MB raw, 125 KB gzip). The table is exact:
 * test/model/r5-model.test.ts checks that src/model/r5-model.ts answers as fhirpath's model for every path.
 *
 * Encoding (decoded by src/model/r5-model.ts):
 * - TYPES: every type name used, most frequent first; an element names its type by index in base 36.
 * - OWNERS: one line per type or backbone element path, `owner=[^]entry,entry,…`:
 *   - `^` after `=`: the owner also has every element of its base (its parent type for a type, the declared type
 *     `BackboneElement`/`Element` for a backbone element), with the same type and cardinality; only the rest
 *     is listed. Used only where that holds exactly.
 *   - `name:t` an element of type index t; `name:t*` a repeating one;
 *   - `name?t/t/…` a choice element `name[x]` with its types in the model's order (its keys are
 *     `name` + each type with the first letter upper-cased: `valueString` is of type `string`).
 * - PARENTS: `type:parent` pairs (type2Parent).
 * - ELSEWHERE: `path>path` pairs (contentReference elements, pathsDefinedElsewhere).
 *
 * Run: node scripts/gen-r5-model.mjs (after upgrading fhirpath), or `npm run gen` for every generated table;
 * the test fails when the table is stale.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const model = require('fhirpath/fhir-context/r5');
const { version } = require('fhirpath/package.json');
const OUT = resolve(dirname(fileURLToPath(import.meta.url)), '../src/model/r5-model-table.ts');

const upperFirst = (s) => s.charAt(0).toUpperCase() + s.slice(1);
const splitLast = (p) => {
  const dot = p.lastIndexOf('.');
  return [p.slice(0, dot), p.slice(dot + 1)];
};

// Keys of path2Type that are a choice element with its type suffix: they are derived from the choice entry.
const choiceKeys = new Set();
for (const [path, suffixes] of Object.entries(model.choiceTypePaths)) {
  for (const s of suffixes) {
    const t = model.path2Type[path + s];
    if (t === undefined || upperFirst(t) !== s || model.path2Repeating[path + s]) throw new Error(`${path}${s}: not derivable`);
    choiceKeys.add(path + s);
  }
  if (model.path2Type[path] !== undefined || model.path2Repeating[path]) throw new Error(`${path}: a choice with its own type`);
}
for (const path of Object.keys(model.path2Repeating)) {
  if (model.path2Type[path] === undefined) throw new Error(`${path}: repeating without a type`);
}

/** owner → Map(name → { type, repeating } | { choice: types }) in the model's key order. */
const owners = new Map();
const childrenOf = (owner) => {
  let m = owners.get(owner);
  if (!m) owners.set(owner, (m = new Map()));
  return m;
};
for (const [path, type] of Object.entries(model.path2Type)) {
  if (!path.includes('.') || choiceKeys.has(path)) continue;
  const [owner, name] = splitLast(path);
  childrenOf(owner).set(name, { type, repeating: model.path2Repeating[path] === true });
}
for (const [path, suffixes] of Object.entries(model.choiceTypePaths)) {
  const [owner, name] = splitLast(path);
  childrenOf(owner).set(name, { choice: suffixes.map((s) => model.path2Type[path + s]) });
}

const same = (a, b) => a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);
const baseOf = (owner) => (owner.includes('.') ? model.path2Type[owner] : model.type2Parent[owner]);

/** The full element list of an owner (used to decide inheritance, deepest bases first). */
const inherits = new Map();
function decide(owner) {
  if (inherits.has(owner)) return inherits.get(owner);
  const base = baseOf(owner);
  const mine = owners.get(owner) ?? new Map();
  const baseChildren = base !== undefined ? owners.get(base) : undefined;
  const ok = baseChildren !== undefined && baseChildren.size > 0 && [...baseChildren].every(([n, v]) => same(mine.get(n), v));
  inherits.set(owner, ok ? base : undefined);
  return inherits.get(owner);
}

const typeCount = new Map();
const count = (t) => typeCount.set(t, (typeCount.get(t) ?? 0) + 1);
const lines = [];
for (const owner of [...owners.keys()].sort()) {
  const base = decide(owner);
  const baseChildren = base !== undefined ? owners.get(base) : new Map();
  const entries = [];
  for (const [name, v] of owners.get(owner)) {
    if (base !== undefined && baseChildren.has(name)) continue;
    if (v.choice) v.choice.forEach(count);
    else count(v.type);
    entries.push([name, v]);
  }
  lines.push({ owner, inherit: base !== undefined, entries });
}
const TYPES = [...typeCount].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([t]) => t);
const code = new Map(TYPES.map((t, i) => [t, i.toString(36)]));
for (const t of TYPES) if (t.includes(',') || t.includes('/')) throw new Error(`type name ${t} cannot be encoded`);

const ownerLines = lines.map(({ owner, inherit, entries }) => {
  const body = entries.map(([name, v]) => (v.choice ? `${name}?${v.choice.map((t) => code.get(t)).join('/')}` : `${name}:${code.get(v.type)}${v.repeating ? '*' : ''}`));
  return `${owner}=${inherit ? '^' : ''}${body.join(',')}`;
});
const parents = Object.entries(model.type2Parent).map(([t, p]) => `${t}:${p}`);
const elsewhere = Object.entries(model.pathsDefinedElsewhere).map(([p, q]) => `${p}>${q}`);

const literal = (s) => JSON.stringify(s);
const text = `/*
 * Generated by scripts/gen-r5-model.mjs from the R5 model of fhirpath ${version}: do not edit by hand.
 * Read it through src/model/r5-model.ts; test/model/r5-model.test.ts proves it answers as fhirpath's model.
 */

/** Type names, most used first; elements name their type by index in base 36. */
export const TYPES = ${literal(TYPES.join(','))};

/** One line per type or backbone element: \`owner=[^]name:type[*],name?type/type,…\`. */
export const OWNERS = ${literal(ownerLines.join('\n'))};

/** \`type:parent\` pairs, one per line. */
export const PARENTS = ${literal(parents.join('\n'))};

/** \`path>path\` pairs: elements whose content is defined at another path (contentReference). */
export const ELSEWHERE = ${literal(elsewhere.join('\n'))};
`;
// `--stdout` prints the table instead of writing it (the test compares it with the committed one).
if (process.argv.includes('--stdout')) process.stdout.write(text);
else {
  writeFileSync(OUT, text);
  console.log(`wrote ${OUT}: ${text.length} chars, ${lines.length} owners, ${TYPES.length} types`);
}
