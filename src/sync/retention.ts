import type { SkippedEviction } from '../storage/evict.js';
import type { SyncContext } from './context.js';
import { DURATION } from './retention-check.js';

/**
 * How long a device keeps the resources of one type: those older than `olderThan` (an ISO 8601 duration such as
 * `P90D`, `P1Y`, `PT12H`) are evicted locally, never deleted on the server.
 * @see https://hl7.org/fhir/R5/datatypes.html#dateTime (the dates compared) and ISO 8601 durations
 */
export interface RetentionRule {
  /** An ISO 8601 duration (`PnYnMnWnDTnHnMnS`): resources older than now minus this go. */
  olderThan: string;
  /**
   * What "older" is measured on: a date search parameter of the type (e.g. `issued` for ImagingSelection: the
   * clinical age of the data), or `lastUpdated` (the default: `_lastUpdated` of the version this device holds, i.e.
   * when it was pulled or last changed here). A resource without a value for the parameter is kept.
   */
  field?: string;
}

/**
 * Retention per resource type, e.g. `{ ImagingSelection: { olderThan: 'P90D', field: 'issued' } }`: applied by
 * replication after each complete pull cycle and by `replication.expire()`.
 * @see https://hl7.org/fhir/R5/search.html#date
 */
export type RetentionOptions = Readonly<Record<string, RetentionRule>>;

/** What one application of retention evicted and kept. */
export interface RetentionReport {
  /** Resources evicted as expired. */
  expired: number;
  /** Expired resources kept because the server has not confirmed them (pending, conflict, dead letter, local-only). */
  skipped: SkippedEviction[];
}

/**
 * `now` minus an ISO 8601 duration, in calendar terms (UTC: years, months and days on the calendar, as `Date`
 * counts them, so `P1M` before March 31st is "February 31st", March 3rd; then hours, minutes, seconds); undefined
 * when `duration` is not one.
 * @see https://www.iso.org/standard/70907.html (ISO 8601-1, durations)
 */
export function minusDuration(now: Date, duration: string): Date | undefined {
  const m = DURATION.exec(duration);
  if (!m) return undefined;
  const n = (i: number): number => Number(m[i] ?? 0);
  const d = new Date(now.getTime());
  d.setUTCFullYear(d.getUTCFullYear() - n(1), d.getUTCMonth() - n(2), d.getUTCDate() - 7 * n(3) - n(4));
  return new Date(d.getTime() - ((n(5) * 60 + n(6)) * 60 + n(7)) * 1000);
}

/**
 * The searches that select what retention expires at `now`: `[field]=lt[now - olderThan]` per type (`_lastUpdated`
 * for `lastUpdated`).
 * @see https://hl7.org/fhir/R5/search.html#prefix
 */
export function retentionCriteria(retention: RetentionOptions, now: Date): { type: string; search: string }[] {
  return Object.entries(retention).map(([type, rule]) => {
    const cutoff = minusDuration(now, rule.olderThan);
    if (cutoff === undefined) throw new TypeError(`retention: ${type}.olderThan is not an ISO 8601 duration`);
    const field = rule.field === undefined || rule.field === 'lastUpdated' ? '_lastUpdated' : rule.field;
    return { type, search: `${field}=lt${encodeURIComponent(cutoff.toISOString())}` };
  });
}

/**
 * Applies retention now, by the store's clock: the expired resources are evicted locally (reason `expired`),
 * those with a change the server has not confirmed are kept and reported. A resource evicted this way that the
 * server changes later comes back with the next pull only while it is inside the window: one still older is
 * evicted again by the retention that follows that pull.
 * @see https://hl7.org/fhir/R5/search.html#prefix
 */
export async function applyRetention(ctx: SyncContext, retention: RetentionOptions): Promise<RetentionReport> {
  if (!ctx.evictMatching) return { expired: 0, skipped: [] };
  const done = await ctx.evictMatching(retentionCriteria(retention, ctx.clock()), 'expired');
  return { expired: done.purged, skipped: done.skipped };
}
