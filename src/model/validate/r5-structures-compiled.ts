import { R5_RESOURCE_TYPES } from '../resource-types.js';
import type { CompiledStructure } from './compiled-structure.js';
import { compileStructures } from './compile.js';
import { decodeR5Structures, type ValueSetExpansion } from './r5-structure-decode.js';
import { STRUCTURES, TYPES, VALUE_SETS } from './r5-structure-table.js';
import { REQUIRED_VALUE_SETS, type ValueSetMembership } from './required-bindings.js';
import { STRUCTURE_RULES } from './rules.js';

/*
 * The compiled form of every R5 resource and datatype, built when this module loads. It is reached only through a
 * dynamic import (r5-structures.ts): the table is about 190 KB raw, 42 KB gzip, and stays out of the CRUD bundle.
 */

/** Codes listed in a refusal before the rest is summarised. */
const LISTED_CODES = 12;

/** A membership test over a value set expansion: a `code` by its code alone, a Coding by system and code. */
function expandedMembership(expansion: ValueSetExpansion): ValueSetMembership {
  const codes = new Set<string>();
  for (const systemCodes of expansion.values()) for (const code of systemCodes) codes.add(code);
  const listed = [...codes].slice(0, LISTED_CODES).join(' | ');
  return {
    contains: (code) => codes.has(code),
    containsCoding: (system, code) => expansion.get(system)?.has(code) === true,
    expected: codes.size > LISTED_CODES ? `one of ${listed} … (${codes.size} codes)` : `one of ${listed}`,
  };
}

const decoded = decodeR5Structures(TYPES, STRUCTURES, VALUE_SETS);
const valueSets = new Map<string, ValueSetMembership>();
const unchecked = new Set<string>();
for (const [url, expansion] of decoded.valueSets) {
  // Expanded from the package where it can be; else by the grammar of its codes (languages, MIME types, currencies).
  const membership = expansion ? expandedMembership(expansion) : REQUIRED_VALUE_SETS.get(url);
  if (membership) valueSets.set(url, membership);
  else unchecked.add(url);
}

/**
 * Every R5 resource, datatype and backbone element, compiled from the generated table (hl7.fhir.r5.core 5.0.0).
 * @see https://hl7.org/fhir/R5/resourcelist.html
 * @see https://hl7.org/fhir/R5/datatypes.html
 */
export const R5_STRUCTURES: ReadonlyMap<string, CompiledStructure> = compileStructures({
  tables: decoded.tables,
  rules: STRUCTURE_RULES,
  resources: Object.keys(decoded.tables).filter((name) => R5_RESOURCE_TYPES.has(name)),
  valueSets,
  unchecked,
});

/**
 * The required-bound value sets that are not checked: neither expandable from the package (external code systems
 * such as UCUM, ISO 3166, IANA time zones, terminology.hl7.org) nor checked by a grammar.
 * @see https://hl7.org/fhir/R5/terminologies.html#required
 */
export const R5_UNCHECKED_VALUE_SETS: ReadonlySet<string> = unchecked;
