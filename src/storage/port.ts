import type { HistoryPage, HistoryQuery } from './history-reads.js';
import type { PendingAssumption } from './outbox.js';
import type { CheckpointRow, ConflictRow, DeadLetterRow, HistoryRow, OutboxRow, RemoteVersionRow, ResourceRow } from './rows.js';
import type { StoreDatabase } from './schema.js';
import type { WriteResult, WriteSpec } from './write.js';

/**
 * A change built by a storage module (`storage/replica-mutations.ts`: server versions, a resource taking its
 * server id, the bookkeeping of replication), applied inside the commit's transaction. Opaque above storage:
 * sync/ gets these from their constructors and never sees the tables; and since the port does not import
 * them, their code loads with the sync code, not with every app.
 */
export interface PreparedMutation {
  readonly kind: 'prepared';
  /** What the mutation does, for diagnostics. */
  readonly label: string;
  /** Applies the change inside the open read-write transaction; returns the resource versions it wrote. */
  apply(db: StoreDatabase, now: number): Promise<WriteResult[]>;
}

/**
 * One change a commit makes, in the order given (in the spirit of Dexie's DBCore mutate requests). Every
 * resource version goes through the same write path (history, index keys, text statistics, outbox).
 */
export type Mutation =
  /** Resource writes, one bulk write: the interactions of rest/ (local unless a spec says `remote`). */
  | { kind: 'write'; specs: WriteSpec[] }
  | PreparedMutation;

/**
 * What one commit does, planned before the transaction opens: validation, patching, FHIRPath, ids and index
 * entries are done. Inside the transaction only Dexie runs (IndexedDB commits a transaction at the first
 * await on anything else): the checks of what the plan assumed, the mutations, then `after`.
 */
export interface CommitPlan<T = void> {
  /** The outbox state the plan read; a local change made since means plan again. */
  assumes?: PendingAssumption[];
  /** Re-checks what the plan assumed with storage reads only; throws `StalePlanError` to plan again. */
  verify?: () => Promise<void>;
  mutations: Mutation[];
  /**
   * Plan again for as long as other writes keep making the plan stale, not just a few times: for a write that
   * nothing but a precondition may refuse (an unconditional patch, re-applied to each new current version).
   * Each stale attempt means another write committed, so the writes as a whole always progress.
   */
  untilApplied?: boolean;
  /** Runs inside the transaction after the mutations (storage reads only), e.g. the GETs of a transaction Bundle. */
  after?: (results: WriteResult[]) => Promise<T> | T;
}

/** What a commit did: every write's result in mutation order (no-op deletes included), and `after`'s value. */
export interface Committed<T> {
  results: WriteResult[];
  value: T;
}

/**
 * Reads the layers above storage need. Each reads through Dexie only, so it may also run inside a commit
 * (in `verify` or `after`), where it sees the transaction's own writes.
 */
export interface StorageReads {
  /** The database name (live queries and the replication lock are named after it). */
  readonly name: string;
  /** The current row of a resource: a live version, a tombstone, or undefined when it never existed. */
  current(type: string, id: string): Promise<ResourceRow | undefined>;
  /** One stored version of a resource. */
  version(type: string, id: string, versionId: number): Promise<HistoryRow | undefined>;
  /** The stored versions of a resource from `fromVersion` on, oldest first. */
  versionsFrom(type: string, id: string, fromVersion: number): Promise<HistoryRow[]>;
  /**
   * A page of history stamped in the same read transaction, so no write can commit between the two (the
   * `Bundle.meta.lastUpdated` a replica uses as the server's clock).
   */
  historyPage(query: HistoryQuery, stamp: () => string): Promise<{ page: HistoryPage; stamp: string }>;
  /** The pending change of a resource, if any. */
  pendingChange(type: string, id: string): Promise<OutboxRow | undefined>;
  /** A pending change and the current row it would send, read together. */
  pendingWithCurrent(type: string, id: string): Promise<[OutboxRow | undefined, ResourceRow | undefined]>;
  /** Changes to push, oldest first, skipping those held by a conflict or a dead letter. */
  pendingChanges(limit: number): Promise<OutboxRow[]>;
  /**
   * The next changes to push (oldest first, none held, none that `skip` names, at most `limit`), each with the
   * current row it sends, marked sent: one commit for a push batch.
   */
  claimPendingChanges(limit: number, skip: (row: OutboxRow) => boolean): Promise<{ row: OutboxRow; current: ResourceRow | undefined }[]>;
  /** Number of changes waiting to be pushed. */
  pendingCount(): Promise<number>;
  /** The last server version confirmed for a resource. */
  remoteVersion(type: string, id: string): Promise<RemoteVersionRow | undefined>;
  /** For each key, the server version held and the pending change, read together. */
  heldAndPending(keys: [string, string][]): Promise<{ held: (RemoteVersionRow | undefined)[]; pending: (OutboxRow | undefined)[] }>;
  /** Where the pull of one type from one server stands (`key`: `baseUrl|type`). */
  checkpoint(key: string): Promise<CheckpointRow | undefined>;
  /** Open conflicts. */
  conflicts(): Promise<ConflictRow[]>;
  /** Changes the server refused for good. */
  deadLetters(): Promise<DeadLetterRow[]>;
  /** The resources (`[type, id]`) that refer to `target` (`Type/id`) through a reference search parameter. */
  referringResources(referenceParameters: (type: string) => Iterable<string>, target: string): Promise<[string, string][]>;
}

/**
 * The storage port: the reads above, and the one commit point every change goes through. `commit` calls `plan`,
 * opens one read-write transaction, checks the plan's assumptions, applies its mutations and `after`; when
 * another write invalidated the plan meanwhile (a `StalePlanError`), it plans again, a bounded number of times,
 * then answers 409 Conflict. Any other error aborts the transaction: nothing is written. After the commit it
 * notifies the store's observers (`changes$`, `watch`) of the resource versions written; nobody else does.
 */
export interface StoragePort extends StorageReads {
  /** `plan` gets the attempt number (0 first), so what it reports once is reported once. */
  commit<T = void>(plan: (attempt: number) => Promise<CommitPlan<T>> | CommitPlan<T>): Promise<Committed<T>>;
}
