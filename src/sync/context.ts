import type { Resource } from 'fhir/r5';
import type { SearchRegistry } from '../search/parameters/registry.js';
import type { SearchSource } from '../search/engine/source.js';
import type { TerminologyRegistry } from '../search/terminology/index.js';
import type { SkippedEviction } from '../storage/evict.js';
import type { StoragePort } from '../storage/port.js';
import type { EvictionReason } from '../storage/rows.js';
import type { PreparedResource } from '../storage/remote-steps.js';
import type { Clock } from '../util/clock.js';
import type { PushActivity } from './activity.js';

/** What replication needs from the store it belongs to, wired by `store.ts`. */
export interface SyncContext {
  /** Reads and the one commit point (which tells `changes$` and `watch` what was written). */
  storage: StoragePort;
  clock: Clock;
  /** Validates and indexes a resource received from the server; undefined (and reported) when invalid. */
  prepare: (resource: Resource) => PreparedResource | { error: string };
  /**
   * Loads what `prepare` needs and loads on demand (the XML parser of narratives); awaited before anything that
   * may call `prepare`, outside any transaction.
   */
  ready: () => Promise<void>;
  /** Codes of the reference search parameters of a type (to find what refers to a resource by index). */
  referenceParameters: (type: string) => Iterable<string>;
  /** The store's own base URL: absolute references on it are local references. */
  baseUrl?: string;
  /** Told which changes a push is sending (for `store.syncState$`), when the store listens. */
  activity?: PushActivity;
  /** The store's search semantics (a scoped replication checks resources and sweeps the store with them). */
  search?: { registry: SearchRegistry; terminology: TerminologyRegistry; timeZone: string; source: SearchSource };
  /**
   * A scoped replication's check of pulled resources (docs/sync.md#scope): the `Type/id` of those in scope. A
   * pulled resource out of scope is not written, and one held here is removed locally.
   */
  scope?: { inScope: (resources: Resource[]) => Promise<Set<string>> };
  /**
   * Evicts the resources these searches select from this device, pushing nothing (`store.purge`'s code: used by
   * retention, `sync/retention.ts`); what it skipped (not confirmed by the server) comes back with why.
   */
  evictMatching?: (criteria: { type: string; search: string }[], reason: EvictionReason) => Promise<{ purged: number; skipped: SkippedEviction[] }>;
}
