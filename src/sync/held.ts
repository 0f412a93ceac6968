import { ReplaySubject, type Observable } from 'rxjs';

/** The last value of a source, kept while the replication lives. */
export interface Held<T> {
  /** The last value, synchronously on subscribe once the source gave one, then every new one. */
  readonly value$: Observable<T>;
  /** Stops following the source (the replication ended); subscribers are completed. */
  release(): void;
}

/**
 * Follows `source` from now on and keeps its last value, so a subscriber gets the current value at once
 * instead of waiting for a fresh read: a live query (`liveRead`) runs once for every subscriber, and its
 * first result comes only after a round trip to IndexedDB.
 */
export function holdLatest<T>(source: Observable<T>): Held<T> {
  const latest = new ReplaySubject<T>(1);
  const subscription = source.subscribe(latest);
  return {
    value$: latest.asObservable(),
    release: () => {
      subscription.unsubscribe();
      latest.complete();
    },
  };
}
