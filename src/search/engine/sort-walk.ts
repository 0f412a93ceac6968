import { END, key } from '../parameters/index-entry.js';
import type { SearchQuery, SortKey } from '../query/search-query.js';
import { comparePositions, decodeCursor, sortValue, type Position, type Ranked } from './order.js';
import type { CandidateRow, KeyEntry, KeyRange, SearchSource } from './source.js';

/** The index a sort key walks: its parameter (or `_id`, `_lastUpdated`), the range of every key, the direction. */
interface SortIndex {
  param: string;
  range: KeyRange;
  reverse: boolean;
  /** The sort value a walked key stands for (a string key without its tag). */
  valueOf: (e: KeyEntry) => string | number;
  /** Whether every live resource has a key in it (else those without one come after the walk, last). */
  total: boolean;
}

const STRING = key.string('');
/** The most keys one round of a walk reads. */
const MAX_BATCH = 8192;

/**
 * The index whose key order is the order of a sort key; undefined when there is none (token and reference sorts,
 * whose order strips tags from several key kinds, and `_id`). No key sorts by type and id, as every search does at
 * its end.
 * @see https://hl7.org/fhir/R5/search.html#sort
 */
function sortIndex(k: SortKey | undefined): SortIndex | undefined {
  const reverse = k?.descending ?? false;
  // `_sort=_id` compares ids case-insensitively first (as every string sort value), which is not their key order.
  if (k === undefined) return { param: '_id', range: { lower: '', upper: END }, reverse, valueOf: (e) => e.id, total: true };
  if (k.code === '_lastUpdated') return { param: '_lastUpdated', range: { lower: -Infinity, upper: Infinity }, reverse, valueOf: (e) => e.value, total: true };
  // Descending, a date sorts by the high end of its range, which the high-end index holds in order.
  if (k.param?.type === 'date') return { param: k.code, range: { lower: -Infinity, upper: Infinity, ...(reverse ? { on: 'high' as const } : {}) }, reverse, valueOf: (e) => e.value, total: false };
  if (k.param?.type === 'string') {
    return { param: k.code, range: { lower: STRING, upper: key.string(END) }, reverse, valueOf: (e) => String(e.value).slice(STRING.length), total: false };
  }
  return undefined;
}

/** What a walked page found. */
export interface WalkedPage {
  matches: Ranked[];
  /** Whether matches go on after the page. */
  hasNext: boolean;
}

/**
 * One page of a search on one type ordered by one sort key, read by walking that key's index from the page's
 * cursor and stopping once the page (and one more match, to know there is a next page) is found: the keys and rows
 * read follow the page size, not the number of resources. A resource with several keys is taken at its first place
 * in the order (its sort value, as `sortValue` computes it), so it appears once; rows are loaded in batches and
 * tested with `accept` (the query's clauses, if any). Undefined when the walk cannot answer: a sort without such an
 * index, several sort keys, a `previous` cursor, or a walk that reached the end of the index while resources
 * without a key may still follow (the caller then takes the general path).
 * @see https://hl7.org/fhir/R5/search.html#sort
 * @see https://hl7.org/fhir/R5/http.html#paging
 */
export async function walkSortedPage(
  type: string,
  query: Pick<SearchQuery, 'sort' | 'page' | 'count'>,
  source: SearchSource,
  accept: (row: CandidateRow) => boolean = () => true,
): Promise<WalkedPage | undefined> {
  if (query.sort.length > 1) return undefined;
  const k = query.sort[0];
  const index = sortIndex(k);
  if (index === undefined) return undefined;
  const keys = query.sort;
  const cursor = query.page !== undefined ? decodeCursor(query.page) : undefined;
  if (cursor && (cursor.dir !== 'a' || cursor.at.type !== type || (k !== undefined && cursor.at.values[0] === null))) return undefined;
  const after: Position | undefined = cursor?.at;
  const want = query.count + 1;
  const found: Ranked[] = [];
  const seen = new Set<string>();
  // Where the walk goes on from: the last key read (and its id, for the keys equal to it).
  let from: Position | undefined = after;
  let batch = 2 * want + 8;
  for (;;) {
    const range = from === undefined ? index.range : narrow(index, from.values[0] ?? from.id);
    const entries = await source.keys(type, index.param, range, { limit: batch, reverse: index.reverse });
    const positioned = entries.map((e) => ({ e, at: { values: k ? [index.valueOf(e)] : [], type, id: e.id } }));
    const fresh = from === undefined ? positioned : positioned.filter((p) => comparePositions(p.at, from!, keys) > 0);
    const ids = [...new Set(fresh.map((p) => p.e.id).filter((id) => !seen.has(id)))];
    const rows = new Map((await source.byIds(type, ids)).map((r) => [r.id, r]));
    for (const p of fresh) {
      const row = rows.get(p.e.id);
      if (row === undefined || seen.has(row.id)) continue;
      // Its first place in the order is where its own sort value puts it; any other key of it is skipped.
      if (k !== undefined && sortValue({ row }, k) !== p.at.values[0]) continue;
      seen.add(row.id);
      if (after !== undefined && comparePositions(p.at, after, keys) <= 0) continue;
      if (accept(row)) found.push({ row });
    }
    if (found.length >= want) return { matches: found.slice(0, query.count), hasNext: true };
    if (entries.length < batch) return index.total ? { matches: found, hasNext: false } : undefined;
    const last = positioned[positioned.length - 1]!.at;
    // More equal keys than a round may read: the general path orders them.
    if (fresh.length === 0 && batch === MAX_BATCH) return undefined;
    // Each round reads twice as many keys: few rounds when the criteria pass few rows, and a walk over keys all
    // equal to the last one read still moves.
    batch = Math.min(batch * 2, MAX_BATCH);
    from = last;
  }
}

/** The index range from a sort value on, in the walk's direction (inclusive: equal keys are told apart by id). */
function narrow(index: SortIndex, value: string | number): KeyRange {
  const bound = index.param === '_id' || typeof value === 'number' ? value : STRING + value;
  return index.reverse ? { ...index.range, upper: bound } : { ...index.range, lower: bound };
}
