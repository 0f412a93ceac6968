import { IMAGING_SELECTION_TABLE } from '../../model/validate/imagingselection-table.js';
import type { FlagTable } from './flag-table.js';

const PREFIX = 'ImagingSelection.';

/**
 * ImagingSelection's own elements, exact from the R5 StructureDefinition (data/hl7-fhir-r5/definitions/
 * StructureDefinition-ImagingSelection.json; a test proves the Σ and ?! lists equal to its snapshot).
 * Mandatory elements come from the validator's element table (min), which has no Σ/?! flags.
 * @see https://hl7.org/fhir/R5/imagingselection.html#resource
 */
export const IMAGING_SELECTION_FLAGS: FlagTable = {
  summary: [
    'identifier', 'status', 'subject', 'issued',
    'performer', 'performer.modifierExtension', 'performer.function', 'performer.actor',
    'basedOn', 'category', 'code', 'studyUid', 'derivedFrom', 'endpoint', 'seriesUid', 'seriesNumber',
    'frameOfReferenceUid', 'bodySite', 'focus',
    // instance.sopClass, subset, imageRegion2D and imageRegion3D are not Σ.
    'instance', 'instance.modifierExtension', 'instance.uid', 'instance.number',
  ],
  mandatory: Object.entries(IMAGING_SELECTION_TABLE)
    .filter(([path, row]) => row.min >= 1 && !path.slice(PREFIX.length).includes('.'))
    .map(([path]) => path.slice(PREFIX.length)),
  modifier: ['status'],
};
