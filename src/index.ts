/**
 * An embedded, offline-first FHIR R5 store: IndexedDB through Dexie, every FHIR REST interaction and FHIR search
 * answered on the client, full version history, replication with a FHIR R5 server. Start with {@link openStore}.
 * The Node-only FHIR server is the `fhir-offline-store/server` entry point.
 * @see https://hl7.org/fhir/R5/http.html
 * @packageDocumentation
 */
export { openStore } from './store.js';
export { replicate } from './replicate.js';
export type { Store, StoreChange, StoreOptions, SearchParams, WriteOptions } from './store.js';
export type { PurgeCriteria, PurgeCriterion, PurgeSummary } from './rest/purge.js';
export type { EvictionOutcome, EvictionSkipReason, ResourceKey, SkippedEviction } from './storage/evict.js';
export type { EvictionReason } from './storage/rows.js';
export type { StorageState } from './util/storage-state.js';
export type { EncryptionOptions } from './storage/encryption/options.js';
export type { ExportChunk, ExportManifest, ExportManifestFile, ExportSource, ExportStateKind, ExportStoreExtension, ImportSummary } from './storage/export-format.js';
export type { LostDatabase, StoreHealth, StoreHealthStatus } from './storage/health.js';
export type { IdentityMarkerStore } from './storage/identity.js';
export type { SyncState } from './storage/sync-state.js';
export type { FhirRequest, FhirResponse } from './rest/http.js';
export { FhirError, operationOutcome } from './errors/fhir-error.js';
export type { IssueCode, IssueInput } from './errors/fhir-error.js';
export { steppingClock, systemClock } from './util/clock.js';
export type { Clock } from './util/clock.js';
export { sequentialIds, uuidIdGenerator } from './util/id.js';
export type { IdGenerator } from './util/id.js';
export { PersistenceError } from './storage/indexeddb-resolve.js';
export type { PersistenceMode } from './storage/indexeddb-resolve.js';
export type { IncludedBy, ResourceOf, ResourceType } from './model/typed-resources.js';
export type { DeadLetter, PushedChange, RefusedChange, Replication, ReplicationState, SyncReport, SyncProgress } from './sync/replication-api.js';
export type { BulkExportOptions, Conflict, ConflictPolicy, ReplicationOptions } from './sync/options.js';
export type { SyncScope } from './sync/scope-options.js';
export type { RetentionOptions, RetentionReport, RetentionRule } from './sync/retention.js';
export type { CancelTimer, OnlineState, SyncEnvironment, SyncLocks } from './sync/environment.js';
export type { ServerPushOptions, ServerPushState, SocketHandler, WebSocketConstructor, WebSocketLike } from './sync/server-push-options.js';
export { AuthorizationError, RetryableError } from './sync/errors.js';
export { ReplicationOptionsError } from './sync/options-check.js';
