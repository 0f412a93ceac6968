import type { IssueCollector } from './issues.js';
import type { PrimitiveSpec } from './primitives.js';
import type { ValueSetMembership } from './required-bindings.js';

/*
 * The lookup form of the element tables, built once at module load so a walk does one Map lookup
 * per JSON property and nothing else.
 */

/**
 * How an element's values are checked: `primitive` by lexical rule, `complex` by its own table,
 * `structural` (a datatype without a table here) by JSON shape only, `resource` as a contained resource.
 * @see https://hl7.org/fhir/R5/datatypes.html
 */
export type ElementKind = 'primitive' | 'complex' | 'structural' | 'resource';

/** A required binding ready to test. @see https://hl7.org/fhir/R5/terminologies.html#required */
interface CompiledBinding {
  readonly valueSet: string;
  readonly membership: ValueSetMembership;
}

/**
 * One JSON property of a structure. A choice element `value[x]` yields one of these per type
 * (`valueString`, `valueCoding`, …).
 * @see https://hl7.org/fhir/R5/formats.html#choice
 */
export interface CompiledElement {
  /** Element name as in the table: `status`, `value[x]`. */
  readonly name: string;
  /** JSON property name: `status`, `valueString`. */
  readonly jsonKey: string;
  /** FHIRPath step used in issue expressions: `status`, `value.ofType(string)`. */
  readonly step: string;
  /** Set for the types of a choice element: the FHIRPath step of the whole choice (`value`). */
  readonly choiceStep: string | undefined;
  readonly type: string;
  readonly repeats: boolean;
  readonly kind: ElementKind;
  readonly primitive: PrimitiveSpec | undefined;
  /** For `complex`: the element table of the type or backbone; for `primitive`: the `_element` table. */
  readonly structure: CompiledStructure | undefined;
  readonly binding: CompiledBinding | undefined;
  /** For `resource`: a contained resource (dom-2/4/5 apply), not a Bundle entry or a Parameters value. */
  readonly contained: boolean;
}

/**
 * An element with min cardinality 1 and the JSON properties any of which satisfies it.
 * @see https://hl7.org/fhir/R5/conformance-rules.html
 */
export interface RequiredElement {
  readonly name: string;
  readonly step: string;
  readonly min: number;
  readonly jsonKeys: readonly string[];
}

/**
 * A content rule of a structure beyond types and cardinality (ext-1, coordinate groups, …).
 * @see https://hl7.org/fhir/R5/conformance-rules.html
 */
export type StructureRule = (object: Readonly<Record<string, unknown>>, path: string, issues: IssueCollector) => void;

/**
 * A structure (resource, datatype or backbone element) ready to walk.
 * @see https://hl7.org/fhir/R5/structuredefinition.html
 */
export interface CompiledStructure {
  /** `ImagingSelection`, `Coding`, `ImagingSelection.instance`. */
  readonly name: string;
  /** A resource root: its `resourceType` property is expected rather than unknown. */
  readonly isResource: boolean;
  /** Unknown properties are walked structurally instead of refused (resources of other types). */
  readonly open: boolean;
  readonly elements: ReadonlyMap<string, CompiledElement>;
  readonly requiredElements: readonly RequiredElement[];
  readonly rule: StructureRule | undefined;
}
