import type { HistoryPage, HistoryQuery } from './history-reads.js';
import type { PendingAssumption, RemoteStep } from './remote-steps.js';
import type { ServerIdAssignment } from './rename-to-server-id.js';
import type { CheckpointRow, ConflictRow, DeadLetterRow, HistoryRow, OutboxRow, RemoteVersionRow, ResourceRow } from './rows.js';
import type { WriteResult, WriteSpec } from './write.js';

/**
 * One change a commit makes, in the order given (in the spirit of Dexie's DBCore mutate requests): resource
 * writes, server changes applied locally, the renaming of a resource to its server id, and the bookkeeping of
 * replication. Every resource version goes through the same write path (history, index keys, text statistics,
 * outbox).
 */
export type Mutation =
  /** Local (or remote-origin) resource writes, one bulk write: the interactions of rest/. */
  | { kind: 'write'; specs: WriteSpec[] }
  /** Server versions, merges on top of them and conflicts, as planned by a pull or a push conflict. */
  | RemoteStep
  /** A resource takes the id the server assigned to it (`push: 'post'`). */
  | { kind: 'server-id'; assignment: ServerIdAssignment }
  /** Rows about to be sent: a create later deleted is then still sent as a delete. */
  | { kind: 'mark-sent'; rows: OutboxRow[] }
  /** The server confirmed a pushed change (`version` undefined: it did not say, or a delete it no longer holds). */
  | { kind: 'acknowledge'; row: OutboxRow; version?: string; lastUpdated?: string }
  /** The server holds `localVersion`'s content as `version` (a push whose answer was lost). */
  | { kind: 'adopt-version'; row: OutboxRow; version: string; localVersion: number; deleted: boolean }
  /** The server refused a change for good: parked with its answer. */
  | { kind: 'dead-letter'; row: OutboxRow; status: number; outcome: unknown }
  /** A dead letter goes back in the queue. */
  | { kind: 'retry-dead-letter'; type: string; id: string }
  /** The app settled an open conflict: its change is no longer held and the conflict goes. */
  | { kind: 'release-conflict'; type: string; id: string; conflictId?: number }
  /** Where the pull of one type stands. */
  | { kind: 'checkpoint'; row: CheckpointRow };

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
