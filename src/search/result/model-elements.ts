import type { Model } from 'fhirpath';
import r5model from 'fhirpath/fhir-context/r5';
import { R5_RESOURCE_TYPES } from '../../model/resource-types.js';

/*
 * Element names of the R5 model shipped with fhirpath.js, as `_elements` and `_summary` need them: one
 * name per element, choice elements without `[x]` and without their type suffix (`Observation.value`, not
 * `valueQuantity`). The model only knows names and types, not the Σ/?!/min flags (see `flag-table.ts`).
 * @see https://hl7.org/fhir/R5/formats.html#choice
 */
const model: Model = r5model;

/** Parent path → its child element names (`Patient` → {id, name, deceased, …}). Built once, lazily. */
let childNames: Map<string, Set<string>> | undefined;
/** Full path of a type-suffixed choice key → its element name (`Patient.deceasedBoolean` → `deceased`). */
let choiceKeys: Map<string, string> | undefined;

const splitLast = (path: string): [string, string] => {
  const dot = path.lastIndexOf('.');
  return [path.slice(0, dot), path.slice(dot + 1)];
};

function addChild(parent: string, name: string): void {
  let names = childNames!.get(parent);
  if (!names) childNames!.set(parent, (names = new Set()));
  names.add(name);
}

function build(): void {
  childNames = new Map();
  choiceKeys = new Map();
  // path2Type lists choice elements once per type (`Patient.deceasedBoolean`); fold them back to the base.
  for (const [path, types] of Object.entries(model.choiceTypePaths)) {
    const [parent, base] = splitLast(path);
    addChild(parent, base);
    for (const suffix of types) choiceKeys.set(`${path}${suffix}`, base);
  }
  // pathsDefinedElsewhere holds contentReference elements (`BodyStructure.excludedStructure`).
  for (const path of [...Object.keys(model.path2Type), ...Object.keys(model.pathsDefinedElsewhere)]) {
    if (!path.includes('.') || choiceKeys.has(path)) continue;
    const [parent, name] = splitLast(path);
    addChild(parent, name);
  }
}

/**
 * The child element names of an element path or resource type (`ImagingSelection`,
 * `ImagingSelection.instance`); empty when the model does not know the path.
 */
export function childElements(parentPath: string): ReadonlySet<string> {
  if (!childNames) build();
  return childNames!.get(parentPath) ?? new Set();
}

/**
 * The element a JSON property belongs to: `name` → `name`, `_birthDate` (primitive extensions) →
 * `birthDate`, `valueQuantity` → `value`; `undefined` for a property the model does not know.
 * @see https://hl7.org/fhir/R5/json.html#primitive
 */
export function elementOfKey(parentPath: string, key: string): string | undefined {
  if (!choiceKeys) build();
  const name = key.startsWith('_') ? key.slice(1) : key;
  if (childElements(parentPath).has(name)) return name;
  return choiceKeys!.get(`${parentPath}.${name}`);
}

/**
 * Whether `name` is a top-level element of the R5 resource type `resourceType` (choice elements without
 * `[x]` or type suffix). `resourceType` itself is not an element; datatypes are not resource types.
 * @see https://hl7.org/fhir/R5/search.html#elements
 */
export function isKnownElement(resourceType: string, name: string): boolean {
  return R5_RESOURCE_TYPES.has(resourceType) && childElements(resourceType).has(name);
}
