import type { ElementRow, StructureTable } from './element-table.js';

/*
 * Reads the generated R5 structure table (r5-structure-table.ts, written by scripts/gen-r5-validation.mjs) back
 * into element tables and value set expansions. The encoding is described in the generator.
 */

/**
 * The expansion of a value set: codes by code system.
 * @see https://hl7.org/fhir/R5/valueset.html#expansion
 */
export type ValueSetExpansion = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * The decoded table: element tables by structure name, and for each required-bound value set its expansion, or
 * `undefined` when the package cannot expand it.
 * @see https://hl7.org/fhir/R5/elementdefinition.html
 * @see https://hl7.org/fhir/R5/valueset.html#expansion
 */
export interface DecodedR5Structures {
  readonly tables: Readonly<Record<string, StructureTable>>;
  readonly valueSets: ReadonlyMap<string, ValueSetExpansion | undefined>;
}

const CARDINALITY: Readonly<Record<string, Pick<ElementRow, 'min' | 'max'>>> = {
  '?': { min: 0, max: '1' },
  '*': { min: 0, max: '*' },
  '!': { min: 1, max: '1' },
  '+': { min: 1, max: '*' },
};

/** The standard children of a backbone element, implied by a row ending in `%`. */
const BACKBONE_CHILDREN: readonly [string, ElementRow][] = [
  ['id', { min: 0, max: '1', types: ['string'] }],
  ['extension', { min: 0, max: '*', types: ['Extension'] }],
  ['modifierExtension', { min: 0, max: '*', types: ['Extension'] }],
];

/**
 * Decodes the generated strings (see scripts/gen-r5-validation.mjs for the format).
 * @throws Error on a malformed table (a generator bug): validation never runs on a half-read table.
 * @see https://hl7.org/fhir/R5/elementdefinition.html
 */
export function decodeR5Structures(typeList: string, structures: string, valueSetLines: string): DecodedR5Structures {
  const types = typeList.split(',');
  const valueSetUrls: string[] = [];
  const valueSets = new Map<string, ValueSetExpansion | undefined>();
  for (const line of valueSetLines.split('\n')) {
    const [url, ...groups] = line.split('\t');
    if (!url) throw new Error('R5 structure table: empty value set line');
    valueSetUrls.push(url);
    if (groups.length === 0) {
      valueSets.set(url, undefined);
      continue;
    }
    const expansion = new Map<string, ReadonlySet<string>>();
    for (const group of groups) {
      const [system, ...codes] = group.split(' ');
      expansion.set(system ?? '', new Set(codes));
    }
    valueSets.set(url, expansion);
  }

  const blocks = new Map<string, { base: string | undefined; lines: string[] }>();
  let current: string[] | undefined;
  for (const line of structures.split('\n')) {
    if (line.startsWith('#')) {
      // `#^D` names base block D; `#Patient^D` a structure starting with it.
      const caret = line.indexOf('^', 2);
      const name = caret < 0 ? line.slice(1) : line.slice(1, caret);
      const base = caret < 0 ? undefined : line.slice(caret + 1);
      current = [];
      blocks.set(name, { base, lines: current });
    } else if (current) current.push(line);
    else throw new Error('R5 structure table: a row before any structure');
  }

  const rowsOf = (name: string, lines: readonly string[]): [string, ElementRow][] => {
    const rows: [string, ElementRow][] = [];
    for (const line of lines) {
      const backbone = line.endsWith('%');
      const [rel = '', card = '', typeField = '', binding] = (backbone ? line.slice(0, -1) : line).split(' ');
      const cardinality = CARDINALITY[card];
      if (!cardinality) throw new Error(`R5 structure table: ${name}.${rel} has cardinality '${card}'`);
      const row: ElementRow = typeField.startsWith('=')
        ? { ...cardinality, types: [], contentReference: typeField.slice(1) }
        : { ...cardinality, types: typeField.split('/').map((code) => typeAt(types, code, name, rel)) };
      const valueSet = binding === undefined ? undefined : valueSetUrls[Number(binding.slice(1))];
      if (binding !== undefined && valueSet === undefined) throw new Error(`R5 structure table: ${name}.${rel} names value set ${binding}`);
      rows.push([rel, valueSet === undefined ? row : { ...row, binding: { strength: 'required', valueSet } }]);
      if (backbone) for (const [child, childRow] of BACKBONE_CHILDREN) rows.push([`${rel}.${child}`, childRow]);
    }
    return rows;
  };

  // Blocks named `^X` are the base blocks other structures start with (`#Patient^D`).
  const bases = new Map<string, [string, ElementRow][]>();
  for (const [name, { lines }] of blocks) if (name.startsWith('^')) bases.set(name.slice(1), rowsOf(name, lines));

  const tables: Record<string, StructureTable> = {};
  for (const [name, { base, lines }] of blocks) {
    if (name.startsWith('^')) continue;
    const inherited = base === undefined ? [] : bases.get(base);
    if (!inherited) throw new Error(`R5 structure table: ${name} has base '${base}'`);
    const rows = [...inherited, ...rowsOf(name, lines)];
    tables[name] = Object.fromEntries(rows.map(([rel, row]) => [`${name}.${rel}`, row]));
  }
  return { tables, valueSets };
}

function typeAt(types: readonly string[], code: string, name: string, rel: string): string {
  const type = types[parseInt(code, 36)];
  if (type === undefined) throw new Error(`R5 structure table: ${name}.${rel} names type ${code}`);
  return type;
}
