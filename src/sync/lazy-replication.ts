import { defer, switchMap, type Observable } from 'rxjs';
import type { Replication, ReplicationState } from './replication-api.js';

/**
 * A {@link Replication} whose implementation is loaded on demand (`store.replicate` passes a dynamic
 * `import()` of the sync layer), so an app that never replicates does not load that code. It behaves as the
 * implementation: calls made before the load completes run, in order, once it has; streams subscribe to the
 * implementation's (`defer`), so a subscriber sees the same values; `state` is `idle` until the load ends.
 * A failed load rejects the calls and errors the streams.
 */
export function lazyReplication(load: () => Promise<Replication>): Replication {
  let current: Replication | undefined;
  const ready = load().then((r) => (current = r));
  // A load failure surfaces through the calls and streams; unobserved, it must not be an unhandled rejection.
  ready.catch(() => undefined);
  /** Runs `f` on the implementation: at once when loaded, else after the calls queued before it. */
  const later = <T>(f: (r: Replication) => Promise<T>): Promise<T> => (current ? f(current) : ready.then(f));
  const now = (f: (r: Replication) => void): void => {
    if (current) f(current);
    else ready.then(f).catch(() => undefined);
  };
  const stream = <T>(pick: (r: Replication) => Observable<T>): Observable<T> =>
    defer(() => (current ? pick(current) : defer(() => ready).pipe(switchMap(pick))));
  return {
    state$: stream((r) => r.state$),
    get state(): ReplicationState {
      return current?.state ?? 'idle';
    },
    progress$: stream((r) => r.progress$),
    errors$: stream((r) => r.errors$),
    serverPush$: stream((r) => r.serverPush$),
    pending$: stream((r) => r.pending$),
    conflicts$: stream((r) => r.conflicts$),
    deadLetters$: stream((r) => r.deadLetters$),
    lastSync$: stream((r) => r.lastSync$),
    syncOnce: () => later((r) => r.syncOnce()),
    resolve: (conflict, resource) => later((r) => r.resolve(conflict, resource)),
    retry: (letter) => later((r) => r.retry(letter)),
    expire: () => later((r) => r.expire()),
    start: () => now((r) => r.start()),
    stop: () => now((r) => r.stop()),
  };
}
