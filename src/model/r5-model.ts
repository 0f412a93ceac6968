/**
 * The facts of the FHIR R5 model that search, validation, patching and sync read: element types, which
 * elements repeat, choice elements `[x]`, type inheritance and contentReference paths. They come from the
 * compact table generated from fhirpath.js's R5 model (`r5-model-table.ts`), so the store never bundles that
 * model's JSON; the answers are those of the fhirpath model, path for path (test/model/r5-model.test.ts).
 * Paths are fhirpath.js model paths: a resource or data type (`ImagingSelection`, `Quantity`) followed by
 * element names (`ImagingSelection.instance.uid`); a choice element is named with its type suffix in
 * {@link elementType} (`Observation.valueQuantity`) and without it in {@link choiceTypes}.
 * @see https://hl7.org/fhir/R5/elementdefinition.html
 * @see https://hl7.org/fhir/R5/formats.html#choice
 * @packageDocumentation
 */
import { ELSEWHERE, OWNERS, PARENTS, TYPES } from './r5-model-table.js';

/** One element of an owner (a type or backbone element path). */
interface ModelElement {
  /** The element name without `[x]` (`value` for `value[x]`). */
  readonly name: string;
  /** Its type (`code`, `CodeableConcept`, `BackboneElement`, `System.String`…); absent for a choice. */
  readonly type?: string;
  /** Max cardinality `*`. */
  readonly repeating: boolean;
  /** For a choice element `name[x]`: its types in the model's order (`string`, `Quantity`…). */
  readonly choice?: readonly string[];
}

const typeNames = TYPES.split(',');
const typeOf = (code: string): string => {
  const t = typeNames[parseInt(code, 36)];
  if (t === undefined) throw new Error(`r5-model-table: unknown type code ${code}`);
  return t;
};

/** Owner → its table line, split once; an owner's elements are decoded on first use. */
let lines: Map<string, string> | undefined;
const decoded = new Map<string, ReadonlyMap<string, ModelElement>>();
let parents: Map<string, string> | undefined;
let elsewhere: Map<string, string> | undefined;
/** Full path → element, for the keys of choice elements with their suffix (`Observation.valueQuantity`). */
const NONE: ReadonlyMap<string, ModelElement> = new Map();

function pairs(text: string, sep: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const at = line.indexOf(sep);
    out.set(line.slice(0, at), line.slice(at + sep.length));
  }
  return out;
}

function tableLines(): Map<string, string> {
  return (lines ??= pairs(OWNERS, '='));
}

function parentMap(): Map<string, string> {
  return (parents ??= pairs(PARENTS, ':'));
}

/** The base whose elements an owner line marked `^` also has: a type's parent, a backbone's declared type. */
function baseOf(owner: string): string | undefined {
  return owner.includes('.') ? elementType(owner) : parentMap().get(owner);
}

/**
 * The elements of a type or backbone element path, in the model's order (inherited ones included:
 * `Account` lists `id`, `meta`, `text`…), each once (a choice once, without its suffix). Empty when the
 * model does not know `owner`.
 */
export function elementsOf(owner: string): ReadonlyMap<string, ModelElement> {
  const hit = decoded.get(owner);
  if (hit !== undefined) return hit;
  const line = tableLines().get(owner);
  if (line === undefined) return NONE;
  const out = new Map<string, ModelElement>();
  let body = line;
  if (body.startsWith('^')) {
    body = body.slice(1);
    const base = baseOf(owner);
    if (base !== undefined) for (const [k, v] of elementsOf(base)) out.set(k, v);
  }
  for (const entry of body === '' ? [] : body.split(',')) {
    const choice = entry.indexOf('?');
    if (choice > 0) {
      const name = entry.slice(0, choice);
      out.set(name, { name, repeating: false, choice: entry.slice(choice + 1).split('/').map(typeOf) });
      continue;
    }
    const colon = entry.indexOf(':');
    const name = entry.slice(0, colon);
    const repeating = entry.endsWith('*');
    out.set(name, { name, repeating, type: typeOf(entry.slice(colon + 1, repeating ? -1 : undefined)) });
  }
  decoded.set(owner, out);
  return out;
}

/**
 * The suffix a type gives a choice element's JSON key: the type with its first letter upper-cased
 * (`string` → `String`, `Quantity` → `Quantity`).
 * @see https://hl7.org/fhir/R5/formats.html#choice
 */
export const choiceSuffix = (type: string): string => type.charAt(0).toUpperCase() + type.slice(1);

/**
 * The JSON key of choice element `name` holding a value of `type` (`value`, `Quantity` → `valueQuantity`).
 * @see https://hl7.org/fhir/R5/formats.html#choice
 */
