import { conflict } from '../errors/fhir-error.js';
import type { Clock } from '../util/clock.js';
import { queryHistoryStamped, type HistoryQuery } from './history-reads.js';
import { acknowledge, adoptVersion, deadLetter, markSent, pendingChanges, pendingCount, releaseConflict, retryDeadLetter } from './outbox.js';
import type { CommitPlan, Committed, Mutation, StoragePort } from './port.js';
import { referringResources } from './referrers.js';
import { applyRemoteSteps, checkAssumptions, type RemoteStep } from './remote-steps.js';
import { renameToServerId } from './rename-to-server-id.js';
import type { StoreDatabase } from './schema.js';
import { applyWrites } from './write-batch.js';
import { StalePlanError, type WriteResult } from './write.js';

/** How many times a commit plans before it answers 409. */
const MAX_ATTEMPTS = 5;

/** What the port needs besides the database. */
export interface PortOptions {
  /** Source of `meta.lastUpdated` and of the bookkeeping times. */
  clock: Clock;
  /** Whether local writes are recorded for replication (false for a store that serves as a server). */
  outbox: boolean;
  /** Tells observers (`changes$`, `watch`) what a commit wrote; called once per commit, after it committed. */
  onCommit: (results: WriteResult[]) => void;
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
    for (let attempt = 0; ; attempt++) {
      const planned = await plan(attempt);
      try {
        // An `async` scope function: Dexie keeps the transaction across native awaits only for those.
        const out = await this.db.transaction('rw', this.tables(), async () => this.run(planned));
        const written = out.results.filter((r) => !r.noop);
        if (written.length > 0) this.options.onCommit(written);
        return out;
      } catch (e) {
        if (!(e instanceof StalePlanError)) throw e;
        if (attempt + 1 >= MAX_ATTEMPTS) throw conflict(`Gave up after ${attempt + 1} attempts: ${e.message}`);
      }
    }
  }

  /** Every table a commit may touch: one scope, so any plan fits in one transaction. */
  private tables() {
    return [...this.db.writeTables, this.db.conflicts, this.db.checkpoints];
  }

  /** Inside the transaction: the checks, the mutations in order, then `after`. */
  private async run<T>(planned: CommitPlan<T>): Promise<Committed<T>> {
    await checkAssumptions(this.db, planned.assumes ?? []);
    if (planned.verify) await planned.verify();
    const now = this.options.clock().getTime();
    const results: WriteResult[] = [];
    // Consecutive server-change steps go together, so consecutive server versions are one bulk write.
    let steps: RemoteStep[] = [];
    for (const m of planned.mutations) {
      if (isRemoteStep(m)) {
        steps.push(m);
        continue;
      }
      results.push(...(await applyRemoteSteps(this.db, steps, now)));
      steps = [];
      results.push(...(await this.apply(m, now)));
    }
    results.push(...(await applyRemoteSteps(this.db, steps, now)));
    const value = planned.after ? await planned.after(results) : (undefined as T);
    return { results, value };
  }

  private async apply(m: Exclude<Mutation, RemoteStep>, now: number): Promise<WriteResult[]> {
    const db = this.db;
    switch (m.kind) {
      case 'write':
        return applyWrites(db, m.specs, now, this.options.outbox);
      case 'server-id':
        return renameToServerId(db, m.assignment, now);
      case 'mark-sent':
        await markSent(db, m.rows, now);
        break;
      case 'acknowledge':
        await acknowledge(db, m.row, m.version, m.lastUpdated);
        break;
      case 'adopt-version':
        await adoptVersion(db, m.row, m.version, m.localVersion, m.deleted);
        break;
      case 'dead-letter':
        await deadLetter(db, m.row, m.status, m.outcome, now);
        break;
      case 'retry-dead-letter':
        await retryDeadLetter(db, m.type, m.id);
        break;
      case 'release-conflict':
        await releaseConflict(db, m.type, m.id, m.conflictId);
        break;
      case 'checkpoint':
        await db.checkpoints.put(m.row);
        break;
    }
    return [];
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

  pendingCount() {
    return pendingCount(this.db);
  }

  remoteVersion(type: string, id: string) {
    return this.db.remote.get([type, id]);
  }

  async heldAndPending(keys: [string, string][]) {
    const db = this.db;
    const [held, pending] = await db.transaction('r', [db.remote, db.outbox], async () => Promise.all([db.remote.bulkGet(keys), db.outbox.bulkGet(keys)]));
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

const REMOTE_STEP_KINDS = new Set<Mutation['kind']>(['remote', 'local', 'conflict', 'refresh-conflict']);
const isRemoteStep = (m: Mutation): m is RemoteStep => REMOTE_STEP_KINDS.has(m.kind);
