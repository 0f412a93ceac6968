import { AuthorizationError, RetryableError } from './errors.js';

/** One request of a push: its key, the keys it waits for, and the work (send, then settle the answer). */
export interface PushTask {
  /** `Type/id`: one task per resource, so two requests for one resource are never in flight together. */
  key: string;
  /** Keys of tasks that must have finished before this one starts; keys of no task are not waited for. */
  after: readonly string[];
  run: () => Promise<void>;
}

/**
 * The failure a push ends with when several requests failed at once: refused credentials first (replication
 * pauses), then anything not retryable, then the retryable failure asking for the longest `Retry-After`.
 */
function gravest(errors: unknown[]): unknown {
  const rank = (e: unknown): number => (e instanceof AuthorizationError ? 0 : e instanceof RetryableError ? 2 : 1);
  return errors.reduce((worst, e) => {
    const [a, b] = [rank(worst), rank(e)];
    if (b !== a) return b < a ? e : worst;
    if (e instanceof RetryableError && worst instanceof RetryableError) return (e.retryAfterMs ?? 0) > (worst.retryAfterMs ?? 0) ? e : worst;
    return worst;
  });
}

/**
 * Runs `tasks` with at most `concurrency` in flight, each once every task it waits for has finished, starting
 * the ready ones in the order given. When a task fails no new task starts; the ones in flight are awaited (their
 * answers still settle, and a retry never overtakes a request still on its way), then the gravest failure is
 * thrown. Tasks left unstarted stay in the outbox for the retry.
 * @see https://developer.mozilla.org/docs/Web/API/Fetch_API (browsers run about 6 HTTP/1.1 requests per host at once)
 */
export function runInDependencyOrder(tasks: readonly PushTask[], concurrency: number): Promise<void> {
  const keys = new Set(tasks.map((t) => t.key));
  const waiting = tasks.map((t) => ({ ...t, after: t.after.filter((k) => keys.has(k) && k !== t.key) }));
  const finished = new Set<string>();
  const failures: unknown[] = [];
  let running = 0;
  return new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      for (let i = 0; failures.length === 0 && running < concurrency && i < waiting.length; ) {
        const task = waiting[i]!;
        if (!task.after.every((k) => finished.has(k))) {
          i++;
          continue;
        }
        waiting.splice(i, 1);
        running++;
        // A task's synchronous throw is a failure like any other.
        void Promise.resolve()
          .then(task.run)
          .then(
            () => void finished.add(task.key),
            (e: unknown) => void failures.push(e),
          )
          .finally(() => {
            running--;
            pump();
          });
      }
      if (running > 0) return;
      if (failures.length > 0) reject(gravest(failures));
      else if (waiting.length > 0) reject(new Error(`push: ${waiting.length} requests wait for each other (a dependency cycle)`));
      else resolve();
    };
    pump();
  });
}
