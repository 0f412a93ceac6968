/**
 * Result shaping for search and read: `_summary` and `_elements`, applied to each returned resource on
 * the client. Pure functions; inputs are never changed.
 * @see https://hl7.org/fhir/R5/search.html#summary
 * @see https://hl7.org/fhir/R5/search.html#elements
 */
export { summarize, type SummaryMode } from './summarize.js';
export { selectElements } from './select-elements.js';
export { isKnownElement } from '../../model/element-names.js';
