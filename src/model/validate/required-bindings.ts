import {
  ADDRESS_TYPE_CODES,
  ADDRESS_USE_CODES,
  CONTACT_POINT_SYSTEM_CODES,
  CONTACT_POINT_USE_CODES,
  IDENTIFIER_USE_CODES,
  IMAGING_SELECTION_2D_GRAPHIC_TYPE_CODES,
  IMAGING_SELECTION_3D_GRAPHIC_TYPE_CODES,
  IMAGING_SELECTION_STATUS_CODES,
  NAME_USE_CODES,
  NARRATIVE_STATUS_CODES,
  QUANTITY_COMPARATOR_CODES,
} from './code-lists.js';
import { isBcp47LanguageTag, isCurrencyCode, isMimeType } from './code-grammars.js';
import type { IssueCollector } from './issues.js';

/**
 * Decides whether a code belongs to a value set, and says what the value set holds when it does not.
 * @see https://hl7.org/fhir/R5/valueset.html
 */
export interface ValueSetMembership {
  readonly contains: (code: string) => boolean;
  /**
   * Checks a Coding or CodeableConcept bound to the value set (`type` is the element's type), reporting at `path`;
   * absent where only codes are known, then such an element is not checked.
   */
  readonly checkCoded?: (type: string, value: Record<string, unknown>, path: string, issues: IssueCollector, valueSet: string) => void;
  readonly expected: string;
}

const enumerated = (codes: readonly string[]): ValueSetMembership => {
  const set = new Set(codes);
  return { contains: (code) => set.has(code), expected: `one of ${codes.join(' | ')}` };
};

/**
 * Membership tests of every value set a table binds with strength `required`, keyed by canonical URL
 * (no version). Compiling a table with a required binding missing here fails at module load, so no
 * required binding goes unchecked by oversight.
 * @see https://hl7.org/fhir/R5/terminologies.html#required
 */
export const REQUIRED_VALUE_SETS: ReadonlyMap<string, ValueSetMembership> = new Map([
  ['http://hl7.org/fhir/ValueSet/imagingselection-status', enumerated(IMAGING_SELECTION_STATUS_CODES)],
  ['http://hl7.org/fhir/ValueSet/imagingselection-2dgraphictype', enumerated(IMAGING_SELECTION_2D_GRAPHIC_TYPE_CODES)],
  ['http://hl7.org/fhir/ValueSet/imagingselection-3dgraphictype', enumerated(IMAGING_SELECTION_3D_GRAPHIC_TYPE_CODES)],
  ['http://hl7.org/fhir/ValueSet/narrative-status', enumerated(NARRATIVE_STATUS_CODES)],
  ['http://hl7.org/fhir/ValueSet/identifier-use', enumerated(IDENTIFIER_USE_CODES)],
  ['http://hl7.org/fhir/ValueSet/quantity-comparator', enumerated(QUANTITY_COMPARATOR_CODES)],
  ['http://hl7.org/fhir/ValueSet/name-use', enumerated(NAME_USE_CODES)],
  ['http://hl7.org/fhir/ValueSet/contact-point-system', enumerated(CONTACT_POINT_SYSTEM_CODES)],
  ['http://hl7.org/fhir/ValueSet/contact-point-use', enumerated(CONTACT_POINT_USE_CODES)],
  ['http://hl7.org/fhir/ValueSet/address-use', enumerated(ADDRESS_USE_CODES)],
  ['http://hl7.org/fhir/ValueSet/address-type', enumerated(ADDRESS_TYPE_CODES)],
  ['http://hl7.org/fhir/ValueSet/all-languages', { contains: isBcp47LanguageTag, expected: 'a BCP-47 language tag' }],
  ['http://hl7.org/fhir/ValueSet/mimetypes', { contains: isMimeType, expected: 'a MIME type (BCP 13)' }],
  ['http://hl7.org/fhir/ValueSet/currencies', { contains: isCurrencyCode, expected: 'an ISO 4217 currency code' }],
]);
