import { firstValueFrom, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { replicate, type Replication, type ReplicationState } from '../../src/index.js';
import { platformEnvironment } from '../../src/sync/environment.js';
import { AuthorizationError, RetryableError } from '../../src/sync/errors.js';
import { retryDelay, retrying } from '../../src/sync/retryer.js';
import { reduceState, type ReplicationEvent } from '../../src/sync/state.js';
import { steppingClock } from '../../src/util/clock.js';
import { selection } from '../helpers.js';
import { syncHarness } from './harness.js';
import { when } from './proxy.js';
import { virtualTime } from './virtual-time.js';

/*
 * The sync runtime on injected time: the environment, the retryer, the state reducer, and what stop() and
 * store.close() leave behind. Replication talks to the real server through the fault proxy; every timer is virtual.
 */

const h = syncHarness({ proxy: true });
const IS = 'ImagingSelection';

/** What `source` emits synchronously while being subscribed to. */
function emittedAtOnce<T>(source: Observable<T>): T[] {
  const got: T[] = [];
  source.subscribe((v) => got.push(v)).unsubscribe();
  return got;
}

/** Requests the proxy saw, as `METHOD path`. */
const requests = (): string[] => h.proxy.log.map((e) => `${e.method} ${e.path}`);

describe('reduceState: the one place state changes', () => {
  const cases: [ReplicationState, ReplicationEvent, ReplicationState][] = [
    ['idle', { type: 'push-started' }, 'pushing'],
    ['pushing', { type: 'pull-started' }, 'pulling'],
    ['pulling', { type: 'cycle-succeeded' }, 'idle'],
    ['pushing', { type: 'attempt-failed', failure: 'retryable' }, 'offline'],
    ['pulling', { type: 'attempt-failed', failure: 'authorization' }, 'paused'],
    ['pushing', { type: 'attempt-failed', failure: 'fatal' }, 'error'],
    ['offline', { type: 'stopped' }, 'idle'],
    ['paused', { type: 'stopped' }, 'paused'],
    ['error', { type: 'stopped' }, 'error'],
    ['idle', { type: 'platform-offline' }, 'offline'],
    ['offline', { type: 'push-started' }, 'pushing'],
  ];
  it.each(cases)('%s + %o → %s', (state, event, next) => {
    expect(reduceState(state, event)).toBe(next);
  });
});

describe('the retryer', () => {
  const policy = { initialDelay: 1000, maxDelay: 8000, maxAttempts: 4 };

  it('backs off exponentially with jitter from the injected random, up to maxDelay', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelay(n, policy, () => 0))).toEqual([500, 1000, 2000, 4000, 4000]);
    expect([1, 2, 3, 4, 5].map((n) => retryDelay(n, policy, () => 0.5))).toEqual([750, 1500, 3000, 6000, 6000]);
  });

  it('never waits less than Retry-After', () => {
    expect(retryDelay(1, policy, () => 0, 5000)).toBe(5000);
    expect(retryDelay(4, policy, () => 0, 10)).toBe(4000);
  });

  it('retries a RetryableError on the injected timers until it succeeds', async () => {
    const time = virtualTime();
    let attempts = 0;
    const task = async (): Promise<string> => {
      if (++attempts < 3) throw new RetryableError('transient', attempts === 2 ? 9000 : undefined);
      return 'done';
    };
    const errors: unknown[] = [];
    const result = time.settle(retrying(task, { policy, env: time.env, signal: new AbortController().signal, onError: (e) => errors.push(e) }));
    expect(await result).toBe('done');
    expect(time.delays).toEqual([750, 9000]); // the second wait is the server's Retry-After
    expect(errors).toHaveLength(2);
    expect(time.now() - Date.parse('2025-06-01T00:00:00.000Z')).toBe(9750);
  });

  it('gives up after maxAttempts, and at once on any other error', async () => {
    const time = virtualTime();
    let attempts = 0;
    const failing = async (): Promise<never> => {
      attempts++;
      throw new RetryableError('down');
    };
    await expect(time.settle(retrying(failing, { policy, env: time.env, signal: new AbortController().signal }))).rejects.toThrow('down');
    expect(attempts).toBe(4);
    const refused = retrying(async () => Promise.reject(new AuthorizationError('401')), { policy, env: time.env, signal: new AbortController().signal });
    await expect(refused).rejects.toBeInstanceOf(AuthorizationError);
    expect(time.delays).toHaveLength(3);
  });

  it('an abort ends the wait at once and cancels its timer', async () => {
    const time = virtualTime();
    const stop = new AbortController();
    const run = retrying(async () => Promise.reject(new RetryableError('down')), { policy, env: time.env, signal: stop.signal });
    await time.nextTimer();
    stop.abort();
    await expect(run).rejects.toThrow('down');
    expect(time.armed()).toBe(0);
  });
});

