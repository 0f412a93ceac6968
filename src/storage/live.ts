import { liveQuery } from 'dexie';
import { from, type Observable } from 'rxjs';

/**
 * Re-runs `read` whenever a committed write (in this tab or another tab of the same origin) touches what it
 * read, and emits each result: Dexie's liveQuery, as an rxjs Observable. `read` must await nothing but
 * IndexedDB, so Dexie can see which ranges it read.
 * @see https://dexie.org/docs/liveQuery()
 */
export function liveRead<T>(read: () => Promise<T>): Observable<T> {
  // Dexie keeps a live query's context across awaits only when the query function itself is `async`; a plain
  // function returning a promise confuses its tracking with other live queries of the database.
  return from(liveQuery(async () => read()));
}
