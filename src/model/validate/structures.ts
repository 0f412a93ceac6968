import type { CompiledStructure } from './compiled-structure.js';
import { compileStructures } from './compile.js';
import { DATATYPE_ALIASES, DATATYPE_TABLES } from './datatype-tables.js';
import { GENERIC_RESOURCE_TABLE } from './generic-resource-table.js';
import { IMAGING_SELECTION_TABLE } from './imagingselection-table.js';
import { STRUCTURE_RULES } from './rules.js';

/** Every compiled structure, built once when the module loads. */
const STRUCTURES = compileStructures({
  tables: { ...DATATYPE_TABLES, ImagingSelection: IMAGING_SELECTION_TABLE, Resource: GENERIC_RESOURCE_TABLE },
  aliases: DATATYPE_ALIASES,
  rules: STRUCTURE_RULES,
  resources: ['ImagingSelection', 'Resource'],
  open: ['Resource'],
});

const structure = (name: string): CompiledStructure => {
  const found = STRUCTURES.get(name);
  if (!found) throw new Error(`No compiled structure ${name}`);
  return found;
};

/** ImagingSelection, validated element by element. @see https://hl7.org/fhir/R5/imagingselection.html */
export const IMAGING_SELECTION_STRUCTURE = structure('ImagingSelection');

/**
 * Any other resource: the shared Resource/DomainResource elements by type, the rest by shape.
 * @see https://hl7.org/fhir/R5/resource.html
 */
export const GENERIC_RESOURCE_STRUCTURE = structure('Resource');

/**
 * Looks up a compiled structure (datatype, alias or backbone path) by name; undefined if none.
 * @see https://hl7.org/fhir/R5/datatypes.html
 */
export const compiledStructure = (name: string): CompiledStructure | undefined => STRUCTURES.get(name);
