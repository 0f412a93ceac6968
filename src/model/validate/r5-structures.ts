import type { CompiledStructure } from './compiled-structure.js';

/*
 * The element tables of every R5 resource type, loaded on demand: the generated table (r5-structure-table.ts) is
 * too big for the core bundle's budget (docs/bundle-size.md). Validation stays synchronous, so every caller that
 * may validate a resource other than ImagingSelection awaits {@link loadR5Structures} first, with the XHTML parser
 * (`loadValidation` in load.ts): `handle` before any write or Bundle, replication before a cycle.
 */

let loaded: ReadonlyMap<string, CompiledStructure> | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads and compiles the R5 structures once; later calls return the same promise. A failed load (a browser that
 * went offline before fetching the chunk) is not kept: the next call tries again.
 * @see https://hl7.org/fhir/R5/validation.html
 */
export function loadR5Structures(): Promise<void> {
  loading ??= import('./r5-structures-compiled.js').then(
    (m) => {
      loaded = m.R5_STRUCTURES;
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
