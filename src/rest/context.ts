import type { SearchRegistry } from '../search/parameters/registry.js';
import type { SearchSource } from '../search/engine/source.js';
import type { TerminologyRegistry } from '../search/terminology/index.js';
import type { StoragePort } from '../storage/port.js';
import type { Clock } from '../util/clock.js';
import type { IdGenerator } from '../util/id.js';

/** Everything the interactions need, wired once by `openStore`. */
export interface EngineContext {
  /** Reads and the one commit point (which records the outbox and tells `changes$` and `watch`). */
  storage: StoragePort;
  /** The search engine's view of the stored index (readable inside a commit, for conditional re-checks). */
  source: SearchSource;
  clock: Clock;
  newId: IdGenerator;
  /** IANA zone for date values without an offset. */
  timeZone: string;
  /** Absolute base of `fullUrl`s. */
  baseUrl: string;
  /** Search parameters: built-in and registered. */
  registry: SearchRegistry;
  /** ValueSets and CodeSystems for token `:in`, `:not-in`, `:above`, `:below`. */
  terminology: TerminologyRegistry;
  /** Resolves when no back-fill of the index is running (searches wait for it). */
  whenIndexed: () => Promise<void>;
}
