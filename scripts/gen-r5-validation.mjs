#!/usr/bin/env node
/**
 * Generates src/model/validate/r5-structure-table.ts: every element of every concrete R5 resource and complex
 * datatype (types, cardinality, required bindings, contentReference), with the codes of every required-bound
 * ValueSet the package can expand, from the StructureDefinition snapshots, ValueSets and CodeSystems of the
 * official FHIR core package `hl7.fhir.r5.core` 5.0.0 (npm devDependency; HL7 publishes it under CC0 1.0,
 * https://hl7.org/fhir/R5/license.html). The store loads the table lazily (src/model/validate/r5-structures.ts):
 * it must stay out of the CRUD browser bundle.
 *
 * Encoding (decoded by src/model/validate/r5-structure-decode.ts):
 * - TYPES: every type name used, most frequent first; a row names its types by index in base 36, `/`-separated.
 * - STRUCTURES: one block per structure, `#Name` then one row per element, `relPath card types [@vs]`:
 *   - the first blocks, `#^R`, `#^D`, `#^B`, `#^E`, are the base blocks: the rows of Resource, DomainResource, a
 *     backbone type (id, extension, modifierExtension) and Element;
 *   - `#Name^X`: the structure starts with every row of base block X, identical, which are not repeated;
 *   - relPath: the path below the structure (`contact.name`); a choice element keeps its `[x]`;
 *   - card: `?` 0..1, `*` 0..*, `!` 1..1, `+` 1..*;
 *   - types: type indexes, or `=path` for a contentReference (`=#Questionnaire.item`);
 *   - a row ending in `%` is a backbone element whose standard id, extension and modifierExtension rows follow,
 *     not repeated;
 *   - `@n`: a required binding to VALUE_SETS line n.
 * - VALUE_SETS: one line per required-bound ValueSet: `url` then, tab-separated, `system code code …` groups of its
 *   expansion; a line with `url` only: a ValueSet the package cannot expand (checked by grammar or not at all).
 *
 * One correction: the datatype snapshots give their `id` element the FHIR type `id`, but it is Element.id, a
 * `string` (Element's snapshot and https://hl7.org/fhir/R5/element.html); the table says `string`.
 *
 * Run: node scripts/gen-r5-validation.mjs (or `npm run gen`); `--stdout` prints the module instead of writing it.
 * test/model/r5-structure-table.test.ts fails when the table is stale or decodes differently from the package.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const PACKAGE_DIR = dirname(require.resolve('hl7.fhir.r5.core/package.json'));
const { name: packageName, version: packageVersion } = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8'));
const OUT = resolve(dirname(fileURLToPath(import.meta.url)), '../src/model/validate/r5-structure-table.ts');

const FHIR_TYPE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
const read = (file) => JSON.parse(readFileSync(join(PACKAGE_DIR, file), 'utf8'));
const files = readdirSync(PACKAGE_DIR).filter((f) => f.endsWith('.json')).sort();
const byPrefix = (prefix) => files.filter((f) => f.startsWith(prefix)).map(read);

const structureDefinitions = byPrefix('StructureDefinition-');
const primitives = new Set(structureDefinitions.filter((s) => s.kind === 'primitive-type').map((s) => s.type));
/** Concrete resources and complex datatypes, plus Element (the shape of a primitive's `_element`). */
const tabled = structureDefinitions
  .filter((s) => s.derivation === 'specialization' && (s.kind === 'resource' || s.kind === 'complex-type') && (!s.abstract || s.type === 'Element'))
  .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
const tabledNames = new Set(tabled.map((s) => s.type));
const knownTypes = new Set([...tabledNames, ...primitives, 'BackboneElement', 'Resource']);

/** The FHIR type of a snapshot type entry: `System.String` carries its FHIR type in an extension. */
function fhirType(type) {
  if (!type.code.startsWith('http://hl7.org/fhirpath/System.')) return type.code;
  const named = type.extension?.find((e) => e.url === FHIR_TYPE_EXTENSION)?.valueUrl;
  if (!named) throw new Error(`no FHIR type for ${type.code}`);
  return named;
}

const CARD = { '0..1': '?', '0..*': '*', '1..1': '!', '1..*': '+' };

