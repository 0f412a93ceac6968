import type { CompiledElement, CompiledStructure, ElementKind, RequiredElement, StructureRule } from './compiled-structure.js';
import type { ElementRow, StructureTable } from './element-table.js';
import { primitiveSpec } from './primitives.js';
import { REQUIRED_VALUE_SETS, type ValueSetMembership } from './required-bindings.js';

/**
 * What turns a set of element tables into walkable structures.
 * @see https://hl7.org/fhir/R5/elementdefinition.html
 */
interface CompileOptions {
  /** Tables by structure name; must include `Element` (the shape of a primitive's `_element`). */
  readonly tables: Readonly<Record<string, StructureTable>>;
  /** Type names that share another type's table (Age → Quantity). */
  readonly aliases?: Readonly<Record<string, string>>;
  /** Content rules by structure name (type name or backbone path). */
  readonly rules?: Readonly<Record<string, StructureRule>>;
  /** Structures that are resource roots. */
  readonly resources?: readonly string[];
  /** Structures whose unknown properties are walked structurally, not refused. */
  readonly open?: readonly string[];
  /**
   * Membership tests of the required-bound value sets, by canonical URL. A binding to a value set missing here
   * throws, unless `unchecked` lists it (a value set nothing here can expand: documented as not checked).
   */
  readonly valueSets?: ReadonlyMap<string, ValueSetMembership>;
  readonly unchecked?: ReadonlySet<string>;
  /** Membership tests for single elements, by path, where the element's definition widens its value set. */
  readonly bindingOverrides?: Readonly<Record<string, ValueSetMembership>>;
}

interface MutableStructure {
  name: string;
  isResource: boolean;
  open: boolean;
  elements: Map<string, CompiledElement>;
  requiredElements: RequiredElement[];
  rule: StructureRule | undefined;
}

const BACKBONE = 'BackboneElement';

const capitalise = (type: string): string => type.charAt(0).toUpperCase() + type.slice(1);

/**
 * Compiles element tables into structures keyed by name (types, backbone paths and aliases). Throws
 * at load time on a table that cannot be enforced (unknown parent path, required binding without a
 * membership test), so a table mistake cannot silently weaken validation.
 * @see https://hl7.org/fhir/R5/elementdefinition.html
 * @see https://hl7.org/fhir/R5/formats.html#choice (one JSON property per type of `name[x]`)
 */
export function compileStructures(options: CompileOptions): ReadonlyMap<string, CompiledStructure> {
  const { tables, aliases = {}, rules = {}, resources = [], open = [], valueSets = REQUIRED_VALUE_SETS, unchecked = new Set(), bindingOverrides = {} } = options;
  const structures = new Map<string, MutableStructure>();
  const shell = (name: string): MutableStructure => ({
    name,
    isResource: resources.includes(name),
    open: open.includes(name),
    elements: new Map(),
    requiredElements: [],
    rule: undefined,
  });

  for (const [name, table] of Object.entries(tables)) {
    structures.set(name, shell(name));
    // A backbone element, or an element of type Element with children of its own (Timing.repeat).
    for (const path of Object.keys(table)) {
      const row = table[path];
      if (row?.types.length === 1 && (row.types[0] === BACKBONE || hasChildren(table, path))) structures.set(path, shell(path));
    }
  }
  for (const [alias, target] of Object.entries(aliases)) {
    const structure = structures.get(target);
    if (!structure) throw new Error(`Alias ${alias} names unknown structure ${target}`);
    structures.set(alias, structure);
  }
  const primitiveExtension = structures.get('Element');
  if (!primitiveExtension) throw new Error('The Element table (shape of `_element`) is required');

  for (const table of Object.values(tables)) {
    for (const [path, row] of Object.entries(table)) {
      const dot = path.lastIndexOf('.');
      const parent = structures.get(path.slice(0, dot));
      if (!parent) throw new Error(`No structure holds ${path}`);
      addElement(parent, path, path.slice(dot + 1), row, structures, primitiveExtension, (url) => {
        const override = Object.hasOwn(bindingOverrides, path) ? bindingOverrides[path] : undefined;
        return override ? { valueSet: url, membership: override } : requiredBinding(path, url, valueSets, unchecked);
      });
    }
  }
  for (const [name, rule] of Object.entries(rules)) {
    const structure = structures.get(name);
    if (!structure) throw new Error(`Rule for unknown structure ${name}`);
    structure.rule = rule;
  }
  return structures;
}

/** True when some row of `table` is a child of `path`. */
const hasChildren = (table: StructureTable, path: string): boolean => {
  const prefix = `${path}.`;
  for (const p of Object.keys(table)) if (p.startsWith(prefix)) return true;
  return false;
};

function addElement(
  parent: MutableStructure,
  path: string,
  name: string,
  row: ElementRow,
  structures: ReadonlyMap<string, MutableStructure>,
  primitiveExtension: MutableStructure,
  bindingOf: (valueSet: string) => CompiledElement['binding'],
): void {
  const isChoice = name.endsWith('[x]');
  const base = isChoice ? name.slice(0, -3) : name;
  const binding = row.binding?.strength === 'required' ? bindingOf(row.binding.valueSet) : undefined;
  const jsonKeys: string[] = [];
  if (row.contentReference !== undefined) {
    const target = structures.get(row.contentReference.slice(1));
    if (!target) throw new Error(`${path} names content ${row.contentReference}, which is no backbone element`);
    parent.elements.set(name, {
      name, jsonKey: name, step: name, choiceStep: undefined, type: BACKBONE, repeats: row.max === '*',
      kind: 'complex', primitive: undefined, structure: target, binding: undefined, contained: false,
    });
    jsonKeys.push(name);
  }
  const own = structures.get(path);
  for (const type of row.types) {
    const jsonKey = isChoice ? base + capitalise(type) : base;
    const primitive = primitiveSpec(type);
    let kind: ElementKind;
    let structure: MutableStructure | undefined;
    if (primitive) {
      kind = 'primitive';
      structure = primitiveExtension;
    } else if (type === 'Resource') {
      kind = 'resource';
    } else {
      structure = own ?? structures.get(type);
      kind = structure ? 'complex' : 'structural';
    }
    parent.elements.set(jsonKey, {
      name,
      jsonKey,
      step: isChoice ? `${base}.ofType(${type})` : base,
      choiceStep: isChoice ? base : undefined,
      type,
      repeats: row.max === '*',
      kind,
      primitive,
      structure,
      binding,
      contained: kind === 'resource' && name === 'contained',
    });
    jsonKeys.push(jsonKey);
  }
  if (row.min > 0) parent.requiredElements.push({ name, step: base, min: row.min, jsonKeys });
}

function requiredBinding(
  path: string,
  valueSet: string,
  valueSets: ReadonlyMap<string, ValueSetMembership>,
  unchecked: ReadonlySet<string>,
): CompiledElement['binding'] {
  const membership = valueSets.get(valueSet);
  if (membership) return { valueSet, membership };
  if (unchecked.has(valueSet)) return undefined;
  throw new Error(`${path} has a required binding to ${valueSet}, which has no membership test`);
}
