/**
 * The fhirpath.js engine and its R5 model, loaded on demand. Most of the store never needs them: built-in
 * search parameters compile to property walkers over the compact model table (`r5-model.ts`), so only a
 * FHIRPath Patch and a registered SearchParameter the walker cannot handle load the engine (about 1.3 MB
 * minified with its model). Loading is asynchronous (a dynamic `import()`), so callers await
 * {@link loadFhirPath} before they need the engine, and always outside a Dexie transaction: IndexedDB
 * commits a transaction at the first await on anything else (docs/architecture.md, "Write path").
 * @see https://hl7.org/fhir/R5/fhirpath.html
 * @packageDocumentation
 */
import type fhirpathType from 'fhirpath';
import type { Model } from 'fhirpath';

/** The loaded engine and the R5 model it evaluates against. */
interface FhirPathEngine {
  readonly fhirpath: typeof fhirpathType;
  readonly model: Model;
}

let loaded: FhirPathEngine | undefined;
let loading: Promise<FhirPathEngine> | undefined;

/** Loads fhirpath.js and its R5 model once; later calls return the same engine. */
export function loadFhirPath(): Promise<FhirPathEngine> {
  loading ??= Promise.all([import('fhirpath'), import('fhirpath/fhir-context/r5')]).then(([engine, r5]) => {
    // CommonJS modules: the namespace's default export is module.exports.
    loaded = { fhirpath: engine.default, model: r5.default };
    return loaded;
  });
  return loading;
}

/** The engine when {@link loadFhirPath} has completed, else undefined. */
export function fhirPathIfLoaded(): FhirPathEngine | undefined {
  return loaded;
}

/**
 * The loaded engine, for synchronous code that runs after its caller awaited {@link loadFhirPath}.
 * @throws Error when the engine has not been loaded: a caller skipped the load (a bug, not a user error).
 */
export function loadedFhirPath(): FhirPathEngine {
  if (loaded === undefined) throw new Error('fhirpath.js is not loaded: await loadFhirPath() first');
  return loaded;
}
