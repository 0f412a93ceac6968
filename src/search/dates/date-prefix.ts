/**
 * The R5 search prefixes as comparisons of ranges, for date parameters, and the index bounds a planner
 * derives from them.
 *
 * Both sides are inclusive integer ranges of epoch ms (see {@link DateRange}): the search value's implicit
 * range at its precision, and the target's (a date at its precision, a Period whose missing ends are
 * `-Infinity` / `Infinity`, or an instant, whose `low === high`).
 * @see https://hl7.org/fhir/R5/search.html#prefix
 * @see https://hl7.org/fhir/R5/search.html#date
 * @module
 */
import type { DateRange } from './date-range.js';

/** A search prefix (R5 `search-comparator` code system). */
export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

/** The range a target element stands for; inclusive, `low <= high`, ends may be infinite. */
export interface TargetRange {
  low: number;
  high: number;
}

const PREFIX_RE = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(?=[-+.]?\d)/;

/**
 * Splits a leading prefix off a search value; without one the prefix is `eq`.
 *
 * Two letters count as a prefix only before a number start (a digit, or a sign or point then a digit, so
 * that `lt-5` also works for number parameters); anything else is left in `value` for the value parser to
 * refuse. Prefixes are lowercase only, as in the spec.
 * @see https://hl7.org/fhir/R5/search.html#prefix
 */
export function splitPrefix(raw: string): { prefix: Prefix; value: string } {
  const m = PREFIX_RE.exec(raw);
  if (m === null) return { prefix: 'eq', value: raw };
  return { prefix: m[1] as Prefix, value: raw.slice(2) };
}

/**
 * Half-width added on each side of the search range for `ap`: 10% of the distance between now and the
 * search range (0 when now falls inside it), rounded up to a whole ms.
 *
 * The spec leaves `ap` to the server and suggests 10% of the gap between now and the date for dates; the
 * range's nearer edge is used as "the date" so that the margin is symmetric and the same for every
 * precision. `ap2024` asked during 2024 therefore means the year 2024 itself.
 * @see https://hl7.org/fhir/R5/search.html#prefix
 */
export function approximateMarginMs(search: DateRange, nowMs: number): number {
  const distance = nowMs < search.low ? search.low - nowMs : nowMs > search.high ? nowMs - search.high : 0;
  return Math.ceil(distance / 10); // not * 0.1, which can land just above an exact integer
}

/**
 * Whether a target range satisfies `prefix` against the search range, per the R5 range table:
 * - `eq`: the search range contains the target; `ne`: it does not;
 * - `gt`: the range above the search value overlaps the target (`target.high > search.high`);
 * - `lt`: the range below the search value overlaps the target (`target.low < search.low`);
 * - `ge` = `gt` or `eq`; `le` = `lt` or `eq`;
 * - `sa`: the target starts after the search range (`target.low > search.high`);
 * - `eb`: the target ends before it (`target.high < search.low`);
 * - `ap`: the target overlaps the search range widened by {@link approximateMarginMs} on each side.
 *
 * So `lt2013-01-14T10:00` matches a target date `2013-01-14` (it starts before 10:00), and
 * `sa2013-03-14` does not match a Period that started before or on that day.
 * @see https://hl7.org/fhir/R5/search.html#prefix
 * @see https://hl7.org/fhir/R5/search.html#date
 */
export function matchesDate(prefix: Prefix, search: DateRange, target: TargetRange, nowMs: number): boolean {
  switch (prefix) {
    case 'eq':
      return contains(search, target);
    case 'ne':
      return !contains(search, target);
    case 'gt':
      return target.high > search.high;
    case 'lt':
      return target.low < search.low;
    case 'ge':
      return target.high > search.high || contains(search, target);
    case 'le':
      return target.low < search.low || contains(search, target);
    case 'sa':
      return target.low > search.high;
    case 'eb':
      return target.high < search.low;
    case 'ap': {
      const margin = approximateMarginMs(search, nowMs);
      return target.low <= search.high + margin && target.high >= search.low - margin;
    }
  }
}

