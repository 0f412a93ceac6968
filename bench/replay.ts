/**
 * The server-alone baseline of the push benchmark: the requests a replication sent, recorded by the `fetch` it was
 * given, then replayed against a fresh server by a plain HTTP client (the global `fetch`: Node's, or the browser's in
 * bench/sync-chromium-page.ts) with the same number in flight. What the server accepts per second this way is the
 * most a push could reach; the push's figure is read beside it.
 * @module
 */

/** One request as the replication sent it: method, URL, headers and body. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** A `fetch` that records every request it passes on to the global `fetch`. */
export function recording(into: RecordedRequest[]): typeof fetch {
  return (input, init) => {
    const body = init?.body;
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    into.push({
      method: init?.method ?? 'GET',
      url: String(input),
      headers,
      ...(typeof body === 'string' ? { body } : {}),
    });
    return fetch(input, init);
  };
}

/**
 * Sends `requests` (recorded against `recordedBase`) to `base` with at most `concurrency` in flight, in the recorded
 * order, each answer read whole; returns the milliseconds it took. An answer of 400 or more stops the replay: the
 * baseline counts only requests the server accepted.
 */
export async function replay(requests: RecordedRequest[], base: string, recordedBase: string, concurrency: number): Promise<number> {
  // The writes of the push; the reads of the pull that followed it are not part of it.
  const replayed = requests.filter((r) => r.method !== 'GET');
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < replayed.length; i = next++) {
      const r = replayed[i]!;
      const res = await fetch(r.url.replace(recordedBase, base), { method: r.method, headers: r.headers, ...(r.body !== undefined ? { body: r.body } : {}) });
      await res.text();
      if (res.status >= 400) throw new Error(`replay: ${r.method} ${r.url} answered ${res.status}`);
    }
  };
  // The global clock, not measure.ts's (node:perf_hooks): this module runs in a page too.
  const t = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - t;
}