export const choiceKey = (name: string, type: string): string => name + choiceSuffix(type);

/** The owner part and the last name of a path (`A.b.c` → `A.b`, `c`); undefined without a dot. */
function split(path: string): [string, string] | undefined {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? undefined : [path.slice(0, dot), path.slice(dot + 1)];
}

/**
 * The type of the element at `path` (fhirpath's `path2Type`): `ImagingSelection.status` → `code`,
 * `Observation.valueQuantity` → `Quantity`; undefined for an unknown path, a choice named without its suffix,
 * and contentReference elements (see {@link definedElsewhere}).
 */
export function elementType(path: string): string | undefined {
  const parts = split(path);
  if (parts === undefined) return undefined;
  const [owner, name] = parts;
  const elements = elementsOf(owner);
  const direct = elements.get(name);
  if (direct !== undefined) return direct.type;
  return choiceOfKey(owner, name)?.type;
}

/**
 * The choice element of `owner` that JSON key `key` holds and the type its suffix names (`Observation`,
 * `valueQuantity` → `value`, `Quantity`): the longest choice name that prefixes the key, with a type whose
 * {@link choiceSuffix} is the rest. Undefined when `key` is no choice key of `owner`.
 * @see https://hl7.org/fhir/R5/formats.html#choice
 */
export function choiceOfKey(owner: string, key: string): { element: string; type: string } | undefined {
  const elements = elementsOf(owner);
  for (let i = key.length - 1; i > 0; i--) {
    const element = key.slice(0, i);
    const suffix = key.slice(i);
    const type = elements.get(element)?.choice?.find((c) => choiceSuffix(c) === suffix);
    if (type !== undefined) return { element, type };
  }
  return undefined;
}

/** Whether the element at `path` repeats (max `*`; fhirpath's `path2Repeating`). */
export function isRepeating(path: string): boolean {
  const parts = split(path);
  return parts !== undefined && elementsOf(parts[0]).get(parts[1])?.repeating === true;
}

/**
 * The types of the choice element `path` (named without `[x]`: `Observation.value`), in the model's order
 * (`Quantity`, `CodeableConcept`, `string`…); undefined when `path` is not a choice element. A choice key is
 * the element name plus the type with its first letter upper-cased (`valueString`).
 * @see https://hl7.org/fhir/R5/formats.html#choice
 */
export function choiceTypes(path: string): readonly string[] | undefined {
  const parts = split(path);
  return parts === undefined ? undefined : elementsOf(parts[0]).get(parts[1])?.choice;
}

/** The parent of a type (`Age` → `Quantity`, `ImagingSelection` → `DomainResource`; fhirpath's `type2Parent`). */
export function parentType(type: string): string | undefined {
  return parentMap().get(type);
}

/** Whether the model knows `type` as a FHIR type with a parent (every data type and resource but `Base`). */
export function isKnownType(type: string): boolean {
  return parentMap().has(type);
}

/**
 * The path whose elements a contentReference element reuses (`Questionnaire.item.item` → `Questionnaire.item`);
 * such elements have no entry of their own in {@link elementType}.
 * @see https://hl7.org/fhir/R5/elementdefinition-definitions.html#ElementDefinition.contentReference
 */
export function definedElsewhere(path: string): string | undefined {
  return (elsewhere ??= pairs(ELSEWHERE, '>')).get(path);
}

/** Every contentReference path with the path it reuses. */
export function definedElsewhereEntries(): ReadonlyMap<string, string> {
  return (elsewhere ??= pairs(ELSEWHERE, '>'));
}

/** Every type or backbone element path that has elements (`Account`, `Account.balance`…). */
export function owners(): Iterable<string> {
  return tableLines().keys();
}

/** `type`, then its parent, and so on up to `Base` (`Age`, `Quantity`, `DataType`, `Element`, `Base`). */
export function typeLineage(type: string): string[] {
  const out: string[] = [];
  for (let t: string | undefined = type; t !== undefined && out.length < 16; t = parentType(t)) out.push(t);
  return out;
}

/** True when `type` is `ancestor` or derives from it (`Age` → `Quantity`, `ImagingSelection` → `Resource`). */
export function isTypeOrSubtype(type: string, ancestor: string): boolean {
  return typeLineage(type).includes(ancestor);
}

/**
 * True for `Resource`, `DomainResource` and every type deriving from them (every resource type, also those
 * this store does not serve; compare `isResourceType` of `resource-types.ts`, the R5 resource type names).
 * @see https://hl7.org/fhir/R5/resource.html
 */
export const derivesFromResource = (type: string): boolean => isTypeOrSubtype(type, 'Resource');
