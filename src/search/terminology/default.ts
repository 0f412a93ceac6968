/**
 * The registry preloaded with the definitions shipped with the store.
 * @module
 */
import { PRELOADED_DEFINITIONS } from './preloaded.js';
import { TerminologyRegistry } from './registry.js';

/**
 * A new registry holding the shipped ImagingSelection CodeSystems and ValueSets (status, 2D and 3D
 * graphic type). Each call returns a fresh registry, so registering into one never affects another.
 * @see https://hl7.org/fhir/R5/imagingselection.html#terminology
 * @see https://hl7.org/fhir/R5/search.html#modifiers
 */
export function defaultTerminology(): TerminologyRegistry {
  const registry = new TerminologyRegistry();
  for (const definition of Object.values(PRELOADED_DEFINITIONS)) registry.register(definition);
  return registry;
}
