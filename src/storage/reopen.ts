import type { Dexie } from 'dexie';
import { FhirError, isQuotaError } from '../errors/fhir-error.js';
import type { HealthMonitor } from './health.js';

/** The errors after which a browser's database connection is no good, but a new connection may be. */
const UNUSABLE = new Set(['UnknownError', 'InvalidStateError', 'DatabaseClosedError', 'ReadOnlyError']);

/**
 * Why an error means the database connection is no longer usable (Firefox can leave a database read-only after
 * a quota failure; Chromium reports a lost backing store as an `UnknownError`; a connection the browser closed
 * throws `InvalidStateError` or Dexie's `DatabaseClosedError`), also when it is the cause of the transaction's
 * `AbortError`; undefined for any other error. A quota error is never one: reopening frees no space.
 * @see https://w3c.github.io/IndexedDB/#closing-connection
 */
export function unusableCause(e: unknown): string | undefined {
  if (isQuotaError(e)) return undefined;
  const seen = new Set<unknown>();
  for (let at: unknown = e; at !== null && typeof at === 'object' && !seen.has(at); ) {
    seen.add(at);
    const x = at as { name?: unknown; message?: unknown; inner?: unknown; cause?: unknown; error?: unknown };
    if (typeof x.name === 'string' && UNUSABLE.has(x.name)) return `${x.name}: ${typeof x.message === 'string' ? x.message : ''}`.trim();
    at = x.inner ?? x.cause ?? x.error;
  }
  return undefined;
}

/** 503 with an OperationOutcome: the database refuses, and reopening it did not help. */
const unavailable = (diagnostics: string): FhirError => new FhirError(503, { code: 'transient', diagnostics });

/**
 * Closes and reopens the store's Dexie database when the browser left its connection unusable, and tells the
 * health monitor. Reopens requested while one runs share it. Dexie reopens on its own when creating a
 * transaction throws `InvalidStateError` (or the browser closed the connection): those opens are reported too.
 * @see https://w3c.github.io/IndexedDB/#closing-connection
 */
export class DatabaseReopener {
  private opens = 0;
  private reopening: Promise<void> | undefined;
  /** Opens this reopener started: the others were Dexie's own. */
  private ownOpens = 0;

  constructor(
    private readonly db: Dexie,
    private readonly health: HealthMonitor,
  ) {
    // A sticky `ready` subscriber runs on every open: the first is the store's own, any other a reopen.
    db.on(
      'ready',
      () => {
        this.opens++;
        if (this.opens === 1) return;
        if (this.ownOpens > 0) this.ownOpens--;
        else health.reopened('InvalidStateError or a connection the browser closed (Dexie reopened it)');
      },
      true,
    );
  }

  /**
   * Runs `operation`; when it fails because the connection is unusable, reopens the database once and runs it
   * again. When the reopen fails the database is `unusable`, when the operation fails again `read-only`: both
   * answer 503 with an OperationOutcome. A success clears either state.
   */
  async run<T>(operation: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await operation();
    } catch (e) {
      const cause = unusableCause(e);
      // A store the app closed stays closed: its requests fail as they did.
      if (cause === undefined || this.health.ended) throw e;
      try {
        await this.reopen(cause);
      } catch (failure) {
        const reason = `The database cannot be opened again after ${cause}: ${(failure as Error).message}`;
        this.health.failed('unusable', reason);
        throw unavailable(reason);
      }
      try {
        result = await operation();
      } catch (again) {
        const still = unusableCause(again);
        if (still === undefined) throw again;
        const reason = `The database refuses writes after it was reopened: ${still}`;
        this.health.failed('read-only', reason);
        throw unavailable(reason);
      }
    }
    this.health.succeeded();
    return result;
  }

  /** Closes and reopens the database (one reopen at a time), and reports it. */
  private reopen(cause: string): Promise<void> {
    this.reopening ??= (async () => {
      try {
        this.db.close({ disableAutoOpen: false });
        this.ownOpens++;
        try {
          await this.db.open();
        } catch (e) {
          this.ownOpens--;
          throw e;
        }
        this.health.reopened(cause);
      } finally {
        this.reopening = undefined;
      }
    })();
    return this.reopening;
  }
}
