import Dexie, { liveQuery, type ObservabilitySet } from 'dexie';
import { concat, defer, distinctUntilChanged, filter, from, Observable, of, Subject, switchMap, take, throwError } from 'rxjs';

/**
 * Re-runs `read` whenever a committed write (in this tab or another tab of the same origin) touches what it
 * read, and emits each result: Dexie's liveQuery, as an rxjs Observable. `read` must await nothing but
 * IndexedDB, so Dexie can see which ranges it read.
 *
 * Dexie's liveQuery runs only where a global IndexedDB exists (`Dexie.dependencies`), and this store never
 * sets Dexie's globals for the app. Where there is none (Node, with an injected or in-memory IndexedDB), the
 * read re-runs after every committed write to `databaseName` (any database when not given), coarser but never
 * stale: the same writes in this process fire Dexie's `storagemutated` event. Either way a result equal to
 * the one before (by `same`, structural by default) is not emitted again.
 * @see https://dexie.org/docs/liveQuery()
 */
export function liveRead<T>(read: () => Promise<T>, options: { databaseName?: string; same?: (a: T, b: T) => boolean } = {}): Observable<T> {
  const { databaseName, same = sameJson } = options;
  // Dexie keeps a live query's context across awaits only when the query function itself is `async`; a plain
  // function returning a promise confuses its tracking with other live queries of the database.
  const results = Dexie.dependencies.indexedDB
    ? from(liveQuery(async () => read()))
    : rerunOnCommit(read, databaseName === undefined ? 'idb://' : `idb://${databaseName}/`);
  // A re-run after a write that touched the same table but not this result is no news.
  return results.pipe(distinctUntilChanged(same));
}

/** Structural equality of two results (plain data read from IndexedDB). */
const sameJson = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b);

/**
 * One read at a time: the returned `run()` starts `read`, or, while a read runs, asks for one more after it
 * (however many runs were asked meanwhile). Each result goes to `next`, a failure to `error`; nothing more
 * runs or is passed on once `closed()`.
 */
function serialReads<T>(read: () => Promise<T>, next: (value: T) => void, error: (e: unknown) => void, closed: () => boolean): () => Promise<void> {
  let running = false;
  let again = false;
  return async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const value = await read();
        if (!closed()) next(value);
      } while (again && !closed());
    } catch (e) {
      error(e);
    } finally {
      running = false;
    }
  };
}

function rerunOnCommit<T>(read: () => Promise<T>, partPrefix: string): Observable<T> {
  return new Observable<T>((subscriber) => {
    const run = serialReads(read, (value) => subscriber.next(value), (e) => subscriber.error(e), () => subscriber.closed);
    const onCommit = (parts: ObservabilitySet): void => {
      if (Object.keys(parts).some((part) => part.startsWith(partPrefix))) void run();
    };
    Dexie.on.storagemutated.subscribe(onCommit);
    void run();
    return () => Dexie.on.storagemutated.unsubscribe(onCommit);
  });
}

/** A read kept up to date while it is held; see {@link heldLiveRead}. */
export interface HeldRead<T> {
  /** The current result on subscribe, then every new one. */
  readonly value$: Observable<T>;
  /** Stops re-reading; subscribers are completed. */
  release(): void;
}

/**
 * `read`, re-run after every committed write to the database `databaseName` (Dexie's `storagemutated`, which
 * Dexie relays from the other tabs of the origin too; only writes to `tables`, when given), its last result held until `release()`. A subscriber
 * gets the held result synchronously when no write committed since the read that produced it began, else the
 * result of the re-read that write started (so a subscriber after `await write` never sees the value from
 * before it); then each result that differs from the one before (by `same`, structural by default).
 */
export function heldLiveRead<T>(read: () => Promise<T>, options: { databaseName: string; tables?: string[]; same?: (a: T, b: T) => boolean }): HeldRead<T> {
  const { databaseName, same = sameJson } = options;
  // `tables`: the tables `read` reads; a commit to none of them cannot change its result (default: any table).
  const partPrefixes = (options.tables ?? ['']).map((table) => `idb://${databaseName}/${table ? `${table}/` : ''}`);
  const changed = new Subject<T>();
  const settled = new Subject<void>();
  let commits = 0;
  let held: { value: T; commits: number } | undefined;
  let failure: { error: unknown } | undefined;
  const keep = ({ value, seen }: { value: T; seen: number }): void => {
    const news = held === undefined || !same(held.value, value);
    held = { value, commits: seen };
    if (news) changed.next(value);
    settled.next();
  };
  const fail = (e: unknown): void => {
    failure = { error: e };
    changed.error(e);
  };
  // `seen`: the commits the read can see (counted before it starts).
  const run = serialReads(async () => ({ seen: commits, value: await read() }), keep, fail, () => settled.closed);
  const onCommit = (parts: ObservabilitySet): void => {
    if (!Object.keys(parts).some((part) => partPrefixes.some((prefix) => part.startsWith(prefix)))) return;
    commits++;
    void run();
  };
  Dexie.on.storagemutated.subscribe(onCommit);
  void run();
  const fresh = (): boolean => held !== undefined && held.commits === commits;
  const fromHeld = (): Observable<T> => concat(of(held!.value), changed);
  return {
    value$: defer(() => {
      if (failure) return throwError(() => failure!.error);
      return fresh() ? fromHeld() : settled.pipe(filter(fresh), take(1), switchMap(fromHeld));
    }),
    release: () => {
      Dexie.on.storagemutated.unsubscribe(onCommit);
      changed.complete();
      settled.complete();
    },
  };
}