function contains(search: DateRange, target: TargetRange): boolean {
  return search.low <= target.low && target.high <= search.high;
}

/**
 * Inclusive bounds on the indexed `target.low` and `target.high` keys that every matching target satisfies;
 * an absent bound is unbounded. A planner scans one of them as an index key range (e.g. `IDBKeyRange.bound`)
 * and filters the rest with {@link matchesDate}.
 */
export interface DateIndexBounds {
  /** Every match has `target.low >= lowMin`. */
  lowMin?: number;
  /** Every match has `target.low <= lowMax`. */
  lowMax?: number;
  /** Every match has `target.high >= highMin`. */
  highMin?: number;
  /** Every match has `target.high <= highMax`. */
  highMax?: number;
  /**
   * True when the bounds together are also sufficient: any target within all of them matches, so the
   * planner may skip the in-memory filter. False for `ne` (not a box: no bounds at all), `ge` and `le`
   * (unions whose bounds are only necessary).
   */
  exact: boolean;
}

/**
 * The index bounds of a date clause, for the planner: sound (never excludes a target that
 * {@link matchesDate} accepts) for integer targets with `low <= high`, which is what the index holds.
 *
 * Bounds implied through `low <= high` are included too (e.g. `sa` bounds `high` as well as `low`), so the
 * planner can pick whichever index is more selective. Strict comparisons become inclusive ones by ±1 ms.
 * - `eq`: low ∈ [s.low, s.high], high ∈ [s.low, s.high] (exact)
 * - `gt`: high ≥ s.high + 1 (exact); `lt`: low ≤ s.low − 1 (exact)
 * - `ge`: high ≥ s.low; `le`: low ≤ s.high (necessary only)
 * - `sa`: low ≥ s.high + 1 (exact); `eb`: high ≤ s.low − 1 (exact)
 * - `ap`: low ≤ s.high + margin and high ≥ s.low − margin (exact)
 * - `ne`: unbounded; it is `lt` ∪ `gt`, which a planner could run as two scans.
 * @see https://hl7.org/fhir/R5/search.html#prefix
 */
export function dateIndexBounds(prefix: Prefix, search: DateRange, nowMs: number): DateIndexBounds {
  switch (prefix) {
    case 'eq':
      return { lowMin: search.low, lowMax: search.high, highMin: search.low, highMax: search.high, exact: true };
    case 'ne':
      return { exact: false };
    case 'gt':
      return { highMin: search.high + 1, exact: true };
    case 'lt':
      return { lowMax: search.low - 1, exact: true };
    case 'ge':
      // gt: high > s.high; eq: high >= low >= s.low. The weaker of the two.
      return { highMin: search.low, exact: false };
    case 'le':
      // lt: low < s.low; eq: low <= high <= s.high.
      return { lowMax: search.high, exact: false };
    case 'sa':
      return { lowMin: search.high + 1, highMin: search.high + 1, exact: true };
    case 'eb':
      return { lowMax: search.low - 1, highMax: search.low - 1, exact: true };
    case 'ap': {
      const margin = approximateMarginMs(search, nowMs);
      return { lowMax: search.high + margin, highMin: search.low - margin, exact: true };
    }
  }
}

/**
 * Whether a target lies within `bounds` (all present bounds hold). The planner's in-memory mirror of an index
 * scan; also what the soundness property of {@link dateIndexBounds} is stated with.
 */
export function withinDateBounds(bounds: DateIndexBounds, target: TargetRange): boolean {
  return (
    (bounds.lowMin === undefined || target.low >= bounds.lowMin) &&
    (bounds.lowMax === undefined || target.low <= bounds.lowMax) &&
    (bounds.highMin === undefined || target.high >= bounds.highMin) &&
    (bounds.highMax === undefined || target.high <= bounds.highMax)
  );
}
