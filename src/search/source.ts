import type { Resource } from 'fhir/r5';
import type { IndexEntry } from './index-entry.js';

/** A live (not deleted) resource as the search engine sees it. */
export interface CandidateRow {
  id: string;
  versionId: number;
  /** `meta.lastUpdated` in epoch ms. */
  ts: number;
  resource: Resource;
  index: IndexEntry[];
}

/**
 * What search reads from. Storage implements it over Dexie; tests can implement it over an array, so search
 * semantics are testable without IndexedDB and the indexed path can be checked against a plain scan.
 * Every method returns live resources only (tombstones are never matches).
 */
export interface SearchSource {
  /** The live resources of `type` with these ids. */
  byIds(type: string, ids: readonly string[]): Promise<CandidateRow[]>;
  /** Ids of resources of `type` with an index entry `param` whose key is one of `keys`. */
  idsByKeys(type: string, param: string, keys: readonly string[]): Promise<string[]>;
  /** Live resources of `type` whose `meta.lastUpdated` lies in `[lowMs, highMs]` (inclusive; ±Infinity open). */
  byLastUpdated(type: string, lowMs: number, highMs: number): Promise<CandidateRow[]>;
  /** Every live resource of `type`: the plan of last resort. */
  all(type: string): Promise<CandidateRow[]>;
}
