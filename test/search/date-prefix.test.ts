import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  approximateMarginMs,
  dateIndexBounds,
  matchesDate,
  splitPrefix,
  withinDateBounds,
  type DateIndexBounds,
  type Prefix,
  type TargetRange,
} from '../../src/search/dates/date-prefix.js';
import { parseDateRange, type DateRange } from '../../src/search/dates/date-range.js';

const ms = (iso: string): number => Date.parse(iso);
/** A FHIR date/dateTime in UTC as its implicit range. */
const date = (value: string): DateRange => {
  const r = parseDateRange(value);
  if (r === undefined) throw new Error(`bad test date ${value}`);
  return r;
};
/** A Period: missing start/end are open. */
const period = (start?: string, end?: string): TargetRange => ({
  low: start === undefined ? -Infinity : date(start).low,
  high: end === undefined ? Infinity : date(end).high,
});
/** An instant. */
const point = (iso: string): TargetRange => ({ low: ms(iso), high: ms(iso) });

const NOW = ms('2024-01-01T00:00:00.000Z');

describe('splitPrefix', () => {
  it.each<[string, Prefix, string]>([
    ['2013-01-14', 'eq', '2013-01-14'],
    ['eq2013-01-14', 'eq', '2013-01-14'],
    ['ne2013', 'ne', '2013'],
    ['gt2013', 'gt', '2013'],
    ['lt2013-01-14T10:00', 'lt', '2013-01-14T10:00'],
    ['ge2010-01-01', 'ge', '2010-01-01'],
    ['le2011-12-31', 'le', '2011-12-31'],
    ['sa2013-03-14', 'sa', '2013-03-14'],
    ['eb2013', 'eb', '2013'],
    ['ap2013', 'ap', '2013'],
    ['lt-5', 'lt', '-5'],
    ['gt+5', 'gt', '+5'],
    ['le.5', 'le', '.5'],
    // Not prefixes: left in the value for the value parser to refuse.
    ['', 'eq', ''],
    ['gt', 'eq', 'gt'],
    ['gtx', 'eq', 'gtx'],
    ['gt-x', 'eq', 'gt-x'],
    ['GT2013', 'eq', 'GT2013'],
    ['xx2013', 'eq', 'xx2013'],
    ['eqeq2013', 'eq', 'eqeq2013'],
    ['e2013', 'eq', 'e2013'],
  ])('%j → %s %j', (raw, prefix, value) => {
    expect(splitPrefix(raw)).toEqual({ prefix, value });
  });
});

