/**
 * A synchronous source of the current time. Injected so tests are deterministic; synchronous because it is
 * called inside IndexedDB transactions, which commit at the first non-IndexedDB await.
 */
export type Clock = () => Date;

/** The platform clock. */
export const systemClock: Clock = () => new Date();

/**
 * A clock for tests: starts at `start` and moves forward `stepMs` on every call, so that every write gets a
 * distinct, increasing `meta.lastUpdated`.
 */
export function steppingClock(start: string | Date = '2025-01-01T00:00:00.000Z', stepMs = 1000): Clock {
  let t = new Date(start).getTime() - stepMs;
  return () => {
    t += stepMs;
    return new Date(t);
  };
}