/** One row per snapshot element below the root: { rel, card, types | ref, valueSet }. */
function rowsOf(sd) {
  return sd.snapshot.element.slice(1).map((e) => {
    const card = CARD[`${e.min}..${e.max}`];
    if (!card) throw new Error(`${e.path}: cardinality ${e.min}..${e.max} cannot be encoded`);
    const rel = e.path.slice(sd.type.length + 1);
    if (e.contentReference) return { rel, card, ref: e.contentReference };
    // The R5 datatype snapshots name the FHIR type of their `id` `id`, but it is the Element.id they inherit, a
    // `string` (https://hl7.org/fhir/R5/element.html, and Element's own snapshot): validated as Element defines it.
    const types = sd.kind === 'complex-type' && rel === 'id' ? ['string'] : (e.type ?? []).map(fhirType);
    if (types.length === 0) throw new Error(`${e.path}: no type`);
    for (const t of types) if (!knownTypes.has(t)) throw new Error(`${e.path}: type ${t} has no table`);
    const valueSet = e.binding?.strength === 'required' ? e.binding.valueSet.split('|')[0] : undefined;
    if (e.binding?.strength === 'required' && !valueSet) throw new Error(`${e.path}: required binding without a value set`);
    return { rel, card, types, valueSet };
  });
}

const sameRow = (a, b) => a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);

// ---- value sets ----------------------------------------------------------------------------------------------
const codeSystems = new Map(byPrefix('CodeSystem-').map((c) => [c.url, c]));
const valueSets = new Map(byPrefix('ValueSet-').map((v) => [v.url, v]));

/** code → its descendants' codes, for `is-a`/`descendent-of` filters on hierarchical code systems. */
function conceptsOf(cs) {
  const all = [];
  const walk = (concepts, ancestors) => {
    for (const c of concepts ?? []) {
      all.push({ code: c.code, ancestors });
      walk(c.concept, [...ancestors, c.code]);
    }
  };
  walk(cs.concept, []);
  return all;
}

/** The expansion of a value set as Map(system → Set(code)), or undefined when the package cannot expand it. */
function expand(url, seen = new Set()) {
  const vs = valueSets.get(url);
  if (!vs?.compose || seen.has(url)) return undefined;
  seen.add(url);
  const out = new Map();
  const add = (system, code) => {
    if (!out.has(system)) out.set(system, new Set());
    out.get(system).add(code);
  };
  for (const include of vs.compose.include) {
    if (include.valueSet) {
      if (include.system || include.concept || include.filter) return undefined;
      for (const imported of include.valueSet) {
        const sub = expand(imported.split('|')[0], seen);
        if (!sub) return undefined;
        for (const [system, codes] of sub) for (const code of codes) add(system, code);
      }
      continue;
    }
    if (!include.system) return undefined;
    if (include.concept) {
      if (include.filter) return undefined;
      for (const c of include.concept) add(include.system, c.code);
      continue;
    }
    const cs = codeSystems.get(include.system);
    if (!cs || cs.content !== 'complete') return undefined;
    const concepts = conceptsOf(cs);
    if (!include.filter) {
      for (const c of concepts) add(include.system, c.code);
      continue;
    }
    let selected = concepts;
    for (const f of include.filter) {
      if (f.property !== 'concept' || !['is-a', 'descendent-of'].includes(f.op)) return undefined;
      selected = selected.filter((c) => c.ancestors.includes(f.value) || (f.op === 'is-a' && c.code === f.value));
    }
    for (const c of selected) add(include.system, c.code);
  }
  for (const exclude of vs.compose.exclude ?? []) {
    if (!exclude.system || !exclude.concept || exclude.filter || exclude.valueSet) return undefined;
    for (const c of exclude.concept) out.get(exclude.system)?.delete(c.code);
  }
  return out;
}

// ---- encode ----------------------------------------------------------------------------------------------------
const rowsByStructure = new Map(tabled.map((sd) => [sd.type, rowsOf(sd)]));
const resourceRows = rowsOf(structureDefinitions.find((s) => s.type === 'Resource' && s.derivation === 'specialization'));
const domainRows = rowsOf(structureDefinitions.find((s) => s.type === 'DomainResource' && s.derivation === 'specialization'));
const elementRows = rowsByStructure.get('Element');
const backboneTypeRows = rowsOf(structureDefinitions.find((s) => s.type === 'BackboneType'));
/** Base blocks, longest first: a structure inherits the first whose rows it starts with. */
const BASES = [
  ['D', domainRows],
  ['R', resourceRows],
  ['B', backboneTypeRows],
  ['E', elementRows],
];
const BACKBONE_CHILDREN = [
  { rel: 'id', card: '?', types: ['string'], valueSet: undefined },
  { rel: 'extension', card: '*', types: ['Extension'], valueSet: undefined },
  { rel: 'modifierExtension', card: '*', types: ['Extension'], valueSet: undefined },
];