describe('platformEnvironment', () => {
  it('takes each part given and the platform default of the others (undefined counts as not given)', () => {
    const clock = steppingClock();
    const random = (): number => 0.25;
    const env = platformEnvironment(clock, { random, schedule: undefined });
    expect(env.random).toBe(random);
    expect(env.clock).toBe(clock);
    expect(env.online.current).toBe(true); // Node: no navigator.onLine
    let ran = false;
    env.schedule(0, () => (ran = true))();
    expect(ran).toBe(false); // cancelled before it could run
  });
});

describe('replication on the injected environment', () => {
  it('backoff waits come from the injected random, and an HTTP-date Retry-After is read on the injected clock', async () => {
    const store = await h.client();
    const id = h.uid('rand');
    await store.update(selection({ id }));
    h.time.setRandom(0);
    h.proxy.rules.push(when({ method: 'PUT', path: `${IS}/${id}` }, 'refuse', 2));
    const retry = { initialDelay: 1000, maxDelay: 8000, maxAttempts: 4 };
    const rep = store.replicate({ baseUrl: h.proxy.url, retry, environment: h.time.env });
    await h.sync(rep);
    expect(h.time.delays).toEqual([500, 1000]);

    // A date 7 s after the virtual now: only the injected clock makes that a 7 s wait (the wall clock is months off).
    h.time.advance(1000 - (h.time.now() % 1000)); // HTTP dates have whole seconds
    const at = new Date(h.time.now() + 7000).toUTCString();
    await store.update(selection({ id, status: 'unknown' }));
    h.proxy.rules.push(when({ method: 'PUT', path: `${IS}/${id}` }, { status: 503, headers: { 'Retry-After': at } }, 1));
    const report = await h.sync(rep);
    expect(h.time.delays.slice(2)).toEqual([7000]);
    expect(report.pushed).toMatchObject([{ id, op: 'update' }]);
  });

  it('stop() leaves no timer armed and no cycle runs after it, also when another tab held the lock', async () => {
    const store = await h.client();
    await store.update(selection({ id: h.uid('lock') }));
    h.time.setLockHeld(true);
    const rep = store.replicate({ baseUrl: h.proxy.url, live: true, interval: 10_000, environment: h.time.env });
    await h.time.whenArmed(2); // the interval tick, and the retry after the lock was found held
    rep.stop();
    expect(h.time.armed()).toBe(0);
    expect(h.time.onlineListeners()).toBe(0);
    h.time.setLockHeld(false);
    h.time.advance(60_000);
    await store.update(selection({ id: h.uid('after-stop') }));
    expect(rep.state).toBe('idle');
    expect(requests()).toEqual([]); // the lock was never free while live: nothing was ever sent
    await waitForValue(rep, 2);
  });

  it('live sync runs on the injected timers: the retry after another tab held the lock, then the interval', async () => {
    const store = await h.client();
    const id = h.uid('live');
    await store.update(selection({ id }));
    h.time.setLockHeld(true);
    const rep = store.replicate({ baseUrl: h.proxy.url, live: true, interval: 10_000, environment: h.time.env });
    await h.time.whenArmed(2); // the interval tick, and the retry after the lock was found held
    expect(requests()).toEqual([]);
    h.time.setLockHeld(false);
    h.time.advance(500);
    expect(rep.state).toBe('pushing'); // the lock retry started a cycle
    await rep.syncOnce(); // joins it
    expect(await h.remote.read(`${IS}/${id}`)).toBeDefined();
    const sent = requests().length;
    h.time.advance(9_499);
    expect(rep.state).toBe('idle');
    h.time.advance(1);
    expect(rep.state).toBe('pushing'); // the interval
    await rep.syncOnce();
    expect(requests().length).toBeGreaterThan(sent);
    expect(h.time.armed()).toBe(1); // the next tick only
    rep.stop();
    expect(h.time.armed()).toBe(0);
  });

  it('online and offline come from the injected environment', async () => {
    const store = await h.client();
    const rep = replicate(store, { baseUrl: h.proxy.url, live: true, environment: h.time.env });
    await rep.syncOnce(); // the first live cycle (joined)
    expect(h.time.onlineListeners()).toBe(1);
    h.time.setOnline(false);
    expect(rep.state).toBe('offline');
    const before = h.proxy.log.length;
    h.time.setOnline(true);
    expect(rep.state).toBe('pushing'); // coming online starts a cycle at once
    await rep.syncOnce();
    expect(rep.state).toBe('idle');
    expect(h.proxy.log.length).toBeGreaterThan(before);
    rep.stop();
    expect(h.time.onlineListeners()).toBe(0);
  });

  it('pending$, conflicts$, deadLetters$ and state$ emit their current value synchronously on subscribe', async () => {
    const store = await h.client();
    await store.update(selection({ id: h.uid('held') }));
    for (const rep of [replicate(store, { baseUrl: h.proxy.url, environment: h.time.env }), store.replicate({ baseUrl: h.proxy.url, environment: h.time.env })]) {
      expect(await firstValueFrom(rep.pending$)).toBe(1); // the first read after creation
      expect(emittedAtOnce(rep.state$)).toEqual(['idle']);
      expect(emittedAtOnce(rep.pending$)).toEqual([1]);
      expect(emittedAtOnce(rep.conflicts$)).toEqual([[]]);
      expect(emittedAtOnce(rep.deadLetters$)).toEqual([[]]);
    }
  });

  it('pending$ follows the outbox and holds its latest value', async () => {
    const store = await h.client();
    const rep = replicate(store, { baseUrl: h.proxy.url, environment: h.time.env });
    expect(await firstValueFrom(rep.pending$)).toBe(0);
    const seen: number[] = [];
    const sub = rep.pending$.subscribe((n) => seen.push(n));
    await store.update(selection({ id: h.uid('p1') }));
    await waitForValue(rep, 1);
    expect(emittedAtOnce(rep.pending$)).toEqual([1]);
    await h.sync(rep);
    await waitForValue(rep, 0);
    expect([seen[0], seen.at(-1)]).toEqual([0, 0]);
    expect(seen).toContain(1);
    sub.unsubscribe();
  });

  it('store.close() stops every replication of the store: no timer, no listener, the streams complete', async () => {
    const store = await h.client();
    const direct = replicate(store, { baseUrl: h.proxy.url, live: true, interval: 10_000, environment: h.time.env });
    const lazy = store.replicate({ baseUrl: h.proxy.url, live: true, interval: 10_000, environment: h.time.env });
    await direct.syncOnce();
    await lazy.syncOnce();
    expect(h.time.armed()).toBe(2);
    expect(h.time.onlineListeners()).toBe(2);
    let completed = 0;
    for (const rep of [direct, lazy]) rep.pending$.subscribe({ complete: () => completed++ });
    store.close();
    expect(h.time.armed()).toBe(0);
    expect(h.time.onlineListeners()).toBe(0);
    expect(completed).toBe(2);
    direct.start(); // a closed store's replication does not start again
    expect(h.time.armed()).toBe(0);
  });
});

/** Resolves when `rep.pending$` emits `n` (at once when it holds `n`). */
async function waitForValue(rep: Replication, n: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const sub = rep.pending$.subscribe((v) => {
      if (v === n) {
        resolve();
        queueMicrotask(() => sub.unsubscribe());
      }
    });
  });
}
