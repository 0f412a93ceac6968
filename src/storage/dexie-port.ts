import { conflict } from '../errors/fhir-error.js';
import type { Clock } from '../util/clock.js';
import { queryHistoryStamped, type HistoryQuery } from './history-reads.js';
import { checkAssumptions, claimPending, pendingChanges, pendingCount } from './outbox.js';
import type { CommitPlan, Committed, StoragePort } from './port.js';
import { presentRows } from './present-rows.js';
import { referringResources } from './referrers.js';
import type { DatabaseReopener } from './reopen.js';
import type { OutboxRow, ResourceRow } from './rows.js';
import type { StoreDatabase } from './schema.js';
import { applyWrites } from './write-batch.js';
import { StalePlanError, type WriteResult } from './write.js';

/** How many times a commit plans before it answers 409. */
const MAX_ATTEMPTS = 5;
/** The same for a plan marked `untilApplied`: a bound against a bug, far above any real contention. */
const MAX_ATTEMPTS_UNTIL_APPLIED = 10_000;

/** What the port needs besides the database. */
export interface PortOptions {
  /** Source of `meta.lastUpdated` and of the bookkeeping times. */
  clock: Clock;
  /** Whether local writes are recorded for replication (false for a store that serves as a server). */
  outbox: boolean;
  /** Tells observers (`changes$`, `watch`) what a commit wrote; called once per commit, after it committed. */
  onCommit: (results: WriteResult[]) => void;
  /** Told when a commit starts (before its plan) and when it is over, committed or not: the store is busy between. */
  onBusy?: { begin: () => void; end: () => void };
  /** Reopens the database when the browser left it unusable, and retries the commit once (absent: no retry). */
  reopener?: DatabaseReopener;
}

/** The storage port over the store's Dexie database. */
export class DexieStoragePort implements StoragePort {
  constructor(
    private readonly db: StoreDatabase,
    private readonly options: PortOptions,
  ) {}

  get name(): string {
    return this.db.name;
  }

  async commit<T = void>(plan: (attempt: number) => Promise<CommitPlan<T>> | CommitPlan<T>): Promise<Committed<T>> {
    this.options.onBusy?.begin();
    try {
      return await this.attempts(plan);
    } finally {
      this.options.onBusy?.end();
    }
  }

  private async attempts<T>(plan: (attempt: number) => Promise<CommitPlan<T>> | CommitPlan<T>): Promise<Committed<T>> {
    for (let attempt = 0; ; attempt++) {
      const planned = await plan(attempt);
      try {
        // An `async` scope function: Dexie keeps the transaction across native awaits only for those.
        const transaction = (): Promise<Committed<T>> => this.db.transaction('rw', this.tables(planned), async () => this.run(planned));
        const out = await (this.options.reopener ? this.options.reopener.run(transaction) : transaction());
        const written = out.results.filter((r) => !r.noop);
        if (written.length > 0) this.options.onCommit(written);
        return out;
      } catch (e) {
        if (!(e instanceof StalePlanError)) throw e;
        if (attempt + 1 >= (planned.untilApplied ? MAX_ATTEMPTS_UNTIL_APPLIED : MAX_ATTEMPTS)) throw conflict(`Gave up after ${attempt + 1} attempts: ${e.message}`);
      }
    }
  }

  /**
   * The tables a commit may touch: those of the write path for plain writes (a smaller scope is a cheaper
   * transaction, and does not wait on the sync tables), every table for sync's mutations and assumptions.
   */
  private tables(planned: CommitPlan<unknown>) {
    const plain = planned.mutations.every((m) => m.kind === 'write') && (planned.assumes ?? []).length === 0;
    return plain ? this.db.writeTables : [...this.db.writeTables, this.db.conflicts, this.db.checkpoints];
  }

  /** Inside the transaction: the checks, the mutations in order, then `after`. */
  private async run<T>(planned: CommitPlan<T>): Promise<Committed<T>> {
    await checkAssumptions(this.db, planned.assumes ?? []);
    if (planned.verify) await planned.verify();
    const now = this.options.clock().getTime();
    const results: WriteResult[] = [];
    for (const m of planned.mutations) {
      results.push(...(m.kind === 'write' ? await applyWrites(this.db, m.specs, now, this.options.outbox) : await m.apply(this.db, now)));
    }
    const value = planned.after ? await planned.after(results) : (undefined as T);
    return { results, value };
  }

  current(type: string, id: string) {
    return this.db.resources.get([type, id]);
  }

  version(type: string, id: string, versionId: number) {
    return this.db.history.where('[type+id+versionId]').equals([type, id, versionId]).first();
  }

  versionsFrom(type: string, id: string, fromVersion: number) {
    return this.db.history.where('[type+id+versionId]').between([type, id, fromVersion], [type, id, Infinity], true, true).toArray();
  }

  historyPage(query: HistoryQuery, stamp: () => string) {
    return queryHistoryStamped(this.db, query, stamp);
  }

  pendingChange(type: string, id: string) {
    return this.db.outbox.get([type, id]);
  }

  pendingWithCurrent(type: string, id: string) {
    const db = this.db;
    return db.transaction('r', [db.outbox, db.resources], async () => Promise.all([db.outbox.get([type, id]), db.resources.get([type, id])]));
  }

  pendingChanges(limit: number) {
    return pendingChanges(this.db, limit);
  }

  async claimPendingChanges(limit: number, skip: (row: OutboxRow) => boolean) {
    // Most cycles find nothing to push: one cheap read answers that without a read-write transaction.
    if ((await this.db.outbox.limit(1).primaryKeys()).length === 0) return [];
    let claimed: { row: OutboxRow; current: ResourceRow | undefined }[] = [];
    const claim = async (db: StoreDatabase, now: number): Promise<WriteResult[]> => {
      claimed = await claimPending(db, limit, skip, now);
      return []; // bookkeeping: observers hear nothing of it
    };
    await this.commit(() => ({ mutations: [{ kind: 'prepared', label: 'claim', apply: claim }] }));
    return claimed;
  }

  pendingCount() {
    return pendingCount(this.db);
  }

  remoteVersion(type: string, id: string) {
    return this.db.remote.get([type, id]);
  }

  async heldAndPending(keys: [string, string][]) {
    const db = this.db;
    // By key range where the keys are mostly absent: a first sync holds none of them, and few are pending.
    const [held, pending] = await db.transaction('r', [db.remote, db.outbox], async () => Promise.all([presentRows(db.remote, keys), presentRows(db.outbox, keys)]));
    return { held, pending };
  }

  checkpoint(key: string) {
    return this.db.checkpoints.get(key);
  }

  conflicts() {
    return this.db.conflicts.toArray();
  }

  deadLetters() {
    return this.db.deadLetters.toArray();
  }

  referringResources(referenceParameters: (type: string) => Iterable<string>, target: string) {
    return referringResources(this.db, referenceParameters, target);
  }
}
