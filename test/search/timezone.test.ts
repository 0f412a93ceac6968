import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertTimeZone, localToUtcMs, zoneOffsetMinutes, type LocalFields } from '../../src/search/dates/timezone.js';

const ms = (iso: string): number => Date.parse(iso);
const iso = (n: number): string => new Date(n).toISOString();

describe('zoneOffsetMinutes', () => {
  it.each([
    ['UTC', '2024-07-15T12:00:00.000Z', 0],
    ['Europe/Amsterdam', '2024-01-15T12:00:00.000Z', 60],
    ['Europe/Amsterdam', '2024-07-15T12:00:00.000Z', 120],
    // Spring forward at 01:00Z, fall back at 01:00Z (EU rule).
    ['Europe/Amsterdam', '2024-03-31T00:59:59.999Z', 60],
    ['Europe/Amsterdam', '2024-03-31T01:00:00.000Z', 120],
    ['Europe/Amsterdam', '2024-10-27T00:59:59.999Z', 120],
    ['Europe/Amsterdam', '2024-10-27T01:00:00.000Z', 60],
    ['America/New_York', '2024-01-15T12:00:00.000Z', -300],
    ['America/New_York', '2024-07-15T12:00:00.000Z', -240],
    ['America/New_York', '2024-03-10T06:59:59.999Z', -300],
    ['America/New_York', '2024-03-10T07:00:00.000Z', -240],
    ['Asia/Kolkata', '2024-07-15T12:00:00.000Z', 330],
    ['Asia/Kathmandu', '2020-01-01T00:00:00.000Z', 345],
    ['Etc/GMT+5', '2020-01-01T00:00:00.000Z', -300],
    // Local mean time -04:56:02 before 1883: seconds are kept as a fraction of a minute.
    ['America/New_York', '1800-01-01T00:00:00.000Z', -(4 * 60 + 56 + 2 / 60)],
  ])('%s at %s is %d', (zone, at, expected) => {
    expect(zoneOffsetMinutes(zone, ms(at))).toBeCloseTo(expected, 10);
  });

  it.each(['', 'Nowhere/Nope', 'Europe/Amsterdamm', 'GMT+25'])('throws TypeError for invalid zone %j', (zone) => {
    expect(() => zoneOffsetMinutes(zone, 0)).toThrow(TypeError);
    expect(() => assertTimeZone(zone)).toThrow(TypeError);
    expect(() => localToUtcMs({ y: 2024, m: 1, d: 1 }, zone)).toThrow(TypeError);
  });

  it('accepts valid zones in assertTimeZone', () => {
    expect(() => assertTimeZone('UTC')).not.toThrow();
    expect(() => assertTimeZone('Europe/Amsterdam')).not.toThrow();
  });
});

describe('localToUtcMs', () => {
  it.each<[string, LocalFields, string]>([
    ['UTC', { y: 2013, m: 1, d: 14 }, '2013-01-14T00:00:00.000Z'],
    ['Europe/Amsterdam', { y: 2013, m: 1, d: 14 }, '2013-01-13T23:00:00.000Z'],
    ['Europe/Amsterdam', { y: 2024, m: 7, d: 1, h: 12, min: 34, s: 56, ms: 789 }, '2024-07-01T10:34:56.789Z'],
    // Gap: 02:30 does not exist; read with the old offset (+01:00), landing at 03:30+02:00.
    ['Europe/Amsterdam', { y: 2024, m: 3, d: 31, h: 2, min: 30 }, '2024-03-31T01:30:00.000Z'],
    ['Europe/Amsterdam', { y: 2024, m: 3, d: 31, h: 1, min: 59 }, '2024-03-31T00:59:00.000Z'],
    ['Europe/Amsterdam', { y: 2024, m: 3, d: 31, h: 3, min: 0 }, '2024-03-31T01:00:00.000Z'],
    // Overlap: 02:30 happens twice; the earlier (+02:00) is chosen.
    ['Europe/Amsterdam', { y: 2024, m: 10, d: 27, h: 2, min: 30 }, '2024-10-27T00:30:00.000Z'],
    ['Europe/Amsterdam', { y: 2024, m: 10, d: 27, h: 1, min: 59 }, '2024-10-26T23:59:00.000Z'],
    ['Europe/Amsterdam', { y: 2024, m: 10, d: 27, h: 3, min: 0 }, '2024-10-27T02:00:00.000Z'],
    // The same rule west of UTC (where a naive first guess would land on the other side).
    ['America/New_York', { y: 2024, m: 3, d: 10, h: 2, min: 30 }, '2024-03-10T07:30:00.000Z'],
    ['America/New_York', { y: 2024, m: 11, d: 3, h: 1, min: 30 }, '2024-11-03T05:30:00.000Z'],
    ['America/New_York', { y: 2024, m: 11, d: 3, h: 2, min: 0 }, '2024-11-03T07:00:00.000Z'],
    // Midnight in a gap (Chile moves 00:00 → 01:00): the day starts at 01:00-03:00.
    ['America/Santiago', { y: 2024, m: 9, d: 8 }, '2024-09-08T04:00:00.000Z'],
    // Years below 100 are not shifted to the 1900s.
    ['UTC', { y: 5, m: 6, d: 1 }, '0005-06-01T00:00:00.000Z'],
    ['America/New_York', { y: 1, m: 1, d: 1 }, '0001-01-01T04:56:02.000Z'],
  ])('%s %o → %s', (zone, fields, expected) => {
    expect(iso(localToUtcMs(fields, zone))).toBe(expected);
  });

  it('round-trips every instant to the same or an earlier instant with the same wall clock (property)', () => {
    const zones = ['Europe/Amsterdam', 'America/New_York', 'America/Santiago', 'Australia/Lord_Howe', 'Asia/Kolkata'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.oneof(
          fc.integer({ min: Date.UTC(1950, 0, 1), max: Date.UTC(2050, 0, 1) }),
          // Dense around the 2024 EU and US transitions, where gaps and overlaps are.
          fc.integer({ min: Date.UTC(2024, 2, 30, 20), max: Date.UTC(2024, 2, 31, 6) }),
          fc.integer({ min: Date.UTC(2024, 9, 26, 20), max: Date.UTC(2024, 9, 27, 6) }),
          fc.integer({ min: Date.UTC(2024, 10, 3, 3), max: Date.UTC(2024, 10, 3, 9) }),
        ),
        (zone, t) => {
          const wall = (x: number): number => x + zoneOffsetMinutes(zone, x) * 60_000;
          const w = wall(t);
          const d = new Date(w);
          const fields: LocalFields = {
            y: d.getUTCFullYear(),
            m: d.getUTCMonth() + 1,
            d: d.getUTCDate(),
            h: d.getUTCHours(),
            min: d.getUTCMinutes(),
            s: d.getUTCSeconds(),
            ms: d.getUTCMilliseconds(),
          };
          const back = localToUtcMs(fields, zone);
          // Equal, or the first occurrence of a doubled wall time.
          expect(back <= t).toBe(true);
          expect(wall(back)).toBe(w);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
