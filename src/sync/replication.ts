import type { Resource } from 'fhir/r5';
import { BehaviorSubject, Subject, type Observable, type Subscription } from 'rxjs';
import type { ConflictRow, DeadLetterRow } from '../storage/rows.js';
import { liveRead } from '../storage/live.js';
import { applyRemoteSteps, pendingCount, retryDeadLetter } from '../storage/sync-store.js';
import { FhirClient } from './client.js';
import type { SyncContext } from './context.js';
import { settleSteps } from './decide.js';
import { AuthorizationError, RetryableError } from './errors.js';
import type { Conflict, ReplicationOptions } from './options.js';
import { pullType, type PullReport } from './pull.js';
import { pushAll, type PushReport } from './push.js';

/** What replication is doing. */
export type ReplicationState = 'idle' | 'pushing' | 'pulling' | 'offline' | 'error' | 'paused';

/** What one `syncOnce()` did. */
export interface SyncReport {
  /** Local changes the server confirmed (`localId`: the id before the server assigned `id`, with `push: 'post'`). */
  pushed: PushReport['pushed'];
  /** Resources pulled from the server and stored. */
  pulled: number;
  /** Conflicts found in this cycle; `open` when no policy settled it (see `conflicts$`). */
  conflicts: {
    /** The resource type. */
    type: string;
    /** The resource id. */
    id: string;
    /** True when no policy settled it (it waits in `conflicts$`). */
    open: boolean;
  }[];
  /** Local changes the server refused, with its status (kept as dead letters). */
  failed: PushReport['failed'];
  /** Why pulled resources were not stored (they failed R5 validation). */
  invalid: string[];
  /** True when another tab held the replication lock, so this call did nothing. */
  skipped?: boolean;
}

/** Progress of a cycle. */
export interface SyncProgress {
  /** The phase the cycle is in. */
  phase: 'push' | 'pull';
  /** The resource type being pulled. */
  type?: string;
  /** Changes pushed so far in this cycle. */
  pushed: number;
  /** Resources pulled so far in this cycle. */
  pulled: number;
}

/** How soon a live tab tries again after another tab held the replication lock. */
const LOCK_RETRY_MS = 500;

/** Waits `ms`, or until `signal` aborts (then rejects). */
const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('replication stopped'));
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new Error('replication stopped'));
    }, { once: true });
  });

/**
 * Replication of a store with one remote FHIR R5 server: pushes the outbox, then pulls each resource type's
 * history since its checkpoint; failures back off exponentially with jitter (honouring `Retry-After`) and
 * nothing leaves the outbox until the server confirmed it. Observables report state, pending changes,
 * progress, open conflicts, dead letters and errors.
 * @see ../../shared/design.md "Sync protocol"
 */
export class Replication {
  /** What replication is doing now; current value on subscribe. */
  readonly state$: BehaviorSubject<ReplicationState> = new BehaviorSubject<ReplicationState>('idle');
  /** Progress of the running cycle. */
  readonly progress$ = new Subject<SyncProgress>();
  /** Every failure of a cycle; a retryable one is tried again with backoff until `retry.maxAttempts`. */
  readonly errors$ = new Subject<Error>();
  /** Outbox rows waiting to be pushed (not counting open conflicts and dead letters); current value on subscribe. */
  readonly pending$: Observable<number>;
  /** Open conflicts; current value on subscribe. */
  readonly conflicts$: Observable<Conflict[]>;
  /** Changes the server refused, with its OperationOutcome; current value on subscribe. */
  readonly deadLetters$: Observable<DeadLetterRow[]>;

  private readonly client: FhirClient;
  private running: Promise<SyncReport> | undefined;
  /** Aborted by `stop()`: ends a backoff wait at once. */
  private stopping = new AbortController();
  private live: { timer: ReturnType<typeof setInterval>; sub: Subscription; online: () => void; offline: () => void } | undefined;

