import type { Resource } from 'fhir/r5';
import { BehaviorSubject, Subject, type Observable, type Subscription } from 'rxjs';
import type { ConflictRow, DeadLetterRow } from '../storage/rows.js';
import { heldLiveRead, type HeldRead } from '../storage/live.js';
import { releaseHeldConflict, requeueDeadLetter, serverChanges } from '../storage/replica-mutations.js';
import { checkReplicationOptions } from './options-check.js';
import { FhirClient } from './client.js';
import type { SyncContext } from './context.js';
import { settleSteps } from './decide.js';
import { platformEnvironment, type CancelTimer, type SyncEnvironment } from './environment.js';
import { AuthorizationError, RetryableError } from './errors.js';
import type { Conflict, ReplicationOptions } from './options.js';
import type { Replication, ReplicationState, SyncProgress, SyncReport } from './replication-api.js';
import { DEFAULT_RETRY, retrying } from './retryer.js';
import { ReplicationStateStore } from './state.js';
import { pullType, type PullReport } from './pull.js';
import { DEFAULT_PUSH_CONCURRENCY, pushAll, type PushReport, type PushSettings } from './push.js';
import type { Doorbell } from './doorbell.js';
import type { ServerPushState, WebSocketConstructor } from './server-push-options.js';
import { withPushTracking } from './push-tracking.js';
import { lastCompletePull, NotifyingList } from './progress.js';
import { bulkFirstSync } from './bulk-pull.js';
import { parseSearch } from '../search/query/parse.js';
import { applyRetention, type RetentionReport } from './retention.js';

/** How soon a live tab tries again after another tab held the replication lock. */
const LOCK_RETRY_MS = 500;

/** What a failure does to the state: see {@link reduceState}. */
const failureOf = (e: unknown): 'retryable' | 'authorization' | 'fatal' =>
  e instanceof AuthorizationError ? 'authorization' : e instanceof RetryableError ? 'retryable' : 'fatal';

/** What live sync holds between `start()` and `stop()`: each is ended by `stop()`. */
interface LiveSync {
  /** Local changes that trigger a cycle. */
  changes: Subscription;
  /** The platform's online events. */
  unsubscribeOnline: () => void;
  /** The next interval tick. */
  cancelTick: CancelTimer;
  /** The retry after another tab held the lock, when armed. */
  cancelLockRetry?: CancelTimer;
  /** Server push, once its code loaded (docs/sync.md#server-push). */
  doorbell?: Doorbell;
}

/**
 * The {@link Replication} of a store with one remote FHIR R5 server: pushes the outbox, then pulls each
 * resource type's history since its checkpoint; failures back off exponentially with jitter (honouring
 * `Retry-After`) and nothing leaves the outbox until the server confirmed it. Timers, clock, randomness,
 * online state and locks come from the injected {@link SyncEnvironment}. Internal: the app sees the
 * `Replication` interface, whose streams it cannot emit on.
 * @see docs/architecture.md "Sync protocol"
 */
export class ReplicationEngine implements Replication {
  private readonly machine = new ReplicationStateStore();
  private readonly progress = new Subject<SyncProgress>();
  private readonly errors = new Subject<Error>();
  readonly state$: Observable<ReplicationState> = this.machine.state$;
  readonly progress$: Observable<SyncProgress> = this.progress.asObservable();
  readonly errors$: Observable<Error> = this.errors.asObservable();
  private readonly serverPush = new BehaviorSubject<ServerPushState>('off');
  /** Where server push stands; the current value on subscribe. */
  readonly serverPush$: Observable<ServerPushState> = this.serverPush.asObservable();
  /** A doorbell rang while a cycle ran: one more cycle follows it. */
  private rangDuringCycle = false;
  /** Outbox rows waiting to be pushed (not counting open conflicts and dead letters); current value on subscribe. */
  readonly pending$: Observable<number>;
  /** Open conflicts; current value on subscribe. */
  readonly conflicts$: Observable<Conflict[]>;
  /** Changes the server refused, with its OperationOutcome; current value on subscribe. */
  readonly deadLetters$: Observable<DeadLetterRow[]>;
  /** The server time of the last complete pull of every type; current value on subscribe. */
  readonly lastSync$: Observable<string | undefined>;

  private readonly env: SyncEnvironment;
  private readonly client: FhirClient;
  /** The live reads behind `pending$`, `conflicts$` and `deadLetters$`, released when the store closes. */
  private readonly held: HeldRead<unknown>[];
  /** Set when the store closed: the replication has ended for good. */
  private closed = false;
  private running: Promise<SyncReport> | undefined;
  /** Aborted by `stop()`: ends a backoff wait at once. */
  private stopping = new AbortController();
  private live: LiveSync | undefined;

