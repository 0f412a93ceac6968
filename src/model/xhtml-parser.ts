/**
 * The XML parser that checks narratives (`Narrative.div`, type `xhtml`), loaded on demand: saxes, a strict,
 * non-validating XML 1.0 parser (about 8 KB gzip), which would not fit the core bundle's budget
 * (docs/bundle-size.md). Validation itself stays synchronous, so every caller that may validate a resource with a
 * narrative awaits {@link loadXhtmlParser} first: `handle` before any write or Bundle (`rest/handle.ts`), and
 * replication before a cycle or a conflict resolution (`SyncContext.ready`). Like `loadFhirPath`, await it
 * outside a Dexie transaction: IndexedDB commits a transaction at the first await on anything else.
 * @see https://hl7.org/fhir/R5/narrative.html#xhtml
 * @packageDocumentation
 */
import type { SaxesParser } from 'saxes';

/** The parser class, as the loaded module exports it. */
export type XhtmlParserClass = typeof SaxesParser;

let loaded: XhtmlParserClass | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads the XML parser once; later calls return the same promise. A failed load (a browser that went offline
 * before fetching the chunk) is not kept: the next call tries again.
 */
export function loadXhtmlParser(): Promise<void> {
  loading ??= import('saxes').then(
    (m) => {
      loaded = m.SaxesParser;
    },
    (e: unknown) => {
      loading = undefined;
      throw e;
    },
  );
  return loading;
}

/**
 * The parser class, for synchronous validation that runs after its caller awaited {@link loadXhtmlParser}.
 * @throws Error when the parser has not been loaded: a caller skipped the load (a bug of the store, not of the
 * input). Validation never falls back to accepting a narrative it could not check.
 */
export function loadedXhtmlParser(): XhtmlParserClass {
  if (loaded === undefined) throw new Error('The XHTML parser is not loaded: await loadXhtmlParser() before validating a narrative');
  return loaded;
}