const typeCount = new Map();
const valueSetUrls = [];
const valueSetIndex = new Map();
const blocks = [];
/** The base blocks first (`#^D`), then every structure; a structure never inherits from itself. */
const toEncode = [...BASES.map(([code, rows]) => [`^${code}`, rows]), ...rowsByStructure];
for (const [name, rows] of toEncode) {
  let rest = rows;
  let base = '';
  if (name !== 'Element' && !name.startsWith('^')) {
    for (const [code, baseRows] of BASES) {
      if (baseRows.every((r, i) => sameRow(rows[i], r))) {
        base = code;
        rest = rows.slice(baseRows.length);
        break;
      }
    }
  }
  const lines = [];
  for (let i = 0; i < rest.length; i++) {
    const row = rest[i];
    const parts = [row.rel, row.card];
    if (row.ref) parts.push(`=${row.ref}`);
    else {
      for (const t of row.types) typeCount.set(t, (typeCount.get(t) ?? 0) + 1);
      parts.push(row.types);
    }
    let tail = '';
    if (row.types?.length === 1 && row.types[0] === 'BackboneElement') {
      const children = rest.slice(i + 1, i + 4);
      if (BACKBONE_CHILDREN.every((c, k) => sameRow(children[k], { ...c, rel: `${row.rel}.${c.rel}` }))) {
        tail = '%';
        i += 3;
      }
    }
    if (row.valueSet) {
      if (!valueSetIndex.has(row.valueSet)) {
        valueSetIndex.set(row.valueSet, valueSetUrls.length);
        valueSetUrls.push(row.valueSet);
      }
      parts.push(`@${valueSetIndex.get(row.valueSet)}`);
    }
    lines.push({ parts, tail });
  }
  blocks.push({ name, base, lines });
}

const TYPES = [...typeCount].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([t]) => t);
const typeCode = new Map(TYPES.map((t, i) => [t, i.toString(36)]));
const structureText = blocks
  .map(({ name, base, lines }) =>
    [`#${name}${base ? `^${base}` : ''}`, ...lines.map(({ parts, tail }) => parts.map((p) => (Array.isArray(p) ? p.map((t) => typeCode.get(t)).join('/') : p)).join(' ') + tail)].join('\n'),
  )
  .join('\n');

let expanded = 0;
const valueSetLines = valueSetUrls.map((url) => {
  const expansion = expand(url);
  if (!expansion) return url;
  expanded++;
  const groups = [...expansion].filter(([, codes]) => codes.size > 0).map(([system, codes]) => {
    for (const c of codes) if (/\s/.test(c) || c.length === 0) throw new Error(`${url}: code '${c}' cannot be encoded`);
    return [system, ...codes].join(' ');
  });
  return [url, ...groups].join('\t');
});

const literal = (s) => JSON.stringify(s);
const text = `/*
 * Generated by scripts/gen-r5-validation.mjs from the npm package ${packageName} ${packageVersion} (the official
 * FHIR R5 core package: StructureDefinition snapshots, ValueSets, CodeSystems; published by HL7 under CC0 1.0,
 * https://hl7.org/fhir/R5/license.html): do not edit by hand. ${tabled.length} structures, ${valueSetUrls.length} required-bound
 * value sets (${expanded} expanded). Read it through src/model/validate/r5-structure-decode.ts; it is loaded lazily,
 * never part of the CRUD bundle.
 */

/** Type names, most used first; rows name their types by index in base 36. */
export const TYPES = ${literal(TYPES.join(','))};

/** One block per structure: \`#Name[^base]\` then rows \`relPath card types [@valueSet]\`. */
export const STRUCTURES = ${literal(structureText)};

/** One line per required-bound value set: \`url\` then tab-separated \`system code code …\` groups. */
export const VALUE_SETS = ${literal(valueSetLines.join('\n'))};
`;
if (process.argv.includes('--stdout')) process.stdout.write(text);
else {
  writeFileSync(OUT, text);
  console.log(`wrote ${OUT}: ${text.length} chars, ${tabled.length} structures, ${TYPES.length} types, ${valueSetUrls.length} value sets (${expanded} expanded)`);
}