  /**
   * @param localChanges$ the store's `changes$`: local changes start a live cycle, and its completion (the
   *   store closed) ends this replication for good.
   */
  constructor(
    private readonly ctx: SyncContext,
    private readonly options: ReplicationOptions,
    private readonly localChanges$: Observable<{ origin: string; op?: string }>,
  ) {
    checkReplicationOptions(options, ctx.search ? (type, pairs) => parseSearch([type], pairs, { registry: ctx.search!.registry, handling: 'strict' }) : undefined);
    this.env = platformEnvironment(ctx.clock, options.environment);
    this.client = new FhirClient({
      baseUrl: options.baseUrl,
      clock: this.env.clock,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.authorize ? { authorize: options.authorize } : {}),
    });
    const database = { databaseName: ctx.storage.name };
    // Each re-read only after a commit to the table it reads: a push commits to the outbox once per change.
    const pending = heldLiveRead(() => ctx.storage.pendingCount(), { ...database, tables: ['outbox', 'deadLetters', 'conflicts'] });
    const conflicts = heldLiveRead(() => ctx.storage.conflicts(), { ...database, tables: ['conflicts'] });
    const deadLetters = heldLiveRead(() => ctx.storage.deadLetters(), { ...database, tables: ['deadLetters'] });
    const lastSync = heldLiveRead(() => lastCompletePull(ctx.storage, options.baseUrl, this.pulledTypes), { ...database, tables: ['checkpoints'] });
    this.held = [pending, conflicts, deadLetters, lastSync];
    this.pending$ = pending.value$;
    this.conflicts$ = conflicts.value$;
    this.deadLetters$ = deadLetters.value$;
    this.lastSync$ = lastSync.value$;
    // changes$ completes when the store closes (at once, if it already has).
    localChanges$.subscribe({ complete: () => this.dispose() });
    if (options.live) this.start();
  }

  /** The current state (what `state$` emitted last). */
  get state(): ReplicationState {
    return this.machine.state;
  }

  /** Pushes then pulls once; a call while a cycle runs joins that cycle. */
  syncOnce(): Promise<SyncReport> {
    // A stop() ends the waits of the cycles before it, not of a cycle asked for afterwards.
    if (this.running === undefined && this.stopping.signal.aborted) this.stopping = new AbortController();
    this.running ??= this.cycleWithRetry(this.stopping.signal).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async cycleWithRetry(signal: AbortSignal): Promise<SyncReport> {
    const { initialDelay = DEFAULT_RETRY.initialDelay, maxDelay = DEFAULT_RETRY.maxDelay, maxAttempts = DEFAULT_RETRY.maxAttempts } = this.options.retry ?? {};
    const policy = { initialDelay, maxDelay, maxAttempts };
    const onError = (e: unknown): void => {
      this.errors.next(e as Error);
      this.machine.dispatch({ type: 'attempt-failed', failure: failureOf(e) });
    };
    try {
      const report = await retrying(() => this.cycle(), { policy, env: this.env, signal, onError });
      this.machine.dispatch({ type: 'cycle-succeeded' });
      return report;
    } catch (e) {
      if (signal.aborted) this.machine.dispatch({ type: 'stopped' });
      throw e;
    }
  }

  /**
   * Runs a cycle under a lock named after the database, so one tab of an origin replicates at a time
   * (https://developer.mozilla.org/docs/Web/API/Web_Locks_API; no lock where there are no Web Locks).
   */
  private async cycle(): Promise<SyncReport> {
    const result = await this.env.locks.request(`fhir-offline-store:${this.ctx.storage.name}`, { ifAvailable: true }, async (lock) =>
      lock ? this.unlockedCycle() : undefined,
    );
    // Another tab holds the lock: it replicates for this database.
    return result ?? { pushed: [], pulled: 0, conflicts: [], failed: [], invalid: [], skipped: true };
  }

  /** The resource types this replication pulls. */
  private get pulledTypes(): string[] {
    return this.options.resourceTypes ?? ['ImagingSelection'];
  }

  private async unlockedCycle(): Promise<SyncReport> {
    try {
      return await this.trackedCycle();
    } finally {
      this.ctx.activity?.done();
    }
  }

  private async trackedCycle(): Promise<SyncReport> {
    const policy = this.options.conflicts ?? 'merge';
    const batch = this.options.batchSize ?? 100;
    // Each settled change moves the push pass's progress on.
    // `pulled` is what the pull brought before this push pass (0 in the first pass).
    const pass = { done: 0, total: 0, pulled: 0 };
    const settled = (): void => {
      pass.done++;
      this.progress.next({ phase: 'push', pushed: push.pushed.length, pulled: pass.pulled, done: pass.done, total: Math.max(pass.total, pass.done) });
    };
    const push: PushReport = { pushed: NotifyingList.create(settled), conflicts: NotifyingList.create(settled), failed: NotifyingList.create(settled) };
    this.machine.dispatch({ type: 'push-started' });
    this.progress.next({ phase: 'push', pushed: 0, pulled: 0 });
    // Pull and push validate what the server sends (prepare), synchronously: what that needs is loaded first (after
    // the state says the cycle started: a caller sees `pushing` at once).
    await this.ctx.ready();
    const settings: PushSettings = { batchSize: batch, mode: this.options.push ?? 'put', concurrency: this.options.pushConcurrency ?? DEFAULT_PUSH_CONCURRENCY };
    const pushCtx = this.ctx.activity ? withPushTracking(this.ctx, this.ctx.activity) : this.ctx;
    const pushPass = async (pulled: number): Promise<void> => {
      Object.assign(pass, { done: 0, pulled, total: await this.ctx.storage.pendingCount() });
      this.progress.next({ phase: 'push', pushed: push.pushed.length, pulled, done: 0, total: pass.total });
      await pushAll(pushCtx, this.client, policy, settings, push);
    };
    await pushPass(0);
    const pull: PullReport = { pulled: 0, conflicts: [], invalid: [] };
    this.machine.dispatch({ type: 'pull-started' });
    const marginMs = this.options.checkpointMarginMs ?? 1000;
    // A scoped replication pulls through a context that checks the scope (docs/sync.md#scope), loaded on demand.
    const scoped = this.options.scope
      ? await (await import('./scoped-sync.js')).prepareScopedCycle(this.ctx, this.client, this.options.scope, this.pulledTypes, { baseUrl: this.options.baseUrl, now: this.env.clock() }, pull)
      : undefined;
    // Scoped before, unscoped now: the checkpoints were made under the scope, so everything is pulled again.
    if (!this.options.scope && (await this.ctx.storage.checkpoint(`${this.options.baseUrl}|$scope`)) !== undefined) {
      await (await import('./scoped-sync.js')).dropScope(this.ctx, this.options.baseUrl, this.pulledTypes);
    }
    const ctx = scoped?.ctx ?? this.ctx;
    const types = this.pulledTypes.filter((t) => !scoped?.skip.has(t));
    const bulk = this.options.bulkExport ?? true;
    if (bulk !== false) {
      const onProgress = (type: string, done: number, total: number | undefined): void =>
        this.progress.next({ phase: 'pull', type, pushed: push.pushed.length, pulled: pull.pulled, done, ...(total !== undefined ? { total } : {}) });
      const bulkSettings = bulk === true ? {} : bulk;
      await bulkFirstSync(ctx, this.client, policy, types, { baseUrl: this.options.baseUrl, chunkSize: batch, marginMs, settings: bulkSettings, env: this.env, onProgress, ...(scoped ? { scoped: scoped.exportRequest } : {}) }, pull);
    }
    for (const type of types) {
      // The first sync of a scoped type the export did not cover: its scoped search, never the whole _history.
      if (scoped) await (await import('./scoped-sync.js')).seedScopedSearch(ctx, this.options.baseUrl, type, scoped.compiled.get(type)!, batch);
      this.progress.next({ phase: 'pull', type, pushed: push.pushed.length, pulled: pull.pulled });
      const onPage = (received: number, total: number | undefined): void =>
        this.progress.next({ phase: 'pull', type, pushed: push.pushed.length, pulled: pull.pulled, done: received, ...(total !== undefined ? { total: Math.max(total, received) } : {}) });
      await pullType(ctx, this.client, policy, type, { baseUrl: this.options.baseUrl, batchSize: batch, marginMs, onPage }, pull);
    }
    // After a complete pull: a resource pulled again while older than its window goes at once.
    const expired = this.options.retention ? (await this.expire()).expired : undefined;
    // Changes made while pulling (or merges the pull produced) go out in the same cycle.
    await pushPass(pull.pulled);
    return {
      pushed: [...push.pushed],
      pulled: pull.pulled,
      conflicts: [...push.conflicts, ...pull.conflicts],
      failed: [...push.failed],
      invalid: pull.invalid,
      ...(pull.evicted ? { evicted: pull.evicted } : {}),
      ...(expired !== undefined ? { expired } : {}),
    };
  }

  /** Settles an open conflict with the resource to keep (`null` deletes it); it is pushed next. */
  async resolve(conflict: ConflictRow, resource: Resource | null): Promise<void> {
    const { type, resourceId: id } = conflict;
    await this.ctx.ready();
    await this.ctx.storage.commit(async () => {
      const steps = settleSteps(this.ctx, { type, id, version: conflict.remoteVersion, ...(conflict.remote ? { resource: conflict.remote } : {}) }, resource ?? undefined);
      const row = await this.ctx.storage.pendingChange(type, id);
      // The change is no longer held: the resolution is what gets pushed.
      return { assumes: [{ type, id, seq: row?.seq }], mutations: [releaseHeldConflict(type, id, conflict.id), serverChanges(steps)] };
    });
  }

  /** Applies the `retention` option now: expired resources are evicted locally (see `sync/retention.ts`). */
  expire(): Promise<RetentionReport> {
    return this.options.retention ? applyRetention(this.ctx, this.options.retention) : Promise.resolve({ expired: 0, skipped: [] });
  }

  /** Puts a dead letter back in the queue (after the app fixed what the server refused, or to try again). */
  retry(letter: Pick<DeadLetterRow, 'type' | 'id'>): Promise<void> {
    return this.ctx.storage.commit(() => ({ mutations: [requeueDeadLetter(letter.type, letter.id)] })).then(() => undefined);
  }

  /** Syncs on local changes, when the platform comes online, and on an interval. */
  start(): void {
    if (this.live || this.closed) return;
    this.stopping = new AbortController();
    const every = this.options.interval ?? 30_000;
    const live: LiveSync = {
      changes: this.localChanges$.subscribe((c) => {
        // An eviction is local but leaves nothing to push.
        if (c.origin === 'local' && c.op !== 'evict') this.kick();
      }),
      unsubscribeOnline: this.env.online.subscribe((online) => (online ? this.kick() : this.machine.dispatch({ type: 'platform-offline' }))),
      cancelTick: this.env.schedule(every, () => tick()),
    };
    // Each tick arms the next one: one timer at a time, which stop() cancels. While server push is connected
    // the tick does not poll.
    const tick = (): void => {
      live.cancelTick = this.env.schedule(every, tick);
      if (this.serverPush.value !== 'connected') this.kick();
    };
    this.live = live;
    this.startServerPush(live);
    if (this.env.online.current) this.kick();
    else this.machine.dispatch({ type: 'platform-offline' });
  }

  /** One live cycle; when another tab held the lock, one more shortly after, so a change does not wait an interval. */
  private kick(): void {
    const live = this.live;
    if (!live) return;
    live.cancelLockRetry?.();
    delete live.cancelLockRetry;
    this.syncOnce()
      .then((report) => {
        // Only while this same live sync runs: a stopped replication arms nothing and starts no cycle.
        if (report.skipped && this.live === live) live.cancelLockRetry = this.env.schedule(LOCK_RETRY_MS, () => this.kick());
      })
      .catch(() => undefined);
  }

  /**
   * Subscribes to the server's notifications when a `WebSocket` is at hand and the `subscriptions` option allows
   * (the doorbell's code loads on demand); every ring asks for a cycle.
   */
  private startServerPush(live: LiveSync): void {
    const push = this.options.subscriptions;
    const WebSocket = (push === false ? undefined : push?.WebSocket) ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (push === false || WebSocket === undefined) return;
    const { initialDelay = DEFAULT_RETRY.initialDelay, maxDelay = DEFAULT_RETRY.maxDelay } = this.options.retry ?? {};
    void import('./doorbell.js').then(({ Doorbell }) => {
      if (this.live !== live) return;
      live.doorbell = new Doorbell({
        client: this.client,
        env: this.env,
        types: this.options.resourceTypes ?? ['ImagingSelection'],
        options: push ?? {},
        WebSocket,
        retry: { initialDelay, maxDelay, maxAttempts: Infinity },
        ring: () => this.doorbellRang(live),
        state: (state) => this.serverPush.next(state),
        error: (e) => this.errors.next(e),
        locked: (fn) => this.env.locks.request(`fhir-offline-store:${this.ctx.storage.name}`, { ifAvailable: true }, async (lock) => (lock ? fn() : undefined)),
      });
      void live.doorbell.start();
    });
  }

  /** A doorbell: a cycle now, or, when one runs (its pull may have read before the change), one right after it. */
  private doorbellRang(live: LiveSync): void {
    if (this.live !== live) return;
    const running = this.running;
    if (running === undefined) return this.kick();
    if (this.rangDuringCycle) return;
    this.rangDuringCycle = true;
    const again = (): void => {
      this.rangDuringCycle = false;
      if (this.live === live) this.kick();
    };
    running.then(again, again);
  }

  /** Ends live sync: a running request finishes, a backoff wait ends at once; no timer stays armed. */
  stop(): void {
    this.stopping.abort();
    const live = this.live;
    if (!live) return;
    this.live = undefined;
    void live.doorbell?.stop();
    live.cancelTick();
    live.cancelLockRetry?.();
    live.changes.unsubscribe();
    live.unsubscribeOnline();
  }

  /** The store closed: stops, and releases the live reads (their streams complete). */
  private dispose(): void {
    this.closed = true;
    this.stop();
    for (const h of this.held) h.release();
  }
}
