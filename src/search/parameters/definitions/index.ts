import type { SearchParameter } from 'fhir/r5';
import { R5_RESOURCE_TYPES } from '../../../model/resource-types.js';
import { compileSearchParameter, searchParameterAppliesTo, type CompiledSearchParameterInfo } from '../compile-parameter.js';
import type { CompiledSearchParameter } from '../types.js';
import { IMAGING_SELECTION_CODE } from './imagingselection-code.js';
import { R5_IMAGING_SELECTION_SEARCH_PARAMETERS } from './r5-imagingselection.js';
import { R5_TARGET_SEARCH_PARAMETERS, SERVICE_REQUEST_CODE } from './r5-targets.js';

export { IMAGING_SELECTION_CODE } from './imagingselection-code.js';
export { R5_IMAGING_SELECTION_SEARCH_PARAMETERS } from './r5-imagingselection.js';
export { R5_TARGET_SEARCH_PARAMETERS, SERVICE_REQUEST_CODE } from './r5-targets.js';

/**
 * Every built-in SearchParameter, as data: the R5 ImagingSelection and common parameters (generated from the
 * published R5 data, with the fields the store reads), the ImagingSelection `code` erratum, the R5 parameters
 * of the resources an ImagingSelection points at, and the ServiceRequest `code` alias. Several entries may define the same code for a type (clinical-code and the
 * erratum); {@link builtInParametersFor} picks one.
 * @see https://hl7.org/fhir/R5/searchparameter-registry.html
 */
export const BUILT_IN_SEARCH_PARAMETERS: SearchParameter[] = [
  ...R5_IMAGING_SELECTION_SEARCH_PARAMETERS,
  IMAGING_SELECTION_CODE,
  ...R5_TARGET_SEARCH_PARAMETERS,
  SERVICE_REQUEST_CODE,
];

/**
 * How specific a definition is for `resourceType`, lower wins: written for this type alone, then a
 * multi-resource parameter naming it, then DomainResource, then Resource. So the ImagingSelection `code`
 * erratum beats clinical-code, a single-type branch beats its multi-resource original, and DomainResource's
 * `_text` (special, narrative) beats Resource's.
 */
function specificity(sp: SearchParameter, resourceType: string): number {
  const bases = sp.base as readonly string[];
  if (bases.includes(resourceType)) return bases.length === 1 ? 0 : 1;
  return bases.includes('DomainResource') ? 2 : 3;
}

/** Among the definitions that apply to `resourceType`, the most specific one per code (first on ties). */
function selectFor(params: readonly SearchParameter[], resourceType: string): SearchParameter[] {
  const byCode = new Map<string, SearchParameter>();
  for (const sp of params) {
    if (!searchParameterAppliesTo(sp, resourceType)) continue;
    const held = byCode.get(sp.code);
    if (held === undefined || specificity(sp, resourceType) < specificity(held, resourceType)) byCode.set(sp.code, sp);
  }
  return [...byCode.values()];
}

const cache = new Map<string, readonly CompiledSearchParameterInfo[]>();

/**
 * The built-in parameters of `resourceType`, one per code, compiled on the first call for that type and then
 * cached. Includes the common parameters (`_id`, `_lastUpdated`, `_tag`, `_profile`, `_security`, `_source`,
 * `_language`) for every type, and the engine-handled ones (`_text`, `_content`, `_has`, `_type`, `_filter`,
 * `_query`, `_list`, `_in`) whose `extract` returns [].
 * @throws TypeError when `resourceType` is not an R5 resource type.
 * @see https://hl7.org/fhir/R5/resource.html#search
 * @see https://hl7.org/fhir/R5/imagingselection.html#search
 */
export function builtInParametersFor(resourceType: string): CompiledSearchParameter[] {
  let compiled = cache.get(resourceType);
  if (compiled === undefined) {
    if (!R5_RESOURCE_TYPES.has(resourceType)) throw new TypeError(`${resourceType} is not a FHIR R5 resource type`);
    compiled = selectFor(BUILT_IN_SEARCH_PARAMETERS, resourceType).map((sp) => compileSearchParameter(sp, resourceType));
    cache.set(resourceType, compiled);
  }
  return compiled.slice();
}
