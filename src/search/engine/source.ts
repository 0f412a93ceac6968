import type { Resource } from 'fhir/r5';
import type { IndexEntry } from '../parameters/index-entry.js';

/** Full-text facts of one resource for one field (`_text` or `_content`): its length in terms and term frequencies. */
export interface TextDoc {
  length: number;
  terms: [term: string, tf: number][];
}

/** A live (not deleted) resource as the search engine sees it. */
export interface CandidateRow {
  type: string;
  id: string;
  versionId: number;
  /** `meta.lastUpdated` in epoch ms. */
  ts: number;
  resource: Resource;
  index: IndexEntry[];
}

/** The full-text documents of one resource, as a posting list hands them out (documents and ids read at once). */
export interface TextHit {
  id: string;
  text: { _text?: TextDoc; _content?: TextDoc };
}

/** A range of index keys of one parameter: on the entry's value (default) or on a date's `high`. */
export interface KeyRange {
  lower: string | number;
  upper: string | number;
  lowerOpen?: boolean;
  upperOpen?: boolean;
  on?: 'value' | 'high';
}

/** The exact-key range `[k, k]`. */
export const exactly = (k: string | number): KeyRange => ({ lower: k, upper: k });

/**
 * What search reads from. Storage implements it over Dexie; tests can implement it over arrays, so search
 * semantics are testable without IndexedDB and the indexed path can be checked against a plain scan.
 * Row-returning methods return live resources only (tombstones are never matches).
 */
export interface SearchSource {
  /** The live resources of `type` with these ids. */
  byIds(type: string, ids: readonly string[]): Promise<CandidateRow[]>;
  /** Every live resource of `type`: the plan of last resort. */
  all(type: string): Promise<CandidateRow[]>;
  /** Ids of every live resource of `type` (keys only, no rows read). */
  allIds(type: string): Promise<string[]>;
  /** Number of live resources of `type`. */
  typeCount(type: string): Promise<number>;
  /** Number of index rows of `param` in the range (an upper bound of the resources it selects). */
  count(type: string, param: string, range: KeyRange): Promise<number>;
  /** Resource ids with an index entry of `param` in the range (keys only). */
  ids(type: string, param: string, range: KeyRange): Promise<string[]>;
  /**
   * Resource ids in the order of their index keys in the range (by key, then by id), one per index entry: a
   * bulk key read, no cursor walk. `'_lastUpdated'` orders live resources by `meta.lastUpdated`.
   */
  idsInKeyOrder(type: string, param: string, range: KeyRange): Promise<string[]>;
  /** The index keys themselves in the range, for filters on keys (e.g. `:contains`). */
  keys(type: string, param: string, range: KeyRange): Promise<{ value: string | number; id: string }[]>;
  /** Live resources whose `meta.lastUpdated` lies in `[low, high]` ms. */
  byLastUpdated(type: string, low: number, high: number): Promise<CandidateRow[]>;
  /** `meta.lastUpdated` of every live resource of `type`, from the index (no rows read). */
  lastUpdatedKeys(type: string): Promise<{ id: string; ts: number }[]>;
  /** Number of versions whose `meta.lastUpdated` lies in `[low, high]` ms. */
  countLastUpdated(type: string, low: number, high: number): Promise<number>;
  /**
   * The full-text documents of the resources of `type` that hold the term in either field (`_text` or
   * `_content`): one posting list per term for both fields, so the caller checks the field on the documents.
   */
  textsWithTerm(type: string, term: string): Promise<TextHit[]>;
  /** Number of documents and their total length, for BM25. */
  textStats(type: string, field: '_text' | '_content'): Promise<{ docs: number; length: number }>;
  /** The resource types that have at least one resource (for a system search without `_type`). */
  types(): Promise<string[]>;
}
