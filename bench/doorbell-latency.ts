/**
 * Doorbell latency, part of `npm run bench:sync`: how long a change made on the server takes to be in a store
 * that replicates live, with server push (a websocket subscription rings, the `_history` pull reads) beside one
 * that polls on an interval, both in the same run against the same server. Each write is timed from just before
 * the server's PUT until the store's `changes$` reports the pulled version.
 */
import { filter, firstValueFrom } from 'rxjs';
import { WebSocket } from 'ws';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { openStore, type Store } from '../src/index.js';
import { prng } from './generate.js';
import { median, now } from './measure.js';

/** One way of live replication and the latencies it gave. */
export interface LatencyFigure {
  name: string;
  /** Writes timed. */
  count: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  /** Target in ms, when the issue set one. */
  targetMs?: number | undefined;
}

const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function liveStore(name: string, baseUrl: string, push: boolean, interval: number): Promise<Store> {
  const store = await openStore({ name, indexedDB: new IDBFactory(), IDBKeyRange });
  const rep = store.replicate({ baseUrl, live: true, interval, subscriptions: push ? { WebSocket, heartbeatPeriod: 30 } : false });
  if (push) await firstValueFrom(rep.serverPush$.pipe(filter((s) => s === 'connected' || s === 'unavailable')));
  await rep.syncOnce();
  return store;
}

/**
 * `writes` server writes, spaced by a random 0–`interval`/2 ms (so the writes do not fall in step with the
 * poll), each timed in both stores; returns the doorbell's and the poll's figures.
 */
export async function doorbellLatency(baseUrl: string, writes = 20, interval = 1000): Promise<LatencyFigure[]> {
  const pushed = await liveStore('latency-push', baseUrl, true, 3_600_000);
  const polled = await liveStore('latency-poll', baseUrl, false, interval);
  const random = prng(7);
  const times: Record<'push' | 'poll', number[]> = { push: [], poll: [] };
  try {
    for (let i = 0; i < writes; i++) {
      await new Promise((r) => setTimeout(r, random() * (interval / 2)));
      const id = `latency-${i}`;
      const arrived = (store: Store): Promise<number> =>
        firstValueFrom(store.changes$.pipe(filter((c) => c.id === id && c.origin === 'remote'))).then(() => now());
      const both = [arrived(pushed), arrived(polled)] as const;
      const t = now();
      const res = await fetch(`${baseUrl}/ImagingSelection/${id}`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'ImagingSelection', id, status: 'available', code: { text: `latency ${i}` } }),
      });
      if (!res.ok) throw new Error(`PUT ${id} answered ${res.status}`);
      const [p, q] = await Promise.all(both);
      times.push.push(p - t);
      times.poll.push(q - t);
    }
  } finally {
    pushed.close();
    polled.close();
  }
  const figure = (name: string, xs: number[], targetMs?: number): LatencyFigure => ({
    name,
    count: xs.length,
    medianMs: median(xs),
    p95Ms: percentile(xs, 0.95),
    maxMs: Math.max(...xs),
    targetMs,
  });
  return [figure('server push (websocket doorbell, then _history pull)', times.push, 1000), figure(`polling every ${interval} ms`, times.poll)];
}
