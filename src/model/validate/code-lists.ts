/*
 * Codes of the R5 value sets bound with strength `required` to elements this validator knows.
 * They are constants because the validator runs in browsers, where the CodeSystem JSON is not at hand;
 * tests prove the ImagingSelection lists equal the published CodeSystems, and the datatype lists equal
 * the code unions of `fhir/r5`.
 */

/** `ImagingSelection.status`. @see https://hl7.org/fhir/R5/valueset-imagingselection-status.html */
export const IMAGING_SELECTION_STATUS_CODES = ['available', 'entered-in-error', 'unknown'] as const;

/** `ImagingSelection.instance.imageRegion2D.regionType`. @see https://hl7.org/fhir/R5/valueset-imagingselection-2dgraphictype.html */
export const IMAGING_SELECTION_2D_GRAPHIC_TYPE_CODES = ['point', 'polyline', 'interpolated', 'circle', 'ellipse'] as const;

/** `ImagingSelection.instance.imageRegion3D.regionType`. @see https://hl7.org/fhir/R5/valueset-imagingselection-3dgraphictype.html */
export const IMAGING_SELECTION_3D_GRAPHIC_TYPE_CODES = [
  'point', 'multipoint', 'polyline', 'polygon', 'ellipse', 'ellipsoid',
] as const;

/** `Narrative.status`. @see https://hl7.org/fhir/R5/valueset-narrative-status.html */
export const NARRATIVE_STATUS_CODES = ['generated', 'extensions', 'additional', 'empty'] as const;

/** `Identifier.use`. @see https://hl7.org/fhir/R5/valueset-identifier-use.html */
export const IDENTIFIER_USE_CODES = ['usual', 'official', 'temp', 'secondary', 'old'] as const;

/** `Quantity.comparator`. @see https://hl7.org/fhir/R5/valueset-quantity-comparator.html */
export const QUANTITY_COMPARATOR_CODES = ['<', '<=', '>=', '>', 'ad'] as const;

/** `HumanName.use`. @see https://hl7.org/fhir/R5/valueset-name-use.html */
export const NAME_USE_CODES = ['usual', 'official', 'temp', 'nickname', 'anonymous', 'old', 'maiden'] as const;

/** `ContactPoint.system`. @see https://hl7.org/fhir/R5/valueset-contact-point-system.html */
export const CONTACT_POINT_SYSTEM_CODES = ['phone', 'fax', 'email', 'pager', 'url', 'sms', 'other'] as const;

/** `ContactPoint.use`. @see https://hl7.org/fhir/R5/valueset-contact-point-use.html */
export const CONTACT_POINT_USE_CODES = ['home', 'work', 'temp', 'old', 'mobile'] as const;

/** `Address.use`. @see https://hl7.org/fhir/R5/valueset-address-use.html */
export const ADDRESS_USE_CODES = ['home', 'work', 'temp', 'old', 'billing'] as const;

/** `Address.type`. @see https://hl7.org/fhir/R5/valueset-address-type.html */
export const ADDRESS_TYPE_CODES = ['postal', 'physical', 'both'] as const;
