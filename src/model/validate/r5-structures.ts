import { R5_RESOURCE_TYPES } from '../resource-types.js';
import { isMimeType } from './code-grammars.js';
import type { CompiledStructure } from './compiled-structure.js';
import { compileStructures } from './compile.js';
import { isJsonObject, ownValue } from './json-shape.js';
import type { R5Core } from './r5-structures-compiled.js';
import { REQUIRED_VALUE_SETS } from './required-bindings.js';
import { STRUCTURE_RULES } from './rules.js';

/*
 * The element tables of every R5 resource type, loaded on demand: the generated table (r5-structure-table.ts) is
 * too big for the core bundle's budget (docs/bundle-size.md). Validation stays synchronous, so every caller that
 * may validate a resource other than ImagingSelection awaits {@link loadR5Structures} first, with the XHTML parser
 * (`loadValidation` in load.ts): `handle` before any write or Bundle, replication before a cycle.
 */

let loaded: ReadonlyMap<string, CompiledStructure> | undefined;

/**
 * What the lazy chunk uses of the core, handed to it rather than imported by it (see r5-structures-compiled.ts).
 * @see https://hl7.org/fhir/R5/validation.html
 */
export const R5_CORE: R5Core = { R5_RESOURCE_TYPES, compileStructures, isMimeType, REQUIRED_VALUE_SETS, STRUCTURE_RULES, isJsonObject, ownValue };
let loading: Promise<void> | undefined;

/**
 * Loads and compiles the R5 structures once; later calls return the same promise. A failed load (a browser that
 * went offline before fetching the chunk) is not kept: the next call tries again.
 * @see https://hl7.org/fhir/R5/validation.html
 */
export function loadR5Structures(): Promise<void> {
  loading ??= import('./r5-structures-compiled.js').then(
    (m) => {
      loaded = m.compileR5Structures(R5_CORE).structures;
    },
    (e: unknown) => {
      loading = undefined;
      throw e;
    },
  );
  return loading;
}

/**
 * The compiled structure of an R5 resource type, or undefined for a name the table does not hold.
 * @throws Error when the structures have not been loaded: a caller skipped the load (a bug of the store, not of
 * the input). Validation never falls back to accepting a resource it could not check.
 * @see https://hl7.org/fhir/R5/resourcelist.html
 */
export function loadedR5Structure(resourceType: string): CompiledStructure | undefined {
  if (loaded === undefined) throw new Error('The R5 structure tables are not loaded: await loadValidation() before validating');
  return loaded.get(resourceType);
}
