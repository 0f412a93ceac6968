/**
 * FHIR date, dateTime and instant values as inclusive ranges of epoch milliseconds at their precision: the
 * "implicit range" that date search compares against.
 * @see https://hl7.org/fhir/R5/datatypes.html#dateTime
 * @see https://hl7.org/fhir/R5/search.html#date
 * @module
 */
import { assertTimeZone, localToUtcMs, utcFieldsToMs, type LocalFields } from './timezone.js';

/**
 * How much of a date value was given. Fractional seconds of any length report `'millisecond'`; a fraction
 * with fewer than three digits still covers its implicit range (`.1` = 100 ms), see {@link parseDateRange}.
 */
export type DatePrecision = 'year' | 'month' | 'day' | 'minute' | 'second' | 'millisecond';

/**
 * An inclusive range of epoch milliseconds: `high` is the last millisecond inside the range, so a point
 * has `low === high`. Index keys are these two integers.
 */
export interface DateRange {
  low: number;
  high: number;
  precision: DatePrecision;
}

/** Options of {@link parseDateRange}. */
interface ParseDateOptions {
  /** IANA zone in which values without an offset are read. Default `'UTC'`. */
  timeZone?: string;
  /**
   * Parse as an R5 `instant` (e.g. `meta.lastUpdated`, `issued`): seconds and an offset are required and the
   * result is a point (`low === high`), since the spec treats instants as zero-width.
   */
  instant?: boolean;
}

// Year 0000 is not a FHIR year. Month/day digits are checked here, day-of-month validity below.
// Hour 24 is excluded; second 60 is a leap second, allowed by the R5 regex.
// The offset follows R5: 00:00..13:59 or 14:00; it is only allowed after a time (a date has no zone).
// Minutes without seconds are a search-value form (search.html#date: "seconds optional").
const DATE_RE =
  /^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01])(?:T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d|60)(?:\.(\d+))?)?(Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?)?)?)?$/;

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * Parses a FHIR `date`, `dateTime` or `instant` (or a date search value) into the inclusive range of epoch
 * milliseconds it stands for, or `undefined` when it is not a valid lexical form.
 *
 * - `YYYY`, `YYYY-MM`, `YYYY-MM-DD`: from local midnight of the first day to the last millisecond of the
 *   period, in `timeZone` (a DST day in Europe/Amsterdam is 23 or 25 hours long).
 * - `YYYY-MM-DDThh:mm` (search values only need minutes), `…:ss`, `…:ss.f+`, each with `Z`, `±hh:mm`, or no
 *   offset (read in `timeZone`). Minutes cover 60 s, seconds 1000 ms.
 * - Fractions: three or more digits are a point (digits past the millisecond are truncated: `.1239` lies
 *   inside millisecond 123); fewer digits keep their implicit range (`.1` → `.100`–`.199`, `.12` →
 *   `.120`–`.129`), as FHIR ranges follow the precision written. Precision is `'millisecond'` for all.
 * - Leap second `:60` (allowed by the R5 regex): epoch ms have no leap seconds, so it is folded onto the last
 *   millisecond of its minute.
 * - Refused: lowercase `t`/`z`, hour without minutes, `24:00`, year 0000, impossible days (`2023-02-29`),
 *   an offset on a date without time, offsets beyond ±14:00.
 *
 * @throws TypeError when `options.timeZone` is not a known IANA zone.
 * @see https://hl7.org/fhir/R5/datatypes.html#dateTime
 * @see https://hl7.org/fhir/R5/search.html#date
 */
export function parseDateRange(value: string, options: ParseDateOptions = {}): DateRange | undefined {
  const timeZone = options.timeZone ?? 'UTC';
  assertTimeZone(timeZone); // also when the value has its own offset: a bad option must not pass unnoticed
  const match = DATE_RE.exec(value);
  if (match === null) return undefined;
  const [, ys, ms, ds, hs, mins, ss, frac, zone] = match;
  const y = Number(ys);
  if (y === 0) return undefined;

  if (options.instant === true && (ss === undefined || zone === undefined)) return undefined;

  if (ms === undefined) {
    const low = localToUtcMs({ y, m: 1, d: 1 }, timeZone);
    return { low, high: localToUtcMs({ y: y + 1, m: 1, d: 1 }, timeZone) - 1, precision: 'year' };
  }
  const m = Number(ms);
  if (ds === undefined) {
    const low = localToUtcMs({ y, m, d: 1 }, timeZone);
    return { low, high: localToUtcMs({ y, m: m + 1, d: 1 }, timeZone) - 1, precision: 'month' };
  }
  const d = Number(ds);
  if (d > daysInMonth(y, m)) return undefined;
  if (hs === undefined || mins === undefined) {
    // Next local midnight, not low + 24h: DST days are 23 or 25 hours long.
    const low = localToUtcMs({ y, m, d }, timeZone);
    return { low, high: localToUtcMs({ y, m, d: d + 1 }, timeZone) - 1, precision: 'day' };
  }

  const leapSecond = ss === '60';
  const fields: LocalFields = { y, m, d, h: Number(hs), min: Number(mins), s: leapSecond ? 59 : Number(ss ?? 0) };
  let precision: DatePrecision;
  let width: number; // ms covered beyond low
  if (ss === undefined) {
    precision = 'minute';
    width = MINUTE_MS - 1;
  } else if (frac === undefined) {
    precision = 'second';
    width = SECOND_MS - 1;
  } else {
    precision = 'millisecond';
    const digits = frac.slice(0, 3);
    fields.ms = Number(digits.padEnd(3, '0'));
    width = 10 ** (3 - digits.length) - 1;
  }
  if (leapSecond) {
    fields.ms = 999;
    width = 0;
  }

  // A sub-day range is a fixed duration from its start; computing its end from the next wall-clock minute
  // would stretch it across a fall-back overlap.
  const low =
    zone === undefined
      ? localToUtcMs(fields, timeZone)
      : utcFieldsToMs(fields) - offsetMinutes(zone) * MINUTE_MS;
  if (options.instant === true) return { low, high: low, precision };
  return { low, high: low + width, precision };
}

/** Minutes east of UTC of a lexical `Z` / `±hh:mm`. */
function offsetMinutes(zone: string): number {
  if (zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
}

/**
 * Formats epoch ms as an R5 `instant` with milliseconds and `Z`, e.g. `2024-03-31T01:30:00.000Z`
 * (the form this store writes into `meta.lastUpdated`).
 * @throws RangeError when `ms` is not a representable time.
 * @see https://hl7.org/fhir/R5/datatypes.html#instant
 */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString();
}
