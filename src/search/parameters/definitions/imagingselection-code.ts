import type { SearchParameter } from 'fhir/r5';
import { asSearchParameters } from './search-parameter-json.js';

/**
 * Project erratum (docs/architecture.md, "Known quirks of the standard"): R5 defines ImagingSelection's `code` through clinical-code,
 * whose ImagingSelection branch is `ImagingSelection.status`, a mistake in the published bundle (the
 * description in the same bundle says "The imaging selection status", and `status` has its own parameter).
 * This store searches `ImagingSelection.code` instead. It is a separate SearchParameter, with its own URL,
 * rather than an edited copy of clinical-code: the generated R5 data (r5-imagingselection.ts) stays as
 * published, the deviation is visible, and a user can register the published definition instead. Being specific to ImagingSelection, it takes
 * precedence over the multi-resource clinical-code for ImagingSelection (see builtInParametersFor).
 * @see https://hl7.org/fhir/R5/imagingselection-definitions.html#ImagingSelection.code
 */
export const IMAGING_SELECTION_CODE: SearchParameter = asSearchParameters([
  {
    resourceType: 'SearchParameter',
    id: 'ImagingSelection-code',
    url: 'http://fhir-offline-store.dev/SearchParameter/ImagingSelection-code',
    version: '5.0.0',
    name: 'code',
    status: 'active',
    experimental: false,
    publisher: 'fhir-offline-store',
    description: 'The imaging selection code (ImagingSelection.code; replaces the R5 clinical-code branch ImagingSelection.status)',
    code: 'code',
    base: ['ImagingSelection'],
    type: 'token',
    expression: 'ImagingSelection.code',
    processingMode: 'normal',
  },
])[0]!;
