/**
 * The shape of the element tables the validator is driven by: one row per element path, the way
 * an R5 StructureDefinition snapshot lists them.
 * @see https://hl7.org/fhir/R5/elementdefinition.html
 */

/** Binding strengths of an R5 ElementDefinition. @see https://hl7.org/fhir/R5/terminologies.html#strength */
type BindingStrength = 'required' | 'extensible' | 'preferred' | 'example';

/**
 * A terminology binding of a coded element (`ElementDefinition.binding`), value set canonical without
 * its `|version`. Only `required` bindings are enforced.
 * @see https://hl7.org/fhir/R5/elementdefinition-definitions.html#ElementDefinition.binding
 */
interface BindingRow {
  readonly strength: BindingStrength;
  readonly valueSet: string;
}

/**
 * One element of a structure: allowed types (several for a choice element `name[x]`), cardinality and
 * binding. `max` is only ever `'1'` or `'*'` in the R5 core structures.
 * @see https://hl7.org/fhir/R5/elementdefinition.html
 */
export interface ElementRow {
  readonly min: number;
  readonly max: '1' | '*';
  /** Empty for a `contentReference` element. */
  readonly types: readonly string[];
  readonly binding?: BindingRow;
  /**
   * `#Path` of the backbone element whose content this element has (`Questionnaire.item.item` →
   * `#Questionnaire.item`).
   * @see https://hl7.org/fhir/R5/elementdefinition-definitions.html#ElementDefinition.contentReference
   */
  readonly contentReference?: string;
}

/**
 * A structure's elements keyed by full path (`ImagingSelection.instance.uid`, `Coding.system`).
 * Backbone elements are rows of type `BackboneElement` whose children follow under their path.
 * @see https://hl7.org/fhir/R5/elementdefinition.html
 */
export type StructureTable = Readonly<Record<string, ElementRow>>;
