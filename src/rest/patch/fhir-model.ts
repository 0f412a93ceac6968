import { choiceSuffix, choiceTypes, definedElsewhere, elementType, isKnownType, isRepeating, typeLineage } from '../../model/r5-model.js';

/*
 * The R5 model (src/model/r5-model.ts, the facts of fhirpath.js's model): element types, cardinality, choice
 * elements, type inheritance. FHIRPath Patch needs it to know whether a new child repeats, what key a choice
 * value takes, and whether a value's type fits its element.
 */

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

/**
 * Element paths (or type names) under which a child of `parentPath` may be declared: the path itself, then its
 * type and that type's ancestors (so `Identifier.extension` is found as `Element.extension`).
 */
function declaringPrefixes(parentPath: string): string[] {
  const t = isKnownType(parentPath) ? parentPath : elementType(parentPath);
  return t === undefined ? [parentPath] : [parentPath, ...typeLineage(t)];
}

function elementAt(full: string): ElementInfo | undefined {
  const path = definedElsewhere(full) ?? full;
  const choices = choiceTypes(path)?.map(choiceSuffix);
  if (choices) return { known: true, repeating: false, choiceTypes: choices };
  const type = elementType(path);
  const repeating = isRepeating(path);
  if (type === undefined && !repeating) return undefined;
  // fhirpath.js names a node by its type, except backbone elements, which keep their path.
  const nodePath = type === undefined || type === 'Element' || type === 'BackboneElement' ? path : type;
  return { known: true, repeating, type, nodePath };
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
interface ChoiceName {
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
  !!path && (isKnownType(path) || elementType(path) !== undefined);

/** FHIR primitive types are lower-case (`string`, `decimal`); FHIRPath system types are `System.*`. */
export const isPrimitiveType = (type: string): boolean => type.startsWith('System.') || /^[a-z]/.test(type);

/**
 * The FHIR type named by a `value[x]` suffix of a Parameters parameter (`String` → `string`,
 * `CodeableConcept` → `CodeableConcept`), or `undefined` when Parameters does not allow that type.
 */
export const parameterValueType = (suffix: string): string | undefined =>
  elementType(`Parameters.parameter.value${suffix}`);
