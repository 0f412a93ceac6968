import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatInstant, parseDateRange, type DatePrecision } from '../../src/search/dates/date-range.js';

const iso = (n: number): string => new Date(n).toISOString();
const HOUR = 3_600_000;

/** [value, timeZone, low, high, precision] */
type Row = [string, string | undefined, string, string, DatePrecision];

describe('parseDateRange: valid forms', () => {
  it.each<Row>([
    // Each precision, UTC default.
    ['2013', undefined, '2013-01-01T00:00:00.000Z', '2013-12-31T23:59:59.999Z', 'year'],
    ['2013-01', undefined, '2013-01-01T00:00:00.000Z', '2013-01-31T23:59:59.999Z', 'month'],
    ['2013-01-14', undefined, '2013-01-14T00:00:00.000Z', '2013-01-14T23:59:59.999Z', 'day'],
    ['2013-01-14T10:00', undefined, '2013-01-14T10:00:00.000Z', '2013-01-14T10:00:59.999Z', 'minute'],
    ['2013-01-14T10:00Z', undefined, '2013-01-14T10:00:00.000Z', '2013-01-14T10:00:59.999Z', 'minute'],
    ['2013-01-14T10:00:05Z', undefined, '2013-01-14T10:00:05.000Z', '2013-01-14T10:00:05.999Z', 'second'],
    ['2013-01-14T10:00:05', 'UTC', '2013-01-14T10:00:05.000Z', '2013-01-14T10:00:05.999Z', 'second'],
    ['2013-01-14T10:00:05.123Z', undefined, '2013-01-14T10:00:05.123Z', '2013-01-14T10:00:05.123Z', 'millisecond'],
    // Beyond ms: truncated, the sub-ms range lies inside one millisecond.
    ['2013-01-14T10:00:05.1234Z', undefined, '2013-01-14T10:00:05.123Z', '2013-01-14T10:00:05.123Z', 'millisecond'],
    ['2013-01-14T10:00:05.1239Z', undefined, '2013-01-14T10:00:05.123Z', '2013-01-14T10:00:05.123Z', 'millisecond'],
    ['2013-01-14T10:00:05.000000001Z', undefined, '2013-01-14T10:00:05.000Z', '2013-01-14T10:00:05.000Z', 'millisecond'],
    // Fewer than three digits keep their implicit range.
    ['2013-01-14T10:00:05.1Z', undefined, '2013-01-14T10:00:05.100Z', '2013-01-14T10:00:05.199Z', 'millisecond'],
    ['2013-01-14T10:00:05.12Z', undefined, '2013-01-14T10:00:05.120Z', '2013-01-14T10:00:05.129Z', 'millisecond'],
    // Month lengths and leap years.
    ['2012-02', undefined, '2012-02-01T00:00:00.000Z', '2012-02-29T23:59:59.999Z', 'month'],
    ['2013-02', undefined, '2013-02-01T00:00:00.000Z', '2013-02-28T23:59:59.999Z', 'month'],
    ['1900-02', undefined, '1900-02-01T00:00:00.000Z', '1900-02-28T23:59:59.999Z', 'month'],
    ['2000-02-29', undefined, '2000-02-29T00:00:00.000Z', '2000-02-29T23:59:59.999Z', 'day'],
    ['2024-02-29', undefined, '2024-02-29T00:00:00.000Z', '2024-02-29T23:59:59.999Z', 'day'],
    ['2013-04-30', undefined, '2013-04-30T00:00:00.000Z', '2013-04-30T23:59:59.999Z', 'day'],
    ['2013-12', undefined, '2013-12-01T00:00:00.000Z', '2013-12-31T23:59:59.999Z', 'month'],
    ['2012', undefined, '2012-01-01T00:00:00.000Z', '2012-12-31T23:59:59.999Z', 'year'],
    // Explicit offsets.
    ['2013-01-14T10:00+05:30', undefined, '2013-01-14T04:30:00.000Z', '2013-01-14T04:30:59.999Z', 'minute'],
    ['2013-01-14T10:00:05-03:00', undefined, '2013-01-14T13:00:05.000Z', '2013-01-14T13:00:05.999Z', 'second'],
    ['2013-01-14T01:00:00+05:30', undefined, '2013-01-13T19:30:00.000Z', '2013-01-13T19:30:00.999Z', 'second'],
    ['2013-01-14T22:00:00.5-03:00', undefined, '2013-01-15T01:00:00.500Z', '2013-01-15T01:00:00.599Z', 'millisecond'],
    ['2013-01-14T10:00:00+00:00', undefined, '2013-01-14T10:00:00.000Z', '2013-01-14T10:00:00.999Z', 'second'],
    ['2013-01-14T10:00:00-00:00', undefined, '2013-01-14T10:00:00.000Z', '2013-01-14T10:00:00.999Z', 'second'],
    ['2013-01-14T23:59:59+14:00', undefined, '2013-01-14T09:59:59.000Z', '2013-01-14T09:59:59.999Z', 'second'],
    ['2013-01-14T00:00:00-14:00', undefined, '2013-01-14T14:00:00.000Z', '2013-01-14T14:00:00.999Z', 'second'],
    ['2013-01-14T00:00:00+13:59', undefined, '2013-01-13T10:01:00.000Z', '2013-01-13T10:01:00.999Z', 'second'],
    // An explicit offset wins over the zone option.
    ['2013-01-14T10:00Z', 'Europe/Amsterdam', '2013-01-14T10:00:00.000Z', '2013-01-14T10:00:59.999Z', 'minute'],
    ['2013-01-14T10:00+05:30', 'America/New_York', '2013-01-14T04:30:00.000Z', '2013-01-14T04:30:59.999Z', 'minute'],
    // Values without offset are read in the zone.
    ['2013-01-14', 'Europe/Amsterdam', '2013-01-13T23:00:00.000Z', '2013-01-14T22:59:59.999Z', 'day'],
    ['2013', 'Europe/Amsterdam', '2012-12-31T23:00:00.000Z', '2013-12-31T22:59:59.999Z', 'year'],
    ['2013-07', 'Europe/Amsterdam', '2013-06-30T22:00:00.000Z', '2013-07-31T21:59:59.999Z', 'month'],
    ['2013-01-14T10:00', 'Europe/Amsterdam', '2013-01-14T09:00:00.000Z', '2013-01-14T09:00:59.999Z', 'minute'],
    ['2013-01-14T10:00:05.250', 'America/New_York', '2013-01-14T15:00:05.250Z', '2013-01-14T15:00:05.250Z', 'millisecond'],
    ['2013-01-14', 'Asia/Kolkata', '2013-01-13T18:30:00.000Z', '2013-01-14T18:29:59.999Z', 'day'],
    // DST: a month that contains the switch starts at +01:00 and ends at +02:00.
    ['2024-03', 'Europe/Amsterdam', '2024-02-29T23:00:00.000Z', '2024-03-31T21:59:59.999Z', 'month'],
    ['2024-03-31', 'Europe/Amsterdam', '2024-03-30T23:00:00.000Z', '2024-03-31T21:59:59.999Z', 'day'],
    ['2024-10-27', 'Europe/Amsterdam', '2024-10-26T22:00:00.000Z', '2024-10-27T22:59:59.999Z', 'day'],
    ['2024-03-10', 'America/New_York', '2024-03-10T05:00:00.000Z', '2024-03-11T03:59:59.999Z', 'day'],
    ['2024-09-08', 'America/Santiago', '2024-09-08T04:00:00.000Z', '2024-09-09T02:59:59.999Z', 'day'],
    // Wall times in a gap (read with the old offset) and in an overlap (the earlier instant).
    ['2024-03-31T02:30', 'Europe/Amsterdam', '2024-03-31T01:30:00.000Z', '2024-03-31T01:30:59.999Z', 'minute'],
    ['2024-10-27T02:30:00', 'Europe/Amsterdam', '2024-10-27T00:30:00.000Z', '2024-10-27T00:30:00.999Z', 'second'],
    ['2024-10-27T02:59', 'Europe/Amsterdam', '2024-10-27T00:59:00.000Z', '2024-10-27T00:59:59.999Z', 'minute'],
    // Leap second folded onto the last millisecond of its minute.
    ['2016-12-31T23:59:60Z', undefined, '2016-12-31T23:59:59.999Z', '2016-12-31T23:59:59.999Z', 'second'],
    ['2016-12-31T23:59:60.5Z', undefined, '2016-12-31T23:59:59.999Z', '2016-12-31T23:59:59.999Z', 'millisecond'],
    // Extremes of the lexical space.
    ['0001', undefined, '0001-01-01T00:00:00.000Z', '0001-12-31T23:59:59.999Z', 'year'],
    ['0099-03-01', undefined, '0099-03-01T00:00:00.000Z', '0099-03-01T23:59:59.999Z', 'day'],
    ['9999-12-31T23:59:59.999Z', undefined, '9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z', 'millisecond'],
    ['9999', undefined, '9999-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', 'year'],
  ])('%s in %s → [%s, %s] %s', (value, timeZone, low, high, precision) => {
    const r = parseDateRange(value, timeZone === undefined ? undefined : { timeZone });
    expect(r).toBeDefined();
    expect({ low: iso(r!.low), high: iso(r!.high), precision: r!.precision }).toEqual({ low, high, precision });
  });

  it.each([
    ['2024-03-31', 'Europe/Amsterdam', 23],
    ['2024-10-27', 'Europe/Amsterdam', 25],
    ['2024-06-15', 'Europe/Amsterdam', 24],
    ['2024-03-31', 'UTC', 24],
    ['2024-11-03', 'America/New_York', 25],
    ['2024-10-06', 'Australia/Lord_Howe', 23.5],
  ])('%s in %s is a %d-hour day', (value, timeZone, hours) => {
    const r = parseDateRange(value, { timeZone })!;
    expect(r.high - r.low + 1).toBe(hours * HOUR);
  });
});

