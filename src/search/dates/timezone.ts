/**
 * IANA time-zone arithmetic on top of `Intl.DateTimeFormat`, for reading FHIR dates that carry no offset.
 *
 * FHIR search says: "if neither side has a time zone, assume server local time"; this store is the server,
 * and its "local time" is the zone given to `openStore` (default `UTC`).
 * @see https://hl7.org/fhir/R5/search.html#date
 * @module
 */

/** Wall-clock fields; `m` is 1-based (1 = January). Omitted time fields are 0. */
export interface LocalFields {
  y: number;
  m: number;
  d: number;
  h?: number;
  min?: number;
  s?: number;
  ms?: number;
}

const DAY_MS = 86_400_000;

// Formatter construction is the expensive part (~tens of µs); a zone is used for every date of every write.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        // h23, not hour12:false: the latter renders midnight as "24" on some ICU versions.
        hourCycle: 'h23',
        era: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new TypeError(`Unknown time zone '${timeZone}': expected an IANA zone name such as 'Europe/Amsterdam' or 'UTC'`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * Throws a `TypeError` unless `timeZone` is an IANA zone this platform knows. For validating options up front
 * (e.g. in `openStore`), so that a bad zone fails once instead of on the first date read.
 * @see https://hl7.org/fhir/R5/search.html#date
 */
export function assertTimeZone(timeZone: string): void {
  formatterFor(timeZone);
}

/**
 * Epoch ms of wall-clock fields read as UTC. Unlike `Date.UTC`, years 0–99 are not shifted to 1900–1999.
 * Fields out of range roll over (month 13 = January of the next year), which callers use for "next period".
 */
export function utcFieldsToMs(f: LocalFields): number {
  const d = new Date(0);
  d.setUTCFullYear(f.y, f.m - 1, f.d);
  d.setUTCHours(f.h ?? 0, f.min ?? 0, f.s ?? 0, f.ms ?? 0);
  return d.getTime();
}

/**
 * The offset of `timeZone` from UTC at the instant `utcMs`, in minutes east of UTC
 * (Europe/Amsterdam in summer: 120; America/New_York in winter: -300).
 *
 * Resolution is one second: historic local mean times (e.g. Amsterdam's +00:19:32 before 1937) give a
 * fractional number of minutes, which is kept so that {@link localToUtcMs} stays exact.
 * @throws TypeError when `timeZone` is not a known IANA zone.
 * @see https://hl7.org/fhir/R5/search.html#date
 */
export function zoneOffsetMinutes(timeZone: string, utcMs: number): number {
  const f = formatterFor(timeZone);
  if (timeZone === 'UTC') return 0;
  // Intl renders whole seconds; compare against the instant truncated to its second.
  const wholeSecond = utcMs - (((utcMs % 1000) + 1000) % 1000);
  const parts = f.formatToParts(wholeSecond);
  const field = (type: Intl.DateTimeFormatPartTypes, absent: number): number => {
    const part = parts.find((p) => p.type === type);
    return part === undefined ? absent : Number(part.value);
  };
  // Astronomical year numbering: 1 BC is year 0 (reachable near 0001-01-01 with a negative offset).
  const bc = parts.some((p) => p.type === 'era' && p.value.startsWith('B'));
  const year = field('year', 0);
  const fields = { y: bc ? 1 - year : year, m: field('month', 1), d: field('day', 1), h: field('hour', 0) % 24, min: field('minute', 0), s: field('second', 0) };
  return (utcFieldsToMs(fields) - wholeSecond) / 60_000;
}

/**
 * Reads wall-clock `fields` in `timeZone` and returns the instant as epoch ms.
 *
 * Around a transition a wall time can be missing (spring-forward gap) or doubled (fall-back overlap). Both
 * are resolved with the offset in force *before* the transition, in every zone alike:
 * - overlap: the earlier of the two instants (Amsterdam 2024-10-27 02:30 → 00:30Z, i.e. +02:00);
 * - gap: the wall time is read with the old offset and so lands after the gap
 *   (Amsterdam 2024-03-31 02:30 → 01:30Z = 03:30+02:00).
 * This is what `Temporal`'s `disambiguation: 'compatible'` does, and it makes a local midnight that falls
 * into a gap start the day at the first wall time that exists.
 *
 * How: the offsets one day before and one day after are candidates (a transition moves the offset by at
 * most a few hours, so the true instant lies between them); each candidate is checked by computing the
 * offset again at the instant it yields.
 * @throws TypeError when `timeZone` is not a known IANA zone.
 * @see https://hl7.org/fhir/R5/search.html#date
 */
export function localToUtcMs(fields: LocalFields, timeZone: string): number {
  const asUtc = utcFieldsToMs(fields);
  const before = zoneOffsetMinutes(timeZone, asUtc - DAY_MS);
  const after = zoneOffsetMinutes(timeZone, asUtc + DAY_MS);
  const withBefore = asUtc - before * 60_000;
  if (before === after) return withBefore; // no transition nearby: the common case, two lookups
  if (zoneOffsetMinutes(timeZone, withBefore) === before) return withBefore; // not in a gap; earlier in an overlap
  const withAfter = asUtc - after * 60_000;
  if (zoneOffsetMinutes(timeZone, withAfter) === after) return withAfter; // after the transition
  return withBefore; // in the gap
}
