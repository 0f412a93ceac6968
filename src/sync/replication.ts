import type { Resource } from 'fhir/r5';
import { BehaviorSubject, Subject, type Observable, type Subscription } from 'rxjs';
import type { ConflictRow, DeadLetterRow } from '../storage/rows.js';
import { liveRead } from '../storage/live.js';
import { releaseHeldConflict, requeueDeadLetter, serverChanges } from '../storage/replica-mutations.js';
import { checkReplicationOptions } from './options-check.js';
import { FhirClient } from './client.js';
import type { SyncContext } from './context.js';
import { settleSteps } from './decide.js';
import { AuthorizationError, RetryableError } from './errors.js';
import type { Conflict, ReplicationOptions } from './options.js';
import type { Replication, ReplicationState, SyncProgress, SyncReport } from './replication-api.js';
import { pullType, type PullReport } from './pull.js';
import { pushAll, type PushReport } from './push.js';

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
 * The {@link Replication} of a store with one remote FHIR R5 server: pushes the outbox, then pulls each
 * resource type's history since its checkpoint; failures back off exponentially with jitter (honouring
 * `Retry-After`) and nothing leaves the outbox until the server confirmed it. Internal: the app sees the
 * `Replication` interface, whose streams it cannot emit on.
 * @see docs/architecture.md "Sync protocol"
 */
export class ReplicationEngine implements Replication {
  private readonly stateSubject = new BehaviorSubject<ReplicationState>('idle');
  private readonly progress = new Subject<SyncProgress>();
  private readonly errors = new Subject<Error>();
  readonly state$: Observable<ReplicationState> = this.stateSubject.asObservable();
  readonly progress$: Observable<SyncProgress> = this.progress.asObservable();
  readonly errors$: Observable<Error> = this.errors.asObservable();
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
    checkReplicationOptions(options);
    this.client = new FhirClient({
      baseUrl: options.baseUrl,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.authorize ? { authorize: options.authorize } : {}),
    });
    this.pending$ = liveRead(() => ctx.storage.pendingCount(), { databaseName: ctx.storage.name });
    this.conflicts$ = liveRead(() => ctx.storage.conflicts(), { databaseName: ctx.storage.name });
    this.deadLetters$ = liveRead(() => ctx.storage.deadLetters(), { databaseName: ctx.storage.name });
    this.localChanges$ = localChanges$;
    if (options.live) this.start();
  }

  private readonly localChanges$: Observable<{ origin: string }>;

  /** The current state (what `state$` emitted last). */
  get state(): ReplicationState {
    return this.stateSubject.value;
  }

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
        this.stateSubject.next('idle');
        return report;
      } catch (e) {
        const err = e as Error;
        this.errors.next(err);
        if (err instanceof AuthorizationError) {
          this.stateSubject.next('paused');
          throw err;
        }
        if (!(err instanceof RetryableError)) {
          this.stateSubject.next('error');
          throw err;
        }
        this.stateSubject.next('offline');
        if (attempt >= maxAttempts) throw err;
        const backoff = Math.min(maxDelay, initialDelay * 2 ** (attempt - 1));
        // Full jitter on half the delay keeps many devices from retrying in step.
        const wait = Math.max(err.retryAfterMs ?? 0, backoff / 2 + (Math.random() * backoff) / 2);
        try {
          await sleep(wait, this.stopping.signal);
        } catch {
          this.stateSubject.next('idle');
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
    const result = await locks.request(`fhir-offline-store:${this.ctx.storage.name}`, { ifAvailable: true }, async (lock) =>
      lock ? this.unlockedCycle() : undefined,
    );
    // Another tab holds the lock: it replicates for this database.
    return result ?? { pushed: [], pulled: 0, conflicts: [], failed: [], invalid: [], skipped: true };
  }

  private async unlockedCycle(): Promise<SyncReport> {
    const policy = this.options.conflicts ?? 'merge';
    const batch = this.options.batchSize ?? 100;
    const push: PushReport = { pushed: [], conflicts: [], failed: [] };
    this.stateSubject.next('pushing');
    this.progress.next({ phase: 'push', pushed: 0, pulled: 0 });
    const mode = this.options.push ?? 'put';
    await pushAll(this.ctx, this.client, policy, batch, push, mode);
    const pull: PullReport = { pulled: 0, conflicts: [], invalid: [] };
    this.stateSubject.next('pulling');
    for (const type of this.options.resourceTypes ?? ['ImagingSelection']) {
      this.progress.next({ phase: 'pull', type, pushed: push.pushed.length, pulled: pull.pulled });
      await pullType(this.ctx, this.client, policy, type, { baseUrl: this.options.baseUrl, batchSize: batch, marginMs: this.options.checkpointMarginMs ?? 1000 }, pull);
    }
    // Changes made while pulling (or merges the pull produced) go out in the same cycle.
    await pushAll(this.ctx, this.client, policy, batch, push, mode);
    return { pushed: push.pushed, pulled: pull.pulled, conflicts: [...push.conflicts, ...pull.conflicts], failed: push.failed, invalid: pull.invalid };
  }

  /** Settles an open conflict with the resource to keep (`null` deletes it); it is pushed next. */
  async resolve(conflict: ConflictRow, resource: Resource | null): Promise<void> {
    const { type, resourceId: id } = conflict;
    await this.ctx.storage.commit(async () => {
      const steps = settleSteps(this.ctx, { type, id, version: conflict.remoteVersion, ...(conflict.remote ? { resource: conflict.remote } : {}) }, resource ?? undefined);
      const row = await this.ctx.storage.pendingChange(type, id);
      // The change is no longer held: the resolution is what gets pushed.
      return { assumes: [{ type, id, seq: row?.seq }], mutations: [releaseHeldConflict(type, id, conflict.id), serverChanges(steps)] };
    });
  }

  /** Puts a dead letter back in the queue (after the app fixed what the server refused, or to try again). */
  retry(letter: Pick<DeadLetterRow, 'type' | 'id'>): Promise<void> {
    return this.ctx.storage.commit(() => ({ mutations: [requeueDeadLetter(letter.type, letter.id)] })).then(() => undefined);
  }

  /** Syncs on local changes, when the platform comes online, and on an interval. */
  start(): void {
    if (this.live) return;
    this.stopping = new AbortController();
    const kick = (): void => {
      this.syncOnce()
        .then((report) => {
          // Another tab was replicating: try again shortly, so a change made meanwhile does not wait an interval.
          // The retry is skipped when stop() came in the meantime: a stopped replication starts no cycle.
          if (report.skipped && this.live) setTimeout(() => this.live && kick(), LOCK_RETRY_MS);
        })
        .catch(() => undefined);
    };
    const sub = this.localChanges$.subscribe((c) => {
      if (c.origin === 'local') kick();
    });
    const timer = setInterval(kick, this.options.interval ?? 30_000);
    const online = (): void => kick();
    const offline = (): void => this.stateSubject.next('offline');
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
