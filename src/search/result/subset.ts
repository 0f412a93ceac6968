import type { Resource } from 'fhir/r5';
import { elementFacts, type ElementFacts } from './element-facts.js';
import { elementOfKey } from '../../model/element-names.js';
import { withSubsettedTag } from './subsetted.js';

/**
 * Decides, per top-level element, whether a subset keeps it (`undefined` = property unknown to the model).
 * @see https://hl7.org/fhir/R5/search.html#summary
 */
export type KeepElement = (element: string | undefined, facts: ElementFacts) => boolean;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Walk {
  readonly type: string;
  readonly facts: ElementFacts;
  removed: boolean;
}

/** Reduces a backbone element (or an array of them) to the Σ children its type declares, recursively. */
function pruneToSummary(value: unknown, path: string, walk: Walk): unknown {
  if (Array.isArray(value)) return value.map((v) => pruneToSummary(v, path, walk));
  const keep = walk.facts.summaryChildren(path);
  if (!keep || !isObject(value)) return value;
  const out: Json = {};
  for (const [key, child] of Object.entries(value)) {
    const element = elementOfKey(`${walk.type}.${path}`, key);
    if (element !== undefined && keep.has(element)) out[key] = pruneToSummary(child, `${path}.${element}`, walk);
    else walk.removed = true;
  }
  return out;
}

/**
 * The shared engine of `_summary` and `_elements`: keeps `resourceType` and the top-level properties whose
 * element `keep` accepts (a primitive's `_name` twin and every type of a choice go with their element),
 * optionally reduces backbone elements to their Σ children, deep-copies the result and tags it
 * SUBSETTED when anything was removed. The input is never changed.
 * @see https://hl7.org/fhir/R5/search.html#summary
 * @see https://hl7.org/fhir/R5/search.html#elements
 */
export function subset(resource: Resource, keep: KeepElement, pruneBackbones: boolean): Resource {
  const type = resource.resourceType;
  const walk: Walk = { type, facts: elementFacts(type), removed: false };
  const out: Json = {};
  for (const [key, value] of Object.entries(resource as unknown as Json)) {
    if (key === 'resourceType') {
      out[key] = value;
      continue;
    }
    const element = elementOfKey(type, key);
    if (!keep(element, walk.facts)) {
      walk.removed = true;
      continue;
    }
    out[key] = pruneBackbones && element !== undefined ? pruneToSummary(value, element, walk) : value;
  }
  // Deep copy: the result must share nothing with the (stored) input.
  const copy = structuredClone(out);
  return (walk.removed ? withSubsettedTag(copy) : copy) as unknown as Resource;
}
