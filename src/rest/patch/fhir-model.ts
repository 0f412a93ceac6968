import type { Model } from 'fhirpath';
import r5model from 'fhirpath/fhir-context/r5';

/**
 * The R5 model shipped with fhirpath.js: element types, cardinality (`path2Repeating`), choice elements,
 * type inheritance. FHIRPath Patch needs it to know whether a new child repeats, what key a choice value
 * takes, and whether a value's type fits its element.
 */
export const model: Model = r5model;

/** What the R5 model says about one child element. */
export interface ElementInfo {
  /** Whether the model knows this element at all. */
  known: boolean;
  /** Max cardinality `*`. */
  repeating: boolean;
  /** Declared type (`code`, `CodeableConcept`, `BackboneElement`, `System.String`…); absent for a choice. */
  type?: string;
  /** Type suffixes allowed when the element is a choice `[x]` (`String`, `CodeableConcept`…). */
  choiceTypes?: string[];
  /** The path fhirpath.js gives the element's node, under which its own children are looked up. */
  nodePath?: string;
}

const UNKNOWN: ElementInfo = { known: false, repeating: false };

/** Upper-cases the first letter (`string` → `String`), as FHIR does to build choice names. */
export const upperFirst = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Element paths (or type names) under which a child of `parentPath` may be declared: the path itself, then its
 * type and that type's ancestors (so `Identifier.extension` is found as `Element.extension`).
 */
function declaringPrefixes(parentPath: string): string[] {
  const out = [parentPath];
  let t: string | undefined = parentPath in model.type2Parent ? parentPath : model.path2Type[parentPath];
  for (let guard = 0; t && guard < 20; guard++) {
    out.push(t);
    t = model.type2Parent[t];
  }
  return out;
}

function elementAt(full: string): ElementInfo | undefined {
  const path = model.pathsDefinedElsewhere[full] ?? full;
  const choiceTypes = model.choiceTypePaths[path];
  if (choiceTypes) return { known: true, repeating: false, choiceTypes };
  const type = model.path2Type[path];
  const repeating = model.path2Repeating[path] === true;
  if (type === undefined && !repeating) return undefined;
  return { known: true, repeating, type, nodePath: model.path2TypeWithoutElements[path] ?? path };
}

/**
 * Looks up child `name` of the element whose fhirpath.js node path is `parentPath` (e.g. `ImagingSelection`,
 * `ImagingSelection.instance`, `CodeableConcept`). `name` may be a choice name with its type suffix
 * (`valueString`). Unknown parents or names give `{ known: false }`.
 */
export function childElement(parentPath: string | null | undefined, name: string): ElementInfo {
  if (!parentPath) return UNKNOWN;
  for (const prefix of declaringPrefixes(parentPath)) {
    const found = elementAt(`${prefix}.${name}`);
    if (found) return found;
  }
  return UNKNOWN;
}

/** A choice element named with its type suffix: `valueString` → base `value`, suffix `String`. */
export interface ChoiceName {
  base: string;
  suffix: string;
  choiceTypes: string[];
}

/** Recognises `key` as `<choice base><Type>` under `parentPath`, or `undefined`. */
export function choiceName(parentPath: string | null | undefined, key: string): ChoiceName | undefined {
  if (!parentPath) return undefined;
  for (let i = 1; i < key.length; i++) {
    const c = key.charAt(i);
    if (c < 'A' || c > 'Z') continue;
    const base = key.slice(0, i);
    const info = childElement(parentPath, base);
    const suffix = key.slice(i);
    if (info.choiceTypes?.includes(suffix)) return { base, suffix, choiceTypes: info.choiceTypes };
  }
  return undefined;
}

/** True when the model knows `path` as an element path or a type (so its children can be checked). */
export const isKnownPath = (path: string | null | undefined): boolean =>
  !!path && (path in model.type2Parent || path in model.path2Type);

/** FHIR primitive types are lower-case (`string`, `decimal`); FHIRPath system types are `System.*`. */
export const isPrimitiveType = (type: string): boolean => type.startsWith('System.') || /^[a-z]/.test(type);

/** True when `type` is `ancestor` or derives from it (`Age` → `Quantity`, `ImagingSelection` → `Resource`). */
export function isTypeOrSubtype(type: string, ancestor: string): boolean {
  let t: string | undefined = type;
  for (let guard = 0; t && guard < 20; guard++) {
    if (t === ancestor) return true;
    t = model.type2Parent[t];
  }
  return false;
}

/**
 * The FHIR type named by a `value[x]` suffix of a Parameters parameter (`String` → `string`,
 * `CodeableConcept` → `CodeableConcept`), or `undefined` when Parameters does not allow that type.
 */
export const parameterValueType = (suffix: string): string | undefined =>
  model.path2Type[`Parameters.parameter.value${suffix}`];
