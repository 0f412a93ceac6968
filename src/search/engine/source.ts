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

/** One index key in a key-order walk: its value (a date as epoch ms, `_lastUpdated` as ms, `_id` as the id) and its resource. */
export interface KeyEntry {
  value: string | number;
  id: string;
}

/**
 * What search reads from. Storage implements it over Dexie; tests can implement it over arrays, so search
 * semantics are testable without IndexedDB and the indexed path can be checked against a plain scan.
 * Row-returning methods return live resources only (tombstones are never matches). Methods that read index keys
 * take a `limit` where the planner needs its cost bounded: IndexedDB charges per key read (~17 µs on disk), and
 * even `count()` walks every key of its range.
 */
export interface SearchSource {
  /**
   * Runs `reads` (which await nothing but this source) in one read transaction instead of one per read: for a
   * clause with many values, whose reads would otherwise each open their own transaction.
   */
  together<T>(reads: () => Promise<T>): Promise<T>;
  /** The live resources of `type` with these ids. */
  byIds(type: string, ids: readonly string[]): Promise<CandidateRow[]>;
  /** Every live resource of `type`: the plan of last resort. */
  all(type: string): Promise<CandidateRow[]>;
  /** Ids of every live resource of `type` (keys only, no rows read). */
  allIds(type: string): Promise<string[]>;
  /** Number of live resources of `type`. */
  typeCount(type: string): Promise<number>;
  /**
   * A bounded probe: the resource ids with an index entry of `param` in the range when the range holds fewer than
   * `limit` keys, else undefined (having read at most `limit` keys). `'_lastUpdated'` ranges over `meta.lastUpdated`
   * in ms (tombstones included in the keys read, never in the ids).
   */
  idsUpTo(type: string, param: string, range: KeyRange, limit: number): Promise<string[] | undefined>;
  /** Resource ids with an index entry of `param` in the range (keys only). */
  ids(type: string, param: string, range: KeyRange): Promise<string[]>;
  /**
   * Resource ids in the order of their index keys in the range (by key, then by id), one per index entry: a
   * bulk key read, no cursor walk. `'_lastUpdated'` orders live resources by `meta.lastUpdated`.
   */
  idsInKeyOrder(type: string, param: string, range: KeyRange): Promise<string[]>;
  /**
   * The index keys in the range in key order (then by id), at most `limit` of them. Besides
   * search parameters, `'_id'` walks the resources by id and `'_lastUpdated'` by `meta.lastUpdated`; those two
   * include tombstones, which `byIds` then drops.
   */
  keys(type: string, param: string, range: KeyRange, opts?: { limit?: number }): Promise<KeyEntry[]>;
  /**
   * The rows of the index entries in the range, in key order (backwards when `reverse`), one per entry read (a row
   * with several keys in the range comes once per key), at most `limit` entries: one `getAll` on the index, which
   * reads rows faster than a `get` per id. `read` is the number of entries read, tombstones included (`_id` and
   * `_lastUpdated` walk every row), which `rows` leaves out. Same parameters as `keys`.
   */
  rowsInKeyOrder(type: string, param: string, range: KeyRange, opts?: { limit?: number; reverse?: boolean }): Promise<{ rows: CandidateRow[]; read: number }>;
  /**
   * An upper bound of `high - low` over the date index entries `param` has ever had on `type` (Infinity when
   * unknown): with it, `high >= a` becomes `low >= a - span`, so AND-ed bounds on one date read one key range.
   */
  dateSpan(type: string, param: string): Promise<number>;
  /**
   * For each term, the full-text documents of the resources of `type` that hold it in either field (`_text` or
   * `_content`): one posting list per term for both fields, so the caller checks the field on the documents.
   * All terms in one call: what a search reads for every term (the documents still waiting for their postings)
   * is read once.
   */
  textsWithTerms(type: string, terms: readonly string[]): Promise<TextHit[][]>;
  /** Number of documents and their total length, for BM25. */
  textStats(type: string, field: '_text' | '_content'): Promise<{ docs: number; length: number }>;
  /** The resource types that have at least one resource (for a system search without `_type`). */
  types(): Promise<string[]>;
}
