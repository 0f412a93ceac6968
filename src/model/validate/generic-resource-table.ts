import type { StructureTable } from './element-table.js';

/**
 * The elements every R5 resource shares (Resource and DomainResource), used to check resources of
 * other types: these are validated by type, everything else only by JSON shape.
 * @see https://hl7.org/fhir/R5/resource.html
 * @see https://hl7.org/fhir/R5/domainresource.html
 */
export const GENERIC_RESOURCE_TABLE = {
  'Resource.id': { min: 0, max: '1', types: ['id'] },
  'Resource.meta': { min: 0, max: '1', types: ['Meta'] },
  'Resource.implicitRules': { min: 0, max: '1', types: ['uri'] },
  'Resource.language': {
    min: 0, max: '1', types: ['code'],
    binding: { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/all-languages' },
  },
  'Resource.text': { min: 0, max: '1', types: ['Narrative'] },
  'Resource.contained': { min: 0, max: '*', types: ['Resource'] },
  'Resource.extension': { min: 0, max: '*', types: ['Extension'] },
  'Resource.modifierExtension': { min: 0, max: '*', types: ['Extension'] },
} as const satisfies StructureTable;
