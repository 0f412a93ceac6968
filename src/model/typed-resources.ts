import type { FhirResource } from 'fhir/r5';

/**
 * The name of a FHIR R5 resource type, as a resource's `resourceType` spells it: the union of every concrete
 * resource type of `@types/fhir`'s `fhir/r5`.
 * @see https://hl7.org/fhir/R5/resourcelist.html
 * @public
 */
export type ResourceType = FhirResource['resourceType'];

/**
 * The resource whose `resourceType` is `K`: `ResourceOf<'ImagingSelection'>` is `ImagingSelection`; a union of
 * names gives the union of their resources.
 * @public
 */
export type ResourceOf<K extends ResourceType> = Extract<
  FhirResource,
  {
    /** The resource type name the resource is picked by. */
    resourceType: K;
  }
>;

/**
 * What a search with parameters `P` may add beside its matches: every resource type when `P` may ask for
 * `_include` or `_revinclude`, nothing when its type shows it cannot (a string literal or an object literal
 * without them). A `string` or a list of pairs is not known until run time, so it may.
 * @see https://hl7.org/fhir/R5/search.html#include
 * @public
 */
export type IncludedBy<P> = P extends string
  ? string extends P
    ? FhirResource
    : P extends `${string}_include${string}` | `${string}_revinclude${string}`
      ? FhirResource
      : never
  : P extends readonly unknown[]
    ? FhirResource
    : string extends keyof P
      ? FhirResource
      : Extract<keyof P, `_include${string}` | `_revinclude${string}`> extends never
        ? never
        : FhirResource;
