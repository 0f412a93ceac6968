import type { StructureRule } from './compiled-structure.js';

/**
 * ext-1: "Must have either extensions or value[x], not both" (`extension.exists() != value.exists()`).
 * Unknown properties are refused elsewhere, so any property starting with `value` (or `_value`, a
 * primitive value carrying only extensions) is the value[x].
 * @see https://hl7.org/fhir/R5/extensibility.html#Extension
 */
const extensionHasValueOrExtensions: StructureRule = (extension, path, issues) => {
  let hasValue = false;
  for (const key of Object.keys(extension)) {
    if (key.startsWith('value') || key.startsWith('_value')) {
      hasValue = true;
      break;
    }
  }
  const hasExtensions = extension['extension'] !== undefined;
  if (hasValue && hasExtensions) {
    issues.invariant(path, 'ext-1: an extension must have either a value[x] or nested extensions, not both');
  } else if (!hasValue && !hasExtensions) {
    issues.invariant(path, 'ext-1: an extension must have either a value[x] or nested extensions');
  }
};

/**
 * An image region's `coordinate` holds whole points: pairs (x,y) in 2D, triplets (x,y,z) in 3D. The R5
 * element requirements say so in prose; there is no FHIRPath invariant for it.
 * @see https://hl7.org/fhir/R5/imagingselection-definitions.html#ImagingSelection.instance.imageRegion2D.coordinate
 * @see https://hl7.org/fhir/R5/imagingselection-definitions.html#ImagingSelection.instance.imageRegion3D.coordinate
 */
function coordinatesInGroupsOf(size: number, pointName: string): StructureRule {
  return (region, path, issues) => {
    const coordinates = region['coordinate'];
    if (Array.isArray(coordinates) && coordinates.length > 0 && coordinates.length % size !== 0) {
      issues.businessRule(
        `${path}.coordinate`,
        `The number of coordinates must be a multiple of ${size} (${pointName}); found ${coordinates.length}`,
      );
    }
  };
}

/**
 * Content rules by structure name (datatype or backbone path).
 * @see https://hl7.org/fhir/R5/imagingselection.html
 */
export const STRUCTURE_RULES: Readonly<Record<string, StructureRule>> = {
  Extension: extensionHasValueOrExtensions,
  'ImagingSelection.instance.imageRegion2D': coordinatesInGroupsOf(2, '(x,y) pairs'),
  'ImagingSelection.instance.imageRegion3D': coordinatesInGroupsOf(3, '(x,y,z) triplets'),
};
