import { systemClock, type Clock } from '../util/clock.js';

/**
 * Wraps a clock so that it never goes back: every call answers `max(now, last + 1 ms)`.
 *
 * Why: replication keeps the first history page's `Bundle.meta.lastUpdated` as the server's clock and asks
 * for `_since` that instant next time (https://hl7.org/fhir/R5/http.html#history). If the system clock steps
 * back (NTP, a VM resumed), a later write could get an older `meta.lastUpdated` than a Bundle already handed
 * out, and a client would never pull it. Strictly increasing also means no two writes share an instant.
 */
export function monotonicClock(source: Clock = systemClock): Clock {
  let last = -Infinity;
  return () => {
    last = Math.max(source().getTime(), last + 1);
    return new Date(last);
  };
}