  constructor(
    private readonly ctx: SyncContext,
    private readonly options: ReplicationOptions,
    localChanges$: Observable<{ origin: string }>,
  ) {
    this.client = new FhirClient({
      baseUrl: options.baseUrl,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.authorize ? { authorize: options.authorize } : {}),
    });
    this.pending$ = liveRead(() => pendingCount(ctx.db));
    this.conflicts$ = liveRead(() => ctx.db.conflicts.toArray());
    this.deadLetters$ = liveRead(() => ctx.db.deadLetters.toArray());
    this.localChanges$ = localChanges$;
    if (options.live) this.start();
  }

  private readonly localChanges$: Observable<{ origin: string }>;

  /** Pushes then pulls once; a call while a cycle runs joins that cycle. */
  syncOnce(): Promise<SyncReport> {
    // A stop() ends the waits of the cycles before it, not of a cycle asked for afterwards.
    if (this.running === undefined && this.stopping.signal.aborted) this.stopping = new AbortController();
    this.running ??= this.cycleWithRetry().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async cycleWithRetry(): Promise<SyncReport> {
    const { initialDelay = 500, maxDelay = 30_000, maxAttempts = 5 } = this.options.retry ?? {};
    for (let attempt = 1; ; attempt++) {
      try {
        const report = await this.cycle();
        this.state$.next('idle');
        return report;
      } catch (e) {
        const err = e as Error;
        this.errors$.next(err);
        if (err instanceof AuthorizationError) {
          this.state$.next('paused');
          throw err;
        }
        if (!(err instanceof RetryableError)) {
          this.state$.next('error');
          throw err;
        }
        this.state$.next('offline');
        if (attempt >= maxAttempts) throw err;
        const backoff = Math.min(maxDelay, initialDelay * 2 ** (attempt - 1));
        // Full jitter on half the delay keeps many devices from retrying in step.
        const wait = Math.max(err.retryAfterMs ?? 0, backoff / 2 + (Math.random() * backoff) / 2);
        try {
          await sleep(wait, this.stopping.signal);
        } catch {
          this.state$.next('idle');
          throw err;
        }
      }
    }
  }

  /**
   * Runs a cycle under a Web Lock named after the database, so one tab of an origin replicates at a time
   * (https://developer.mozilla.org/docs/Web/API/Web_Locks_API); where there are no Web Locks (Node), it just runs.
   */
  private async cycle(): Promise<SyncReport> {
    const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
    if (!locks) return this.unlockedCycle();
    const result = await locks.request(`fhir-offline-store:${this.ctx.db.name}`, { ifAvailable: true }, async (lock) =>
      lock ? this.unlockedCycle() : undefined,
    );
    // Another tab holds the lock: it replicates for this database.
    return result ?? { pushed: [], pulled: 0, conflicts: [], failed: [], invalid: [], skipped: true };
  }

  private async unlockedCycle(): Promise<SyncReport> {
    const policy = this.options.conflicts ?? 'merge';
    const batch = this.options.batchSize ?? 100;
    const push: PushReport = { pushed: [], conflicts: [], failed: [] };
    this.state$.next('pushing');
    this.progress$.next({ phase: 'push', pushed: 0, pulled: 0 });
    const mode = this.options.push ?? 'put';
    await pushAll(this.ctx, this.client, policy, batch, push, mode);
    const pull: PullReport = { pulled: 0, conflicts: [], invalid: [] };
    this.state$.next('pulling');
    for (const type of this.options.resourceTypes ?? ['ImagingSelection']) {
      this.progress$.next({ phase: 'pull', type, pushed: push.pushed.length, pulled: pull.pulled });
      await pullType(this.ctx, this.client, policy, type, { baseUrl: this.options.baseUrl, batchSize: batch, marginMs: this.options.checkpointMarginMs ?? 1000 }, pull);
    }
    // Changes made while pulling (or merges the pull produced) go out in the same cycle.
    await pushAll(this.ctx, this.client, policy, batch, push, mode);
    return { pushed: push.pushed, pulled: pull.pulled, conflicts: [...push.conflicts, ...pull.conflicts], failed: push.failed, invalid: pull.invalid };
  }

  /** Settles an open conflict with the resource to keep (`null` deletes it); it is pushed next. */
  async resolve(conflict: ConflictRow, resource: Resource | null): Promise<void> {
    const db = this.ctx.db;
    const steps = settleSteps(
      this.ctx,
      { type: conflict.type, id: conflict.resourceId, version: conflict.remoteVersion, ...(conflict.remote ? { resource: conflict.remote } : {}) },
      resource ?? undefined,
    );
    const row = await db.outbox.get([conflict.type, conflict.resourceId]);
    const results = await applyRemoteSteps(db, steps, [{ type: conflict.type, id: conflict.resourceId, seq: row?.seq }], this.ctx.clock().getTime(), {
      before: async () => {
        // The change is no longer held: the resolution is what gets pushed.
        await db.outbox.where('[type+id]').equals([conflict.type, conflict.resourceId]).modify((r) => {
          delete r.hold;
        });
        if (conflict.id !== undefined) await db.conflicts.delete(conflict.id);
      },
    });
    this.ctx.onCommit(results);
  }

  /** Puts a dead letter back in the queue (after the app fixed what the server refused, or to try again). */
  retry(letter: Pick<DeadLetterRow, 'type' | 'id'>): Promise<void> {
    return retryDeadLetter(this.ctx.db, letter.type, letter.id);
  }

  /** Syncs on local changes, when the platform comes online, and on an interval. */
  start(): void {
    if (this.live) return;
    this.stopping = new AbortController();
    const kick = (): void => {
      this.syncOnce()
        .then((report) => {
          // Another tab was replicating: try again shortly, so a change made meanwhile does not wait an interval.
          if (report.skipped && this.live) setTimeout(kick, LOCK_RETRY_MS);
        })
        .catch(() => undefined);
    };
    const sub = this.localChanges$.subscribe((c) => {
      if (c.origin === 'local') kick();
    });
    const timer = setInterval(kick, this.options.interval ?? 30_000);
    const online = (): void => kick();
    const offline = (): void => this.state$.next('offline');
    globalThis.addEventListener?.('online', online);
    globalThis.addEventListener?.('offline', offline);
    this.live = { timer, sub, online, offline };
    kick();
  }

  /** Ends live sync: a running request finishes, a backoff wait ends at once. */
  stop(): void {
    this.stopping.abort();
    if (!this.live) return;
    clearInterval(this.live.timer);
    this.live.sub.unsubscribe();
    globalThis.removeEventListener?.('online', this.live.online);
    globalThis.removeEventListener?.('offline', this.live.offline);
    this.live = undefined;
  }
}
