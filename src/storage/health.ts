import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';

/**
 * How the store's database is doing: `ok`; `recreated-after-loss` (this database is new, but a marker that
 * survived it says an earlier one existed under this name: the browser evicted it or someone deleted it, and
 * with it every change not yet pushed); `read-only` (it opens and reads, but writes keep failing after the store
 * reopened it, as Firefox can leave a database after a quota failure); `unusable` (it cannot be reopened).
 * @see https://storage.spec.whatwg.org/#storage-bucket
 */
export type StoreHealthStatus = 'ok' | 'recreated-after-loss' | 'read-only' | 'unusable';

/**
 * A database that existed under this store's name and is gone, and how that was found out.
 * @see https://storage.spec.whatwg.org/#storage-bucket
 */
export interface LostDatabase {
  /** The lost database's id. */
  databaseId: string;
  /** When the lost database was created (ISO instant), when known. */
  createdAt?: string;
  /**
   * What told: `marker` (the identity kept outside IndexedDB, localStorage by default), `expected-id` (the app's
   * `expectedDatabaseId`), `checkpoint` (replication checkpoints recorded by another database: they were dropped,
   * so the next pull reads everything).
   */
  detectedBy: 'marker' | 'expected-id' | 'checkpoint';
}

/**
 * The health of a store's database, as `store.health$` reports it. See docs/durability.md.
 * @see https://storage.spec.whatwg.org/#storage-bucket
 */
export interface StoreHealth {
  /** The state now. */
  status: StoreHealthStatus;
  /** Why the status is not `ok`, in words; also the cause of the last reopen. */
  reason?: string;
  /** The random id this database was given when it was created (kept in it, and in the marker). */
  databaseId: string;
  /** When this database was created (ISO instant, the platform clock). */
  createdAt: string;
  /** The database this one replaced, when its loss was detected at open (`recreated-after-loss`). */
  lost?: LostDatabase;
  /** How many times the store closed and reopened its database after the browser left it unusable. */
  reopened: number;
}

/**
 * The one place the store's health changes: a status found at open, reopens, and the failures and successes
 * of commits after a reopen. A worse state wins over a loss found at open; a commit that succeeds clears it.
 * @see https://storage.spec.whatwg.org/#storage-bucket
 */
export class HealthMonitor {
  private readonly subject: BehaviorSubject<StoreHealth>;
  /** The health now on subscribe, then each change. */
  readonly health$: Observable<StoreHealth>;

  constructor(initial: StoreHealth) {
    this.subject = new BehaviorSubject(initial);
    this.health$ = this.subject.asObservable().pipe(distinctUntilChanged((a, b) => JSON.stringify(a) === JSON.stringify(b)));
  }

  /** The health now. */
  get current(): StoreHealth {
    return this.subject.value;
  }

  /** The store reopened its database because of `cause`. */
  reopened(cause: string): void {
    this.update({ reopened: this.current.reopened + 1, reason: `reopened the database after: ${cause}` });
  }

  /** Writes keep failing after a reopen (`read-only`), or the database cannot be opened again (`unusable`). */
  failed(status: 'read-only' | 'unusable', reason: string): void {
    this.update({ status, reason });
  }

  /** A commit succeeded: a `read-only` or `unusable` state is over. */
  succeeded(): void {
    const { status, lost } = this.current;
    if (status !== 'read-only' && status !== 'unusable') return;
    this.update({ status: lost ? 'recreated-after-loss' : 'ok', reason: lost ? lossReason(lost) : 'writes succeed again' });
  }

  /** True once the store closed: nothing is reopened any more. */
  get ended(): boolean {
    return this.subject.closed;
  }

  /** Ends `health$` (the store closed). */
  complete(): void {
    this.subject.complete();
  }

  private update(change: Partial<StoreHealth>): void {
    if (this.subject.closed) return;
    this.subject.next({ ...this.current, ...change });
  }
}

/**
 * The words for a lost database.
 * @see https://storage.spec.whatwg.org/#storage-bucket
 */
export function lossReason(lost: LostDatabase): string {
  const when = lost.createdAt ? ` (created ${lost.createdAt})` : '';
  switch (lost.detectedBy) {
    case 'marker':
      return `database ${lost.databaseId}${when} is gone (evicted or deleted): changes not pushed before are lost; replication reads everything again`;
    case 'expected-id':
      return `expected database ${lost.databaseId}, opened another: changes not pushed from it are lost; replication reads everything again`;
    case 'checkpoint':
      return `checkpoints of database ${lost.databaseId} dropped: replication reads everything again`;
  }
}
