import type { Element, SearchParameter } from 'fhir/r5';

/**
 * A SearchParameter as R5 JSON. @types/fhir 0.0.44 types `SearchParameter.base`/`target` as a union of
 * pre-R5 type names only (R5 names such as `ImagingSelection` do not type-check) and `_base` without the
 * `null` placeholders R5 JSON uses; this shape checks every other field and takes those three as R5 writes them.
 * @see https://hl7.org/fhir/R5/searchparameter.html
 */
export type SearchParameterJson = Omit<SearchParameter, 'base' | 'target' | '_base'> & {
  base: string[];
  target?: string[];
  _base?: (Element | null)[];
};

/**
 * Views checked R5 JSON as the `SearchParameter` type the rest of the code uses.
 * @see https://hl7.org/fhir/R5/searchparameter.html
 */
export const asSearchParameters = (list: SearchParameterJson[]): SearchParameter[] => list as unknown as SearchParameter[];
