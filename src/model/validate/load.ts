import { loadXhtmlParser } from '../xhtml-parser.js';
import { loadR5Structures } from './r5-structures.js';

/**
 * Loads what validation needs beyond the core bundle: the XML parser for narratives and the element tables of
 * every R5 resource type other than ImagingSelection. Await it before validating, outside a Dexie transaction
 * (IndexedDB commits a transaction at the first await on anything else); later calls return at once.
 * @see https://hl7.org/fhir/R5/validation.html
 */
export function loadValidation(): Promise<void> {
  return Promise.all([loadXhtmlParser(), loadR5Structures()]).then(() => undefined);
}