describe('parseDateRange: instant mode', () => {
  it.each<[string, string, DatePrecision]>([
    ['2013-01-14T10:00:05Z', '2013-01-14T10:00:05.000Z', 'second'],
    ['2013-01-14T10:00:05.1Z', '2013-01-14T10:00:05.100Z', 'millisecond'],
    ['2013-01-14T10:00:05.123Z', '2013-01-14T10:00:05.123Z', 'millisecond'],
    ['2013-01-14T10:00:05.1234+01:00', '2013-01-14T09:00:05.123Z', 'millisecond'],
    ['2013-01-14T10:00:05-03:00', '2013-01-14T13:00:05.000Z', 'second'],
  ])('%s is the point %s', (value, point, precision) => {
    const r = parseDateRange(value, { instant: true, timeZone: 'Europe/Amsterdam' })!;
    expect({ low: iso(r.low), high: iso(r.high), precision: r.precision }).toEqual({ low: point, high: point, precision });
  });

  it.each(['2013', '2013-01-14', '2013-01-14T10:00Z', '2013-01-14T10:00:05', '2013-01-14T10:00:05.123'])(
    'refuses %s (an instant needs seconds and an offset)',
    (value) => {
      expect(parseDateRange(value, { instant: true })).toBeUndefined();
    },
  );
});