describe('matchesDate', () => {
  /** [prefix, search value, target, label, expected] */
  const rows: [Prefix, string, TargetRange, string, boolean][] = [
    // R5 examples (search.html#date).
    ['eq', '2013-01-14', date('2013-01-14T10:00'), '2013-01-14T10:00', true],
    ['ne', '2013-01-14', date('2013-01-15'), '2013-01-15', true],
    ['lt', '2013-01-14T10:00', date('2013-01-14'), 'date 2013-01-14', true],
    ['sa', '2013-03-14', period('2013-03-10', '2013-04-01'), 'period started before', false],
    // eq / ne: containment of the target.
    ['eq', '2013-01-14', date('2013-01-14'), '2013-01-14', true],
    ['eq', '2013-01-14', date('2013-01-15'), '2013-01-15', false],
    ['eq', '2013-01-14', date('2013-01'), '2013-01 (wider)', false],
    ['eq', '2013-01', date('2013-01-14'), '2013-01-14', true],
    ['eq', '2013-01-14', point('2013-01-14T23:59:59.999Z'), 'instant at last ms', true],
    ['eq', '2013-01-14', point('2013-01-15T00:00:00.000Z'), 'instant at next day', false],
    ['eq', '2013-01-14T10:00:05Z', point('2013-01-14T10:00:05.500Z'), 'instant inside the second', true],
    ['eq', '2013', period('2013-02-01'), 'open-ended period', false],
    ['eq', '2013', period('2013-02-01', '2013-03-01'), 'period inside', true],
    ['ne', '2013-01-14', date('2013-01-14T10:00'), '2013-01-14T10:00', false],
    ['ne', '2013-01-14', date('2013-01'), '2013-01 (wider)', true],
    ['ne', '2013', period(undefined, '2013-06-01'), 'period open start', true],
    // gt / lt: overlap with the range above / below.
    ['gt', '2013-01-14', date('2013-01-14T10:00'), '2013-01-14T10:00', false],
    ['gt', '2013-01-14', date('2013-01-15'), '2013-01-15', true],
    ['gt', '2013-01-14', date('2013'), 'year 2013 (extends past)', true],
    ['gt', '2013-01-14', period('2012-01-01'), 'period with open end', true],
    ['gt', '2013-01-14', period(undefined, '2013-01-14'), 'period ending that day', false],
    ['gt', '2013-01-14T10:00:00Z', point('2013-01-14T10:00:00.999Z'), 'instant at the last ms', false],
    ['gt', '2013-01-14T10:00:00Z', point('2013-01-14T10:00:01.000Z'), 'instant 1 s later', true],
    ['lt', '2013-01-14T10:00', date('2013-01-14T10:00'), 'same minute', false],
    ['lt', '2013-01-14T10:00', date('2013-01-14T09:59'), 'minute before', true],
    ['lt', '2013-01-14', period(undefined, '2014-01-01'), 'period with open start', true],
    ['lt', '2013-01-14', point('2013-01-13T23:59:59.999Z'), 'instant 1 ms before', true],
    ['lt', '2013-01-14', point('2013-01-14T00:00:00.000Z'), 'instant at start', false],
    // ge / le: gt or eq, lt or eq.
    ['ge', '2013-01-14', date('2013-01-14T10:00'), '2013-01-14T10:00', true],
    ['ge', '2013-01-14', date('2013-01-13'), '2013-01-13', false],
    ['ge', '2013-01-14', date('2013'), 'year 2013', true],
    ['ge', '2013-01-14', period('2013-01-10', '2013-01-14'), 'period ending inside', false],
    ['ge', '2010-01-01', date('2010-01-01'), 'same day', true],
    ['le', '2013-01-14', date('2013-01-14T10:00'), '2013-01-14T10:00', true],
    ['le', '2013-01-14', date('2013-01-15'), '2013-01-15', false],
    ['le', '2013-01-14', date('2013'), 'year 2013', true],
    ['le', '2013-01-14', period('2013-01-14', '2013-01-20'), 'period starting inside', false],
    ['le', '2011-12-31', point('2011-12-31T23:59:59.999Z'), 'instant at last ms', true],
    // sa / eb: no overlap, after / before.
    ['sa', '2013-03-14', period('2013-03-15', '2013-04-01'), 'period starting the next day', true],
    ['sa', '2013-03-14', period('2013-03-14', '2013-04-01'), 'period starting that day', false],
    ['sa', '2013-03-14', period('2013-03-15'), 'open-ended period after', true],
    ['sa', '2013-03-14', period(undefined, '2014-01-01'), 'open-start period', false],
    ['sa', '2013-03-14', point('2013-03-15T00:00:00.000Z'), 'instant at next midnight', true],
    ['sa', '2013-03-14', point('2013-03-14T23:59:59.999Z'), 'instant at last ms', false],
    ['eb', '2013-03-14', period('2013-03-01', '2013-03-13'), 'period ending the day before', true],
    ['eb', '2013-03-14', period('2013-03-01', '2013-03-14'), 'period ending that day', false],
    ['eb', '2013-03-14', period(undefined, '2013-03-13'), 'open-start period before', true],
    ['eb', '2013-03-14', point('2013-03-13T23:59:59.999Z'), 'instant 1 ms before', true],
    ['eb', '2013-03-14', date('2013'), 'year 2013', false],
    // ap at NOW = 2024-01-01: ap2014-01-01 is 3651 days + 1 ms from now → margin 365.1 days + 1 ms
    // (31 544 640 001 ms): widened to [2012-12-31T21:35:59.999Z, 2015-01-02T02:24:00.000Z].
    ['ap', '2014-01-01', point('2012-12-31T21:35:59.999Z'), 'widened low edge', true],
    ['ap', '2014-01-01', point('2012-12-31T21:35:59.998Z'), '1 ms before widened low', false],
    ['ap', '2014-01-01', point('2015-01-02T02:24:00.000Z'), 'widened high edge', true],
    ['ap', '2014-01-01', point('2015-01-02T02:24:00.001Z'), '1 ms after widened high', false],
    ['ap', '2014-01-01', date('2014-12-31'), '2014-12-31', true],
    ['ap', '2014-01-01', date('2015-06-01'), '2015-06-01', false],
    ['ap', '2014-01-01', period('2010-01-01', '2012-06-01'), 'period well before', false],
    ['ap', '2014-01-01', period('2010-01-01'), 'open-ended period spanning it', true],
    // Now inside the search range: no widening.
    ['ap', '2024', date('2024-12-31'), 'in the year', true],
    ['ap', '2024', date('2025-01-01'), 'the next day', false],
    ['ap', '2024', date('2023-12-31'), 'the day before', false],
  ];

  it.each(rows)('%s%s vs %s (%s) → %s', (prefix, value, target, _label, expected) => {
    expect(matchesDate(prefix, date(value), target, NOW)).toBe(expected);
  });

  it('approximateMarginMs is 10% of the distance from now to the range', () => {
    expect(approximateMarginMs(date('2014-01-01'), NOW)).toBe(31_544_640_001);
    // Future dates likewise: 2034-01-01 is 3653 days from now.
    expect(approximateMarginMs(date('2034-01-01'), NOW)).toBe(31_561_920_000);
    expect(approximateMarginMs(date('2024'), NOW)).toBe(0);
    expect(approximateMarginMs(date('2023-12-31T23:59:59.999Z'), NOW)).toBe(1);
  });
});

