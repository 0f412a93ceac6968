import type { IndexedDbDeps } from './schema.js';

/**
 * The IndexedDB used where the platform has none (Node): fake-indexeddb, which keeps every database in this
 * process's memory only. The browser build replaces this module with `indexeddb-fallback.browser.ts`, so a
 * browser bundle never contains fake-indexeddb.
 */
export async function loadInMemoryIndexedDb(): Promise<IndexedDbDeps | undefined> {
  const fake = await import('fake-indexeddb');
  return { indexedDB: fake.indexedDB, IDBKeyRange: fake.IDBKeyRange };
}
