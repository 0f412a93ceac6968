import { choiceOfKey, definedElsewhereEntries, elementsOf } from './r5-model.js';
import { R5_RESOURCE_TYPES } from './resource-types.js';

/*
 * Element names of the R5 model (src/model/r5-model.ts), as `_elements` and `_summary` need them: one name
 * per element, choice elements without `[x]` and without their type suffix (`Observation.value`, not
 * `valueQuantity`). The model only knows names and types, not the Σ/?!/min flags (see `search/result/flag-table.ts`).
 * @see https://hl7.org/fhir/R5/formats.html#choice
 */

/** Parent path → its contentReference child names (`BodyStructure` → {excludedStructure}). Built once, lazily. */
let elsewhereNames: Map<string, Set<string>> | undefined;
/** Parent path → its child element names, choices first then the rest, as fhirpath's model lists them. */
const childNames = new Map<string, ReadonlySet<string>>();

function elsewhereChildren(parent: string): ReadonlySet<string> | undefined {
  if (!elsewhereNames) {
    elsewhereNames = new Map();
    for (const path of definedElsewhereEntries().keys()) {
      const dot = path.lastIndexOf('.');
      const names = elsewhereNames.get(path.slice(0, dot)) ?? new Set<string>();
      names.add(path.slice(dot + 1));
      elsewhereNames.set(path.slice(0, dot), names);
    }
  }
  return elsewhereNames.get(parent);
}

/**
 * The child element names of an element path or resource type (`ImagingSelection`,
 * `ImagingSelection.instance`); empty when the model does not know the path.
 */
export function childElements(parentPath: string): ReadonlySet<string> {
  let names = childNames.get(parentPath);
  if (names === undefined) {
    const elements = [...elementsOf(parentPath).values()];
    const set = new Set<string>([...elements.filter((e) => e.choice).map((e) => e.name), ...elements.filter((e) => !e.choice).map((e) => e.name)]);
    for (const name of elsewhereChildren(parentPath) ?? []) set.add(name);
    childNames.set(parentPath, (names = set));
  }
  return names;
}

/**
 * The element a JSON property belongs to: `name` → `name`, `_birthDate` (primitive extensions) →
 * `birthDate`, `valueQuantity` → `value`; `undefined` for a property the model does not know.
 * @see https://hl7.org/fhir/R5/json.html#primitive
 */
export function elementOfKey(parentPath: string, key: string): string | undefined {
  const name = key.startsWith('_') ? key.slice(1) : key;
  if (childElements(parentPath).has(name)) return name;
  return choiceOfKey(parentPath, name)?.element;
}

/**
 * Whether `name` is a top-level element of the R5 resource type `resourceType` (choice elements without
 * `[x]` or type suffix). `resourceType` itself is not an element; datatypes are not resource types.
 * @see https://hl7.org/fhir/R5/search.html#elements
 */
export function isKnownElement(resourceType: string, name: string): boolean {
  return R5_RESOURCE_TYPES.has(resourceType) && childElements(resourceType).has(name);
}
