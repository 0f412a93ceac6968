/**
 * Terminology for the token search modifiers: value set expansion for `:in`/`:not-in`, code system
 * subsumption for `:below`/`:above`.
 * @see https://hl7.org/fhir/R5/search.html#modifiers
 * @see https://hl7.org/fhir/R5/valueset.html#compositions
 * @see https://hl7.org/fhir/R5/codesystem.html
 * @module
 */
export type { Concept } from './concept.js';
export { TerminologyRegistry } from './registry.js';
export { defaultTerminology } from './default.js';
