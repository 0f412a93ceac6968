/**
 * The Σ (isSummary), min ≥ 1 and ?! (isModifier) facts of one resource type's own elements (the shared
 * Resource/DomainResource elements live in `BASE_FLAGS`). Paths are relative to the resource, choice
 * elements are named without `[x]`.
 * @see https://hl7.org/fhir/R5/elementdefinition-definitions.html#ElementDefinition.isSummary
 * @see https://hl7.org/fhir/R5/elementdefinition-definitions.html#ElementDefinition.isModifier
 */
export interface FlagTable {
  /**
   * The isSummary elements: top-level names, plus — for each backbone element whose children are not all
   * Σ — the Σ children (`link.other`). A backbone without listed children is kept whole. Children listed
   * under a non-Σ backbone matter when it is kept for being mandatory (BodyStructure.includedStructure).
   */
  readonly summary: readonly string[];
  /** Top-level elements with min ≥ 1. */
  readonly mandatory: readonly string[];
  /** Top-level isModifier elements. */
  readonly modifier: readonly string[];
}

/**
 * Resource and DomainResource (identical in every R5 resource snapshot): id, meta, implicitRules (?!) and
 * modifierExtension (?!) are Σ; language, text, contained and extension are not; none is mandatory.
 * @see https://hl7.org/fhir/R5/resource.html#Resource
 * @see https://hl7.org/fhir/R5/domainresource.html#DomainResource
 */
export const BASE_FLAGS = {
  summary: ['id', 'meta', 'implicitRules', 'modifierExtension'],
  mandatory: [],
  modifier: ['implicitRules', 'modifierExtension'],
} as const satisfies FlagTable;

/**
 * Every Resource/DomainResource element name.
 * @see https://hl7.org/fhir/R5/domainresource.html#DomainResource
 */
export const BASE_ELEMENTS: ReadonlySet<string> = new Set([
  'id', 'meta', 'implicitRules', 'language', 'text', 'contained', 'extension', 'modifierExtension',
]);
