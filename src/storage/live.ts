import { liveQuery } from 'dexie';
import { from, type Observable } from 'rxjs';

/**
 * Re-runs `read` whenever a committed write (in this tab or another tab of the same origin) touches what it
 * read, and emits each result: Dexie's liveQuery, as an rxjs Observable. `read` must await nothing but
 * IndexedDB, so Dexie can see which ranges it read.
 * @see https://dexie.org/docs/liveQuery()
 */
export function liveRead<T>(read: () => Promise<T>): Observable<T> {
  return from(liveQuery(read));
}
