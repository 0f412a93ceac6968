import type { FhirResource, Patient, Resource } from 'fhir/r5';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serverChanges } from '../../src/storage/replica-mutations.js';
import type { RemoteStep, ServerVersionPath } from '../../src/storage/remote-steps.js';
import type { PendingAssumption } from '../../src/storage/outbox.js';
import { syncContextOf, type Store } from '../../src/store.js';
import { decide, remoteStep, type RemoteVersion } from '../../src/sync/decide.js';
import type { ConflictPolicy } from '../../src/sync/options.js';
import { openTestStore, selection, snapshot } from '../helpers.js';

/*
 * The lean path of server versions (`applyServerVersions`: current rows read by key range, no outbox or
 * server-version reads) must store exactly what the general write path stores. Two stores get the same local
 * writes and the same pages of server versions, planned as a pull plans them (a resource with a pending local
 * change goes through `decide`, the merge path), one committed by the lean path and one by the general path;
 * every table must then be equal, row for row (timings included: both stores have the same stepping clock).
 */

const TYPES = ['ImagingSelection', 'Patient'] as const;
/** Ids whose code-unit order interleaves (upper case before lower case, digits first), 24 per type. */
const ID_POOL = Array.from({ length: 24 }, (_, i) => `${['a', 'M', 'z', '0'][i % 4]}${i}`);
const WORDS = ['liver', 'kidney', 'spleen', 'lung'];

interface Write {
  type: (typeof TYPES)[number];
  id: number;
  deleted: boolean;
  word: number;
}
const writeArb: fc.Arbitrary<Write> = fc.record({
  type: fc.constantFrom(...TYPES),
  id: fc.integer({ min: 0, max: ID_POOL.length - 1 }),
  deleted: fc.boolean(),
  word: fc.integer({ min: 0, max: WORDS.length - 1 }),
});
const roundArb = fc.record({ local: fc.array(writeArb, { maxLength: 4 }), page: fc.array(writeArb, { minLength: 10, maxLength: 40, size: 'max' }) });

function content(w: Write, version?: number): Resource {
  const id = ID_POOL[w.id]!;
  const word = WORDS[w.word]!;
  const meta = version !== undefined ? { meta: { versionId: String(version), lastUpdated: new Date(Date.UTC(2025, 0, 1, 0, 0, version)).toISOString() } } : {};
  const text = { status: 'generated' as const, div: `<div xmlns="http://www.w3.org/1999/xhtml"><p>${word} seen</p></div>` };
  if (w.type === 'Patient') return { resourceType: 'Patient', id, ...meta, text, name: [{ family: word }] } as Patient;
  return selection({ id, ...meta, text, code: { text: word } });
}

/** Every table, without the database's identity (a random id and the time it was made: durability.md). */
async function tables(store: Store): Promise<Record<string, unknown[]>> {
  const all = await snapshot(store);
  return { ...all, settings: (all['settings'] ?? []).filter((row) => (row as { key: string }).key !== 'identity') };
}

/** What the paths were asked to do over a whole property run, so the test can tell it covered each case. */
const seen = { merged: 0, written: 0, deleted: 0, updatedHeld: 0 };

/** Plans a page as `planPage` (sync/pull.ts) does, and commits it by `path`. */
async function applyServerPage(store: Store, versions: RemoteVersion[], policy: ConflictPolicy, path: ServerVersionPath, count: boolean): Promise<void> {
  const ctx = syncContextOf(store);
  await ctx.storage.commit(async () => {
    const { held, pending } = await ctx.storage.heldAndPending(versions.map((v) => [v.type, v.id]));
    const steps: RemoteStep[] = [];
    const assumes: PendingAssumption[] = [];
    for (const [i, v] of versions.entries()) {
      if (count) {
        if (v.resource === undefined) seen.deleted++;
        if (held[i] !== undefined) seen.updatedHeld++;
      }
      if (pending[i] === undefined) {
        steps.push(remoteStep(ctx, v));
        assumes.push({ type: v.type, id: v.id, seq: undefined });
        if (count) seen.written++;
        continue;
      }
      const d = await decide(ctx, policy, v);
      steps.push(...d.steps);
      assumes.push(d.assumption);
      if (count) seen.merged++;
    }
    return { assumes, mutations: [serverChanges(steps, path)] };
  });
}

describe('server versions: the lean path stores what the general path stores', () => {
  it('every table equal after random local writes and pages of server versions (new, updates of held, deletes, pending local changes)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(roundArb, { minLength: 1, maxLength: 5 }), fc.constantFrom<ConflictPolicy>('merge', 'server-wins', 'client-wins'), async (rounds, policy) => {
        const lean = await openTestStore({ name: 'lean' });
        const general = await openTestStore({ name: 'general' });
        await syncContextOf(lean).ready();
        const serverVersion = new Map<string, number>();
        for (const round of rounds) {
          for (const store of [lean, general]) {
            for (const w of round.local) {
              if (w.deleted) await store.delete(w.type, ID_POOL[w.id]!);
              else await store.update(content(w) as FhirResource);
            }
          }
          // The newest server version of each resource in the page (a pull keeps the first of a newest-first page).
          const latest = new Map<string, RemoteVersion>();
          for (const w of round.page) {
            const key = `${w.type}/${ID_POOL[w.id]!}`;
            const version = (serverVersion.get(key) ?? 0) + 1;
            serverVersion.set(key, version);
            const resource = w.deleted ? undefined : content(w, version);
            latest.delete(key);
            latest.set(key, { type: w.type, id: ID_POOL[w.id]!, version: String(version), ...(resource ? { resource } : {}) });
          }
          await applyServerPage(lean, [...latest.values()], policy, 'lean', true);
          await applyServerPage(general, [...latest.values()], policy, 'general', false);
        }
        expect(await tables(lean)).toEqual(await tables(general));
        lean.close();
        general.close();
      }),
      { numRuns: 30, seed: 14 },
    );
    // The runs covered each case the paths must agree on.
    expect(seen.written).toBeGreaterThan(0);
    expect(seen.merged).toBeGreaterThan(0);
    expect(seen.deleted).toBeGreaterThan(0);
    expect(seen.updatedHeld).toBeGreaterThan(0);
  });
});
