import type { R5_RESOURCE_TYPES } from '../resource-types.js';
import type { CompiledStructure } from './compiled-structure.js';
import type { compileStructures } from './compile.js';
import { decodeR5Structures, type ValueSetExpansion } from './r5-structure-decode.js';
import { STRUCTURES, TYPES, VALUE_SETS } from './r5-structure-table.js';
import type { isMimeType } from './code-grammars.js';
import { codedBindingCheck, type JsonShape } from './coded-binding.js';
import type { REQUIRED_VALUE_SETS, ValueSetMembership } from './required-bindings.js';
import type { STRUCTURE_RULES } from './rules.js';

/*
 * The compiled form of every R5 resource and datatype. It is reached only through a dynamic import
 * (r5-structures.ts): the table is about 190 KB raw, 42 KB gzip, and stays out of the CRUD bundle. What it needs
 * of the core's modules is passed in ({@link R5Core}), not imported: a lazy chunk that imports modules of the
 * initial download splits them into chunks of their own in apps built with esbuild, which costs gzip
 * (docs/bundle-size.md).
 */

/** The core's modules the compile uses, passed in by r5-structures.ts. */
export interface R5Core extends JsonShape {
  R5_RESOURCE_TYPES: typeof R5_RESOURCE_TYPES;
  compileStructures: typeof compileStructures;
  isMimeType: typeof isMimeType;
  REQUIRED_VALUE_SETS: typeof REQUIRED_VALUE_SETS;
  STRUCTURE_RULES: typeof STRUCTURE_RULES;
}

/** What {@link compileR5Structures} makes. */
export interface R5Compiled {
  /** Every R5 resource, datatype and backbone element, compiled from the generated table. */
  structures: ReadonlyMap<string, CompiledStructure>;
  /** The required-bound value sets that are not checked (external code systems, no grammar). */
  unchecked: ReadonlySet<string>;
}

/** Codes listed in a refusal before the rest is summarised. */
const LISTED_CODES = 12;

/** A membership test over a value set expansion: a `code` by its code alone, a Coding by system and code. */
function expandedMembership(core: R5Core, expansion: ValueSetExpansion): ValueSetMembership {
  const codes = new Set<string>();
  for (const systemCodes of expansion.values()) for (const code of systemCodes) codes.add(code);
  const listed = [...codes].slice(0, LISTED_CODES).join(' | ');
  const expected = codes.size > LISTED_CODES ? `one of ${listed} … (${codes.size} codes)` : `one of ${listed}`;
  return {
    contains: (code) => codes.has(code),
    checkCoded: codedBindingCheck(core, (system, code) => expansion.get(system)?.has(code) === true, expected),
    expected,
  };
}

/**
 * The code systems of the value sets checked by the grammar of their codes: a Coding bound to one is checked by its
 * system and that grammar.
 * @see https://hl7.org/fhir/R5/valueset-all-languages.html
 * @see https://hl7.org/fhir/R5/valueset-mimetypes.html
 * @see https://hl7.org/fhir/R5/valueset-currencies.html
 */
const GRAMMAR_SYSTEMS: Readonly<Record<string, string>> = {
  'http://hl7.org/fhir/ValueSet/all-languages': 'urn:ietf:bcp:47',
  'http://hl7.org/fhir/ValueSet/mimetypes': 'urn:ietf:bcp:13',
  'http://hl7.org/fhir/ValueSet/currencies': 'urn:iso:std:iso:4217',
};

/** A grammar membership that also checks a Coding: its system is the value set's, its code has the grammar. */
function grammarMembership(core: R5Core, url: string): ValueSetMembership | undefined {
  const grammar = core.REQUIRED_VALUE_SETS.get(url);
  const system = Object.hasOwn(GRAMMAR_SYSTEMS, url) ? GRAMMAR_SYSTEMS[url] : undefined;
  if (!grammar || system === undefined) return undefined;
  const codingExpected = `${grammar.expected} (system ${system})`;
  return { ...grammar, checkCoded: codedBindingCheck(core, (s, code) => s === system && grammar.contains(code), codingExpected) };
}

/** The shorthand formats CapabilityStatement.format allows besides MIME types. */
const FORMAT_SHORTHANDS = new Set(['xml', 'json', 'ttl']);

/**
 * Elements whose definition widens their required value set: CapabilityStatement.format takes `xml`, `json` and
 * `ttl` as well as MIME types ("'xml', 'json' and 'ttl' are allowed, which describe the simple encodings described in
 * the specification").
 * @see https://hl7.org/fhir/R5/capabilitystatement-definitions.html#CapabilityStatement.format
 */
const bindingOverrides = (core: R5Core): Readonly<Record<string, ValueSetMembership>> => ({
  'CapabilityStatement.format': {
    contains: (code) => FORMAT_SHORTHANDS.has(code) || core.isMimeType(code),
    expected: 'xml, json, ttl or a MIME type (BCP 13)',
  },
});

/**
 * Compiles every R5 resource, datatype and backbone element from the generated table (hl7.fhir.r5.core 5.0.0), and
 * lists the required-bound value sets that are not checked: neither expandable from the package (external code
 * systems such as UCUM, ISO 3166, IANA time zones, terminology.hl7.org) nor checked by a grammar.
 * @see https://hl7.org/fhir/R5/resourcelist.html
 * @see https://hl7.org/fhir/R5/terminologies.html#required
 */
export function compileR5Structures(core: R5Core): R5Compiled {
  const decoded = decodeR5Structures(TYPES, STRUCTURES, VALUE_SETS);
  const valueSets = new Map<string, ValueSetMembership>();
  const unchecked = new Set<string>();
  for (const [url, expansion] of decoded.valueSets) {
    // Expanded from the package where it can be; else by the grammar of its codes (languages, MIME types, currencies).
    const membership = expansion ? expandedMembership(core, expansion) : grammarMembership(core, url);
    if (membership) valueSets.set(url, membership);
    else unchecked.add(url);
  }
  const structures = core.compileStructures({
    tables: decoded.tables,
    rules: core.STRUCTURE_RULES,
    resources: Object.keys(decoded.tables).filter((name) => core.R5_RESOURCE_TYPES.has(name)),
    valueSets,
    unchecked,
    bindingOverrides: bindingOverrides(core),
  });
  return { structures, unchecked };
}
