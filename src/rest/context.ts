import type { SearchRegistry } from '../search/parameters/registry.js';
import type { TerminologyRegistry } from '../search/terminology/index.js';
import type { StoreDatabase } from '../storage/schema.js';
import type { DexieSearchSource } from '../storage/search-source.js';
import type { WriteResult } from '../storage/write.js';
import type { Clock } from '../util/clock.js';
import type { IdGenerator } from '../util/id.js';

/** Everything the interactions need, wired once by `openStore`. */
export interface EngineContext {
  db: StoreDatabase;
  source: DexieSearchSource;
  clock: Clock;
  newId: IdGenerator;
  /** IANA zone for date values without an offset. */
  timeZone: string;
  /** Whether local writes are recorded for replication. */
  outbox: boolean;
  /** Absolute base of `fullUrl`s. */
  baseUrl: string;
  /** Search parameters: built-in and registered. */
  registry: SearchRegistry;
  /** ValueSets and CodeSystems for token `:in`, `:not-in`, `:above`, `:below`. */
  terminology: TerminologyRegistry;
  /** Resolves when no back-fill of the index is running (searches wait for it). */
  whenIndexed: () => Promise<void>;
  /** Called after a write transaction commits, with what it wrote. */
  onCommit: (results: WriteResult[]) => void;
}
