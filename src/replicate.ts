/**
 * `replicate(store, options)`: replication as a function of its own, so an app that never imports it does not
 * bundle the sync code. Its own module (not store.ts) so that only the package's main entry reaches src/sync/
 * statically: `store.replicate` and the Node server load it on demand. The browser build makes this module an
 * entry of its own (dist/browser/replicate.js, see tsup.config.ts) so that bundlers which assign whole files to
 * chunks (esbuild) can leave it and the sync code out of an app that does not import it.
 */
import { syncContextOf, type Store } from './store.js';
import type { ReplicationOptions } from './sync/options.js';
import type { Replication } from './sync/replication-api.js';
import { ReplicationEngine } from './sync/replication.js';

/**
 * Replicates `store` with a remote FHIR R5 server, as `store.replicate(options)` does, with the sync code
 * imported statically: import this function and the bundler includes replication; an app that does not import
 * it leaves it out (`store.replicate` loads it on first call instead). See docs/sync.md.
 * @example
 * ```ts
 * const rep = replicate(store, { baseUrl: 'https://fhir.example.org/r5' });
 * await rep.syncOnce();
 * ```
 * @throws TypeError when `store` was not opened by `openStore`.
 * @see https://hl7.org/fhir/R5/http.html#history
 */
export function replicate(store: Store, options: ReplicationOptions): Replication {
  return new ReplicationEngine(syncContextOf(store), options, store.changes$);
}
