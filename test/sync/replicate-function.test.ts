import type { ImagingSelection } from 'fhir/r5';
import { EMPTY, firstValueFrom, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { replicate, type Replication, type ReplicationState } from '../../src/index.js';
import { lazyReplication } from '../../src/sync/lazy-replication.js';
import { openTestStore, selection } from '../helpers.js';
import { syncHarness } from './harness.js';

const h = syncHarness();

describe('replicate(store, options), the tree-shakable form of store.replicate', () => {
  it('pushes and pulls as store.replicate does', async () => {
    const store = await h.client();
    const [mine, theirs] = [h.uid('mine'), h.uid('theirs')];
    await store.update(selection({ id: mine }));
    await h.remote.put(selection({ id: theirs, status: 'available' }));
    const rep = replicate(store, { baseUrl: h.server.url, ...h.fast });
    expect(rep.state).toBe('idle');
    expect(await firstValueFrom(rep.pending$)).toBe(1);
    const states: ReplicationState[] = [];
    const sub = rep.state$.subscribe((s) => states.push(s));
    const report = await rep.syncOnce();
    sub.unsubscribe();
    expect(report.pushed.map((p) => p.id)).toEqual([mine]);
    expect(report.pulled).toBeGreaterThanOrEqual(1);
    expect(states).toEqual(['idle', 'pushing', 'pulling', 'idle']);
    expect((await h.remote.read<ImagingSelection>(`ImagingSelection/${mine}`))?.id).toBe(mine);
    expect((await store.read<ImagingSelection>('ImagingSelection', theirs)).status).toBe('available');
    store.close();
  });

  it('refuses a store it did not open', () => {
    const fake = {} as Parameters<typeof replicate>[0];
    expect(() => replicate(fake, { baseUrl: h.server.url })).toThrow(TypeError);
  });

  it("store.replicate's streams are read-only Observables, not Subjects", async () => {
    const store = await openTestStore();
    for (const rep of [store.replicate({ baseUrl: h.server.url }), replicate(store, { baseUrl: h.server.url })]) {
      for (const s of [rep.state$, rep.progress$, rep.errors$]) expect('next' in s).toBe(false);
    }
    store.close();
  });
});

describe('lazyReplication: calls before the load run in order once it has', () => {
  /** A replication that records the calls it receives. */
  function recorder(log: string[]): Replication {
    return {
      state$: of<ReplicationState>('pushing'),
      state: 'pushing',
      progress$: EMPTY,
      errors$: EMPTY,
      serverPush$: of('off'),
      pending$: of(0),
      conflicts$: of([]),
      deadLetters$: of([]),
      lastSync$: of(undefined),
      syncOnce: async () => {
        log.push('syncOnce');
        return { pushed: [], pulled: 0, conflicts: [], failed: [], invalid: [] };
      },
      resolve: async () => undefined,
      retry: async () => undefined,
      expire: async () => {
        log.push('expire');
        return { expired: 0, skipped: [] };
      },
      start: () => void log.push('start'),
      stop: () => void log.push('stop'),
    };
  }

  it('queues start, syncOnce and stop and forwards state', async () => {
    const log: string[] = [];
    let release!: (r: Replication) => void;
    const lazy = lazyReplication(() => new Promise<Replication>((resolve) => (release = resolve)));
    lazy.start();
    const report = lazy.syncOnce();
    lazy.stop();
    expect(lazy.state).toBe('idle');
    expect(log).toEqual([]);
    release(recorder(log));
    await report;
    expect(log).toEqual(['start', 'syncOnce', 'stop']);
    expect(lazy.state).toBe('pushing');
    expect(await firstValueFrom(lazy.state$)).toBe('pushing');
    lazy.stop(); // loaded: runs at once
    expect(log).toEqual(['start', 'syncOnce', 'stop', 'stop']);
  });

  it('a failed load rejects the calls and errors the streams', async () => {
    const lazy = lazyReplication(() => Promise.reject(new Error('chunk failed')));
    lazy.start();
    await expect(lazy.syncOnce()).rejects.toThrow('chunk failed');
    await expect(firstValueFrom(lazy.state$)).rejects.toThrow('chunk failed');
  });
});
