import type { Resource } from 'fhir/r5';

/** The search parameter types of R5 (https://hl7.org/fhir/R5/search.html#ptypes). */
export type SearchParamType = 'number' | 'date' | 'string' | 'token' | 'reference' | 'composite' | 'quantity' | 'uri' | 'special';

/**
 * One value an expression selected from a resource, with its FHIR datatype: `Coding`, `CodeableConcept`,
 * `Identifier`, `Reference`, `CodeableReference`, `HumanName`, `Period`, `code`, `string`, `id`, `uri`,
 * `canonical`, `date`, `dateTime`, `instant`, `boolean`, … (the name as in the R5 model).
 */
export interface TypedValue {
  type: string;
  value: unknown;
}

/**
 * A search parameter compiled once for one resource type: what it is and how to pull its values out of a
 * resource of that type. Built from an R5 SearchParameter resource.
 * @see https://hl7.org/fhir/R5/searchparameter.html
 */
export interface CompiledSearchParameter {
  /** Canonical URL of the SearchParameter. */
  url: string;
  code: string;
  type: SearchParamType;
  /** The resource type this compilation is for. */
  resourceType: string;
  description: string;
  /** The expression for this resource type only (the branch of a multi-resource expression). */
  expression?: string;
  /** Reference targets (for reference parameters). */
  targets: string[];
  /** Values of this parameter in a resource of `resourceType`; [] when none. Synchronous, no I/O. */
  extract: (resource: Resource) => TypedValue[];
}
