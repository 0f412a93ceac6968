import type { OnlineState, SyncEnvironment } from '../../src/index.js';

/** A timer armed on virtual time. */
interface Timer {
  at: number;
  run: () => void;
}

/**
 * A {@link SyncEnvironment} on virtual time, for tests: timers fire only when the test advances the clock,
 * `random` returns what the test sets, online state is switched by the test, and every delay ever asked for
 * is recorded. Nothing waits for the wall clock.
 */
export function virtualTime(start = Date.parse('2025-06-01T00:00:00.000Z')) {
  let now = start;
  let seq = 0;
  let online = true;
  let randomValue = 0.5;
  const timers = new Map<number, Timer>();
  const onlineListeners = new Set<(online: boolean) => void>();
  let lockHeld = false;
  /** Waiting for at least `count` timers to be armed. */
  const waiters = new Set<{ count: number; resolve: () => void }>();
  /** Every delay passed to `schedule`, in order. */
  const delays: number[] = [];

  const onlineState: OnlineState = {
    get current() {
      return online;
    },
    subscribe(listener) {
      onlineListeners.add(listener);
      return () => onlineListeners.delete(listener);
    },
  };
  const env: SyncEnvironment = {
    schedule(ms, run) {
      const id = ++seq;
      timers.set(id, { at: now + ms, run });
      delays.push(ms);
      for (const w of [...waiters]) if (timers.size >= w.count) (waiters.delete(w), w.resolve());
      return () => void timers.delete(id);
    },
    clock: () => new Date(now),
    random: () => randomValue,
    online: onlineState,
    // Held by "another tab" when the test says so.
    locks: { request: (_name, _options, fn) => fn(lockHeld ? null : true) },
  };

  /** The earliest armed timer. */
  const earliest = (): [number, Timer] | undefined => [...timers.entries()].sort(([, a], [, b]) => a.at - b.at)[0];

  /** Moves the clock `ms` forward, firing each timer that falls due, in order. */
  function advance(ms: number): void {
    const until = now + ms;
    for (let next = earliest(); next && next[1].at <= until; next = earliest()) {
      timers.delete(next[0]);
      now = next[1].at;
      next[1].run();
    }
    now = until;
  }

  return {
    env,
    /** The virtual time, epoch ms. */
    now: () => now,
    /** Timers armed and not yet fired or cancelled. */
    armed: () => timers.size,
    /** Every delay asked for so far. */
    delays,
    /** What `random()` returns from now on. */
    setRandom(value: number): void {
      randomValue = value;
    },
    /** Switches the platform online or offline, telling the subscribers as the browser's events would. */
    setOnline(value: boolean): void {
      online = value;
      for (const l of [...onlineListeners]) l(value);
    },
    /** Subscribers to the online state. */
    onlineListeners: () => onlineListeners.size,
    advance,
    /** Makes the replication lock held by another tab (`true`) or free. */
    setLockHeld(held: boolean): void {
      lockHeld = held;
    },
    /** Resolves as soon as `count` timers are armed (at once when they are). */
    whenArmed(count: number): Promise<void> {
      if (timers.size >= count) return Promise.resolve();
      return new Promise<void>((resolve) => void waiters.add({ count, resolve }));
    },
    /** Resolves as soon as a timer is armed (at once when one is). */
    nextTimer(): Promise<void> {
      return this.whenArmed(1);
    },
    /**
     * Awaits `work`, moving virtual time to each timer as soon as one is armed while it runs (a backoff wait
     * passes at once). For work that arms no repeating timer: with live sync, await `syncOnce()` itself.
     */
    async settle<T>(work: Promise<T>): Promise<T> {
      let done = false;
      const finished = work.then(
        () => (done = true),
        () => (done = true),
      );
      for (let fired = 0; ; fired++) {
        // A repeating timer would move time forward for ever while a request is on the wire.
        if (fired > 100) throw new Error('settle: more than 100 timers fired; is a repeating timer armed?');
        await Promise.race([finished, this.nextTimer()]);
        if (done) return work;
        const next = earliest();
        if (next) advance(next[1].at - now);
      }
    },
  };
}

/** A virtual time, as {@link virtualTime} makes it. */
export type VirtualTime = ReturnType<typeof virtualTime>;
