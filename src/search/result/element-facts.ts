import { BASE_ELEMENTS, BASE_FLAGS, type FlagTable } from './flag-table.js';
import { IMAGING_SELECTION_FLAGS } from './imagingselection-flags.js';
import { REFERENCED_TYPE_FLAGS } from './referenced-type-flags.js';

/**
 * What `_summary` and `_elements` need to know about a resource type's top-level elements. `element` is
 * the element name of a JSON property (see `elementOfKey`), `undefined` for a property the R5 model does
 * not know.
 * @see https://hl7.org/fhir/R5/search.html#summary
 */
export interface ElementFacts {
  /** True when the facts come from the R5 definition; false for the conservative fallback. */
  readonly exact: boolean;
  isSummary(element: string | undefined): boolean;
  isMandatory(element: string | undefined): boolean;
  isModifier(element: string | undefined): boolean;
  /**
   * The Σ children of the backbone element at `path` (relative, `instance`, `series.performer`), or
   * `undefined` when it is kept whole.
   */
  summaryChildren(path: string): ReadonlySet<string> | undefined;
}

const TABLES: Readonly<Record<string, FlagTable>> = {
  ImagingSelection: IMAGING_SELECTION_FLAGS,
  ...REFERENCED_TYPE_FLAGS,
};

function exactFacts(table: FlagTable): ElementFacts {
  const summary = new Set([...BASE_FLAGS.summary, ...table.summary]);
  const mandatory = new Set<string>([...BASE_FLAGS.mandatory, ...table.mandatory]);
  const modifier = new Set([...BASE_FLAGS.modifier, ...table.modifier]);
  const children = new Map<string, Set<string>>();
  for (const path of table.summary) {
    const dot = path.lastIndexOf('.');
    if (dot < 0) continue;
    const parent = path.slice(0, dot);
    let set = children.get(parent);
    if (!set) children.set(parent, (set = new Set()));
    set.add(path.slice(dot + 1));
  }
  // Unknown properties are in no list, so they are dropped whenever the result is subsetted.
  return {
    exact: true,
    isSummary: (e) => e !== undefined && summary.has(e),
    isMandatory: (e) => e !== undefined && mandatory.has(e),
    isModifier: (e) => e !== undefined && modifier.has(e),
    summaryChildren: (path) => children.get(path),
  };
}

/**
 * The fallback for types without a flag table. Only the Resource/DomainResource flags are known, so
 * every other element — and every property the model does not know — is treated as possibly Σ,
 * possibly mandatory and possibly a modifier, and is therefore kept; backbones are kept whole. A wrong
 * summary (a dropped modifier changes the meaning) is worse than a long one.
 */
const CONSERVATIVE: ElementFacts = {
  exact: false,
  isSummary: (e) => e === undefined || !BASE_ELEMENTS.has(e) || BASE_FLAGS.summary.some((b) => b === e),
  isMandatory: (e) => e === undefined || !BASE_ELEMENTS.has(e),
  isModifier: (e) => e === undefined || !BASE_ELEMENTS.has(e) || BASE_FLAGS.modifier.some((b) => b === e),
  summaryChildren: () => undefined,
};

const cache = new Map<string, ElementFacts>();

/**
 * The element facts of `resourceType`: exact for ImagingSelection and the types it refers to (Patient,
 * ImagingStudy, ServiceRequest, BodyStructure, Endpoint, Group), the conservative fallback otherwise.
 * @see https://hl7.org/fhir/R5/search.html#summary
 */
export function elementFacts(resourceType: string): ElementFacts {
  const table = Object.hasOwn(TABLES, resourceType) ? TABLES[resourceType] : undefined;
  if (!table) return CONSERVATIVE;
  let facts = cache.get(resourceType);
  if (!facts) cache.set(resourceType, (facts = exactFacts(table)));
  return facts;
}
