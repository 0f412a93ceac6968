import type { IndexedDbDeps } from './schema.js';
import { loadInMemoryIndexedDb } from './indexeddb-fallback.js';

/**
 * What a store needs of its storage: `'required'` refuses to open on memory-only storage; `'optional'` accepts
 * it quietly (tests, demos, a throwaway cache, a server over memory); unset falls back to memory with one warning.
 */
export type PersistenceMode = 'required' | 'optional';

/** Where a store's IndexedDB came from. Only `in-memory` loses its data when the process ends. */
type IndexedDbSource = 'injected' | 'platform' | 'in-memory';

/** A store opened on storage it cannot use: memory-only storage under `persistence: 'required'`, or none at all. */
export class PersistenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PersistenceError';
  }
}

const HOW_TO_PERSIST =
  'Pass a persistent implementation with openStore({ indexedDB, IDBKeyRange }) (in Electron, open the store in a ' +
  'renderer, whose IndexedDB is on disk), or openStore({ persistence: \'optional\' }) if memory-only storage is what you want.';

let warned = false;

/**
 * Picks the IndexedDB of a store: the one passed in, else the platform's (`globalThis.indexedDB`), else an
 * in-memory one (Node), which warns once per process since a restart loses every unsent change.
 */
export async function resolveIndexedDb(options: {
  indexedDB?: IDBFactory;
  IDBKeyRange?: typeof IDBKeyRange;
  persistence?: PersistenceMode;
}): Promise<IndexedDbDeps & { source: IndexedDbSource }> {
  const { persistence } = options;
  if (persistence !== undefined && persistence !== 'required' && persistence !== 'optional') {
    throw new TypeError(`openStore: persistence must be 'required' or 'optional'; got ${JSON.stringify(persistence)}`);
  }
  if (options.indexedDB && options.IDBKeyRange) return { indexedDB: options.indexedDB, IDBKeyRange: options.IDBKeyRange, source: 'injected' };
  if (options.indexedDB || options.IDBKeyRange) throw new TypeError('openStore: pass indexedDB and IDBKeyRange together');
  const g = globalThis as { indexedDB?: IDBFactory; IDBKeyRange?: typeof IDBKeyRange };
  if (g.indexedDB && g.IDBKeyRange) return { indexedDB: g.indexedDB, IDBKeyRange: g.IDBKeyRange, source: 'platform' };
  if (persistence === 'required') {
    throw new PersistenceError(`openStore: persistence 'required', but this environment has no IndexedDB. ${HOW_TO_PERSIST}`);
  }
  const memory = await loadInMemoryIndexedDb();
  if (!memory) throw new PersistenceError('openStore: this environment has no IndexedDB; pass one with openStore({ indexedDB, IDBKeyRange })');
  if (persistence === undefined && !warned) {
    warned = true;
    console.warn(
      'fhir-offline-store: no IndexedDB in this environment, so the store keeps its data in memory (fake-indexeddb): ' +
        `everything, the unsent outbox included, is lost when the process exits. ${HOW_TO_PERSIST}`,
    );
  }
  return { ...memory, source: 'in-memory' };
}
