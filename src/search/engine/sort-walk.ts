import { END, key } from '../parameters/index-entry.js';
import type { SearchQuery, SortKey } from '../query/search-query.js';
import { comparePositions, decodeCursor, positionOf, type Position, type Ranked } from './order.js';
import type { CandidateRow, KeyRange, SearchSource } from './source.js';

/** The index a sort key walks: its parameter (or `_id`, `_lastUpdated`), the range of every key, the direction. */
interface SortIndex {
  param: string;
  range: KeyRange;
  reverse: boolean;
  /** Whether every live resource has a key in it (else those without one come after the walk, last). */
  total: boolean;
}

const STRING = key.string('');
/** The most index entries a walk reads before it leaves the page to the general path. */
const MAX_WALK = 65_536;

/**
 * The index whose key order is the order of a sort key; undefined when there is none (token and reference sorts,
 * whose order strips tags from several key kinds, and `_id`). No key sorts by type and id, as every search does at
 * its end.
 * @see https://hl7.org/fhir/R5/search.html#sort
 */
function sortIndex(k: SortKey | undefined): SortIndex | undefined {
  const reverse = k?.descending ?? false;
  // `_sort=_id` compares ids case-insensitively first (as every string sort value), which is not their key order.
  if (k === undefined) return { param: '_id', range: { lower: '', upper: END }, reverse, total: true };
  if (k.code === '_lastUpdated') return { param: '_lastUpdated', range: { lower: -Infinity, upper: Infinity }, reverse, total: true };
  // Descending, a date sorts by the high end of its range, which the high-end index holds in order.
  if (k.param?.type === 'date') return { param: k.code, range: { lower: -Infinity, upper: Infinity, ...(reverse ? { on: 'high' as const } : {}) }, reverse, total: false };
  if (k.param?.type === 'string') {
    return { param: k.code, range: { lower: STRING, upper: key.string(END) }, reverse, total: false };
  }
  return undefined;
}

/** Whether a page in this sort order can be found by walking an index (see `walkSortedPage`). */
export const canWalk = (query: Pick<SearchQuery, 'sort'>): boolean => query.sort.length <= 1 && sortIndex(query.sort[0]) !== undefined;

/** What a walked page found. */
export interface WalkedPage {
  matches: Ranked[];
  /** Whether matches go on after the page. */
  hasNext: boolean;
}

/**
 * One page of a search on one type ordered by one sort key, read by walking that key's index from the page's
 * cursor and stopping once the page (and one more match, to know there is a next page) is found: the keys and rows
 * read follow the page size, not the number of resources. The rows come with the keys (one `getAll` on the index
 * with a count and a direction); a resource with several keys is taken at its first place in the order, so it
 * appears once; rows are tested with `accept` (the query's clauses, if any). Undefined when the walk cannot
 * answer: a sort without such an index, several sort keys, a `previous` cursor, a walk that reached the end of
 * the index while resources without a key may still follow, or one that read {@link MAX_WALK} entries without
 * filling the page (the caller then takes the general path).
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
  const range = after === undefined ? index.range : narrow(index, after.values[0] ?? after.id);
  // Each round reads four times more from the same start: a few rounds when the criteria pass few rows, and no
  // need to know where in a row's keys the last round stopped.
  for (let limit = Math.min(2 * want + 8, MAX_WALK); ; limit = Math.min(limit * 4, MAX_WALK)) {
    const { rows, read } = await source.rowsInKeyOrder(type, index.param, range, { limit, reverse: index.reverse });
    const found: Ranked[] = [];
    const seen = new Set<string>();
    for (const row of rows) {
      // A row comes once per key in the range; its first is its place in the order, which its own sort value
      // gives. One placed at or before the cursor was on an earlier page.
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      if (after !== undefined && comparePositions(positionOf({ row }, keys), after, keys) <= 0) continue;
      if (accept(row) && found.push({ row }) >= want) return { matches: found.slice(0, query.count), hasNext: true };
    }
    if (read < limit) return index.total ? { matches: found, hasNext: false } : undefined;
    if (limit >= MAX_WALK) return undefined;
  }
}

/** The index range from a sort value on, in the walk's direction (inclusive: equal keys are told apart by id). */
function narrow(index: SortIndex, value: string | number): KeyRange {
  const bound = index.param === '_id' || typeof value === 'number' ? value : STRING + value;
  return index.reverse ? { ...index.range, upper: bound } : { ...index.range, lower: bound };
}
