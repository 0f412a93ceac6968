import type { IndexedDbDeps } from './schema.js';

/**
 * The browser build's stand-in for `indexeddb-fallback.ts`: a browser has IndexedDB, and where it has none
 * (a sandboxed frame, a privacy mode that disables it) there is no in-memory fallback to offer.
 */
export async function loadInMemoryIndexedDb(): Promise<IndexedDbDeps | undefined> {
  return undefined;
}
