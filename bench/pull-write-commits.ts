/**
 * The commits both pull-write benchmarks time (`bench/pull-write-phases.ts` in Node, `bench/pull-write-page.ts` in
 * Chromium): prepared server versions committed `chunk` at a time by one path, the lean one, or the general one with
 * the reads it made before the lean path existed.
 */
import type { Store } from '../src/index.js';
import { storeDatabase, syncContextOf } from '../src/store.js';
import { serverChanges } from '../src/storage/replica-mutations.js';
import type { PreparedResource, RemoteStep } from '../src/storage/remote-steps.js';

/** Commits `prepared` into `store` as first-seen server versions (version 1), `chunk` per transaction. */
export async function commitServerVersions(store: Store, prepared: PreparedResource[], chunk: number, path: 'lean' | 'general'): Promise<void> {
  const ctx = syncContextOf(store);
  const db = storeDatabase(store);
  for (let i = 0; i < prepared.length; i += chunk) {
    const slice = prepared.slice(i, i + chunk);
    const keys = slice.map((p): [string, string] => [p.resource.resourceType, p.resource.id!]);
    const steps: RemoteStep[] = slice.map((p) => ({ kind: 'remote', type: p.resource.resourceType, id: p.resource.id!, version: '1', lastUpdated: '2025-01-01T00:00:00.000Z', prepared: p, dropPending: false }));
    if (path === 'lean') {
      await ctx.storage.heldAndPending(keys);
      await ctx.storage.commit(() => ({ assumes: keys.map(([type, id]) => ({ type, id, seq: undefined })), mutations: [serverChanges(steps, 'lean')] }));
    } else {
      // The reads of before: held and pending by bulkGet, then the assumptions' outbox rows by bulkGet in the commit.
      await db.transaction('r', [db.remote, db.outbox], () => Promise.all([db.remote.bulkGet(keys), db.outbox.bulkGet(keys)]));
      await ctx.storage.commit(() => ({ verify: async () => void (await db.outbox.bulkGet(keys)), mutations: [serverChanges(steps, 'general')] }));
    }
  }
}