describe('dateIndexBounds', () => {
  const d14 = date('2013-01-14');
  const start = ms('2013-01-14T00:00:00.000Z');
  const end = ms('2013-01-14T23:59:59.999Z');
  it.each<[Prefix, DateIndexBounds]>([
    ['eq', { lowMin: start, lowMax: end, highMin: start, highMax: end, exact: true }],
    ['ne', { exact: false }],
    ['gt', { highMin: ms('2013-01-15T00:00:00.000Z'), exact: true }],
    ['lt', { lowMax: ms('2013-01-13T23:59:59.999Z'), exact: true }],
    ['ge', { highMin: start, exact: false }],
    ['le', { lowMax: end, exact: false }],
    ['sa', { lowMin: ms('2013-01-15T00:00:00.000Z'), highMin: ms('2013-01-15T00:00:00.000Z'), exact: true }],
    ['eb', { lowMax: ms('2013-01-13T23:59:59.999Z'), highMax: ms('2013-01-13T23:59:59.999Z'), exact: true }],
  ])('%s2013-01-14 → %o', (prefix, expected) => {
    expect(dateIndexBounds(prefix, d14, NOW)).toStrictEqual(expected);
  });

  it('ap2014-01-01 bounds are the widened range', () => {
    expect(dateIndexBounds('ap', date('2014-01-01'), NOW)).toStrictEqual({
      lowMax: ms('2015-01-02T02:24:00.000Z'),
      highMin: ms('2012-12-31T21:35:59.999Z'),
      exact: true,
    });
  });

  const prefixes: Prefix[] = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'];
  const T = 10_000; // a small key space so that ranges often touch and overlap
  const search = fc
    .tuple(fc.integer({ min: -T, max: T }), fc.integer({ min: 0, max: T / 4 }))
    .map(([low, w]): DateRange => ({ low, high: low + w, precision: 'millisecond' }));
  const end_ = (open: number): fc.Arbitrary<number> =>
    fc.oneof({ arbitrary: fc.constant(open), weight: 1 }, { arbitrary: fc.integer({ min: -2 * T, max: 2 * T }), weight: 6 });
  const target = fc.oneof(
    // Range (date at a precision, or Period with open ends).
    fc.tuple(end_(-Infinity), end_(Infinity)).map(([a, b]): TargetRange => (a <= b ? { low: a, high: b } : { low: b, high: a })),
    // Point (instant).
    fc.integer({ min: -2 * T, max: 2 * T }).map((t): TargetRange => ({ low: t, high: t })),
  );
  const now = fc.integer({ min: -20 * T, max: 20 * T });

  it('never excludes a target that matchesDate accepts, and exact bounds accept only matches (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), search, target, now, (prefix, s, t, n) => {
        const bounds = dateIndexBounds(prefix, s, n);
        const matches = matchesDate(prefix, s, t, n);
        if (matches) expect(withinDateBounds(bounds, t)).toBe(true);
        if (bounds.exact) expect(withinDateBounds(bounds, t)).toBe(matches);
      }),
      { numRuns: 20_000 },
    );
  });

  it('ne is exactly lt or gt (property)', () => {
    fc.assert(
      fc.property(search, target, now, (s, t, n) => {
        expect(matchesDate('ne', s, t, n)).toBe(matchesDate('lt', s, t, n) || matchesDate('gt', s, t, n));
      }),
    );
  });
});
