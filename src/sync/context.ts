import type { Resource } from 'fhir/r5';
import type { StoreDatabase } from '../storage/schema.js';
import type { PreparedResource } from '../storage/sync-store.js';
import type { WriteResult } from '../storage/write.js';
import type { Clock } from '../util/clock.js';

/** What replication needs from the store it belongs to, wired by `store.ts`. */
export interface SyncContext {
  db: StoreDatabase;
  clock: Clock;
  /** Validates and indexes a resource received from the server; undefined (and reported) when invalid. */
  prepare: (resource: Resource) => PreparedResource | { error: string };
  /** Codes of the reference search parameters of a type (to find what refers to a resource by index). */
  referenceParameters: (type: string) => Iterable<string>;
  /** The store's own base URL: absolute references on it are local references. */
  baseUrl?: string;
  /** Tells observers (`changes$`, `watch`) what a transaction committed. */
  onCommit: (results: WriteResult[]) => void;
}