describe('parseDateRange: invalid forms', () => {
  it.each([
    '',
    'garbage',
    '2013/01/14',
    '13',
    '201',
    '20130',
    '0000',
    '0000-01-01',
    ' 2013',
    '2013 ',
    '2013-01-14T10:00:00Z ',
    '२०१३', // non-ASCII digits
    '2023-02-29',
    '1900-02-29',
    '2023-13-01',
    '2023-00-10',
    '2023-01-00',
    '2023-01-32',
    '2023-04-31',
    '2023-1-01',
    '2023-01-1',
    '2013-01-14T',
    '2013-01-14T10',
    '2013-01-14T10Z',
    '2013-01-14T1:00',
    '2013-01-14T10:0',
    '2013-01-14T24:00',
    '2013-01-14T24:00:00Z',
    '2013-01-14T10:60',
    '2013-01-14T10:00:61Z',
    '2013-01-14T10:00:5Z',
    '2013-01-14T10:00:05.Z',
    '2013-01-14T10:00:05,5Z',
    '2013-01-14t10:00Z',
    '2013-01-14T10:00z',
    '2013-01-14 10:00Z',
    '2013-01-14T10:00+5:30',
    '2013-01-14T10:00+0530',
    '2013-01-14T10:00+05',
    '2013-01-14T10:00+14:30',
    '2013-01-14T10:00+15:00',
    '2013-01-14T10:00:00UTC',
    '2013-01-14Z',
    '2013-01Z',
    '2013Z',
    '2013-01-14+01:00',
    'ge2013',
    '2013-01-14T10%3A00',
  ])('refuses %j', (value) => {
    expect(parseDateRange(value)).toBeUndefined();
  });

  it('throws TypeError for an unknown zone, even when the value has its own offset', () => {
    expect(() => parseDateRange('2013', { timeZone: 'Nowhere/Nope' })).toThrow(TypeError);
    expect(() => parseDateRange('2013-01-14T10:00Z', { timeZone: 'Nowhere/Nope' })).toThrow(TypeError);
  });
});

describe('parseDateRange: properties', () => {
  const zones = ['UTC', 'Europe/Amsterdam', 'America/New_York', 'Asia/Kolkata'];
  const day = fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }).map((t) => new Date(t));

  it('nests: year ⊇ month ⊇ day ⊇ minute ⊇ second ⊇ millisecond, all low <= high', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), day, (timeZone, d) => {
        const full = d.toISOString().slice(0, 23); // local fields, no offset
        const forms = [full.slice(0, 4), full.slice(0, 7), full.slice(0, 10), full.slice(0, 16), full.slice(0, 19), full];
        const ranges = forms.map((f) => parseDateRange(f, { timeZone }));
        for (const r of ranges) expect(r !== undefined && r.low <= r.high).toBe(true);
        for (let i = 1; i < ranges.length; i++) {
          expect(ranges[i - 1]!.low <= ranges[i]!.low && ranges[i]!.high <= ranges[i - 1]!.high).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('formatInstant round-trips through instant parsing', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('0001-01-01T00:00:00.000Z'), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), (t) => {
        const s = formatInstant(t);
        expect(parseDateRange(s, { instant: true })).toEqual({ low: t, high: t, precision: 'millisecond' });
      }),
    );
  });
});

describe('formatInstant', () => {
  it.each([
    [0, '1970-01-01T00:00:00.000Z'],
    [Date.UTC(2024, 2, 31, 1, 30), '2024-03-31T01:30:00.000Z'],
    [Date.UTC(2013, 0, 14, 10, 0, 5, 7), '2013-01-14T10:00:05.007Z'],
  ])('%d → %s', (t, expected) => {
    expect(formatInstant(t)).toBe(expected);
  });

  it('throws RangeError for NaN', () => {
    expect(() => formatInstant(Number.NaN)).toThrow(RangeError);
  });
});
