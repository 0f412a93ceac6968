import type { Resource } from 'fhir/r5';
import { isKnownElement } from '../../model/element-names.js';
import { subset } from './subset.js';

/**
 * Applies `_elements=a,b` to one resource and returns a new object (the input is never changed): keeps
 * the listed top-level elements plus id, meta and the mandatory (min ≥ 1) and modifier (isModifier)
 * top-level elements, each whole. Choice elements are named without `[x]`: `value` keeps `valueQuantity`
 * and the other types. Names the type does not have are ignored (callers reject them first with
 * `isKnownElement`). Tagged SUBSETTED unless nothing was removed.
 *
 * For types without exact element facts (see `summarize`) every type-specific element may be mandatory
 * or a modifier, so only the unlisted Resource/DomainResource elements (language, text, contained,
 * extension) are removed.
 * @see https://hl7.org/fhir/R5/search.html#elements
 */
export function selectElements(resource: Resource, elements: readonly string[]): Resource {
  const type = resource.resourceType;
  const listed = new Set(elements.filter((name) => isKnownElement(type, name)));
  return subset(
    resource,
    (e, f) => (e !== undefined && (listed.has(e) || e === 'id' || e === 'meta')) || f.isMandatory(e) || f.isModifier(e),
    false,
  );
}
