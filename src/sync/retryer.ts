import type { SyncEnvironment } from './environment.js';
import { RetryableError } from './errors.js';

/** How failed attempts are retried: exponential backoff, in ms. */
export interface RetryPolicy {
  /** Delay before the first retry; it doubles with each attempt. */
  initialDelay: number;
  /** Longest delay between attempts. */
  maxDelay: number;
  /** Attempts before giving up (the first one included). */
  maxAttempts: number;
}

/** The defaults of the `retry` replication option. */
export const DEFAULT_RETRY: RetryPolicy = { initialDelay: 500, maxDelay: 30_000, maxAttempts: 5 };

/**
 * The wait after failed attempt number `attempt` (1-based): the exponential backoff with full jitter on its
 * upper half (so many devices do not retry in step), and never shorter than the server's `Retry-After`.
 */
export function retryDelay(attempt: number, policy: RetryPolicy, random: () => number, retryAfterMs = 0): number {
  const backoff = Math.min(policy.maxDelay, policy.initialDelay * 2 ** (attempt - 1));
  return Math.max(retryAfterMs, backoff / 2 + (random() * backoff) / 2);
}

/** Resolves after `ms` on the environment's timers; rejects with `reason` at once when `signal` aborts. */
function wait(schedule: SyncEnvironment['schedule'], ms: number, signal: AbortSignal, reason: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(reason);
    const onAbort = (): void => {
      cancel();
      reject(reason);
    };
    const cancel = schedule(ms, () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** What {@link retrying} needs besides the task. */
export interface RetryOptions {
  policy: RetryPolicy;
  /** Timers and jitter (virtual in tests). */
  env: Pick<SyncEnvironment, 'schedule' | 'random'>;
  /** Aborting ends a wait at once: the last error is thrown, no attempt follows. */
  signal: AbortSignal;
  /** Told of every failure, retried or not, before the wait. */
  onError?: (error: unknown) => void;
}

/**
 * Runs `task` until it succeeds: a {@link RetryableError} is retried after {@link retryDelay} (on the injected
 * timers, honouring its `retryAfterMs`) up to `maxAttempts` in all; any other error, the last attempt's error,
 * or an abort ends it with that error.
 */
export async function retrying<T>(task: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, env, signal, onError } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (e) {
      onError?.(e);
      if (!(e instanceof RetryableError) || attempt >= policy.maxAttempts || signal.aborted) throw e;
      await wait(env.schedule, retryDelay(attempt, policy, env.random, e.retryAfterMs), signal, e);
    }
  }
}
