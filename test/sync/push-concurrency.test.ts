import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Bundle, ImagingSelection, Patient, Resource } from 'fhir/r5';
import { firstValueFrom } from 'rxjs';
import type { Replication, Store } from '../../src/index.js';
import { storeDatabase } from '../../src/store.js';
import { syncHarness } from './harness.js';
import { when, type ProxyLogEntry } from './proxy.js';

/*
 * `pushConcurrency`: several requests in flight at once in `put` and `post` modes, in dependency order (a resource
 * after what it refers to in the push has landed), never two for one resource. Through the fault proxy: the server
 * must end up with what a one-at-a-time push gives, nothing lost or duplicated.
 */

const h = syncHarness({ proxy: true, maxAttempts: 4 });
const IS = 'ImagingSelection';
const LOCAL_SYSTEM = 'urn:ietf:rfc:3986';

/** The resource a request is about, by its local id: the path's id, or in `post` mode the `If-None-Exist` identifier. */
function localIdOf(r: ProxyLogEntry): string | undefined {
  const ifNoneExist = r.headers['if-none-exist'];
  if (typeof ifNoneExist === 'string') return /urn%3Auuid%3A(.+)$/.exec(ifNoneExist)?.[1];
  return /^[A-Za-z]+\/([^/]+)$/.exec(r.path)?.[1];
}

const writes = (): ProxyLogEntry[] => h.proxy.log.filter((r) => r.method !== 'GET');

/** The most requests the proxy had in flight at once (arrival to whole answer). */
function mostInFlight(log: ProxyLogEntry[]): number {
  const events = log.flatMap((r) => (r.answeredAt === undefined ? [] : [[r.at, 1] as const, [r.answeredAt, -1] as const])).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, d] of events) most = Math.max(most, (now += d));
  return most;
}

/** Patients and selections referring to them and to each other (`focus`), as a device creates them offline. */
async function referenceGraph(store: Store): Promise<{ refs: Map<string, string[]>; created: ['Patient' | 'ImagingSelection', string][] }> {
  const refs = new Map<string, string[]>();
  const patients: Patient[] = [];
  for (let i = 0; i < 4; i++) patients.push(await store.create<Patient>({ resourceType: 'Patient', name: [{ family: `P${i}` }] }));
  const selections: ImagingSelection[] = [];
  for (let i = 0; i < 8; i++) {
    const patient = patients[i % patients.length]!;
    const focus = selections.length > 1 ? [selections[i - 2]!] : [];
    const sel = await store.create<ImagingSelection>({
      resourceType: IS,
      status: 'available',
      code: { text: `S${i}` },
      subject: { reference: `Patient/${patient.id}` },
      ...(focus.length ? { focus: focus.map((f) => ({ reference: `${IS}/${f.id}` })) } : {}),
    });
    selections.push(sel);
    refs.set(sel.id!, [patient.id!, ...focus.map((f) => f.id!)]);
  }
  return { refs, created: [...patients.map((p): ['Patient', string] => ['Patient', p.id!]), ...selections.map((x): [typeof IS, string] => [IS, x.id!])] };
}

describe('pushConcurrency', () => {
  it.each(['put', 'post'] as const)('%s: a resource is received only after what it refers to has landed, with requests in flight together', async (mode) => {
    const store = await h.client(`order-${mode}`);
    const { refs } = await referenceGraph(store);
    h.proxy.rules.push(when({ test: (r) => r.method !== 'GET' }, { delayMs: 20 }));
    const rep = store.replicate({ baseUrl: h.proxy.url, push: mode, pushConcurrency: 6, resourceTypes: [IS], ...h.fast });
    const report = await h.sync(rep);
    expect(report.failed).toEqual([]);
    expect(report.pushed).toHaveLength(12);

    const sent = writes();
    const firstOf = new Map<string, ProxyLogEntry>();
    for (const r of sent) if (!firstOf.has(localIdOf(r)!)) firstOf.set(localIdOf(r)!, r);
    for (const [id, targets] of refs) {
      const request = firstOf.get(id)!;
      for (const target of targets) {
        const landed = firstOf.get(target)!;
        expect(landed.answeredAt, `${target} answered before ${id} was sent`).toBeLessThanOrEqual(request.at);
      }
    }
    // The four patients wait for nothing: they went together.
    expect(mostInFlight(sent)).toBeGreaterThan(1);
    expect(mostInFlight(sent)).toBeLessThanOrEqual(6);
    if (mode === 'post') {
      // References reached the server rewritten to the server's ids.
      for (const p of report.pushed.filter((x) => x.type === IS)) {
        const onServer = await h.remote.read<ImagingSelection>(`${IS}/${p.id}`);
        expect(onServer?.subject?.reference).toMatch(new RegExp(`^Patient/(${report.pushed.filter((x) => x.type === 'Patient').map((x) => x.id).join('|')})$`));
      }
    }
    expect(await firstValueFrom(rep.pending$)).toBe(0);
  });

  it.each(['put', 'post'] as const)('%s at 6 at once through dropped answers, 503 with Retry-After and slow answers: nothing lost or duplicated', async (mode) => {
    const store = await h.client(`faults-${mode}`);
    const { refs, created } = await referenceGraph(store);
    const ids = [...refs.keys()];
    const hit = (id: string) => (r: { path: string; headers: Record<string, unknown> }) => r.path.endsWith(`/${id}`) || String(r.headers['if-none-exist'] ?? '').endsWith(id);
    h.proxy.rules.push(
      when({ test: hit(ids[1]!) }, 'drop-after-forward', 1), // committed, answer lost
      when({ test: hit(ids[4]!) }, 'drop-after-forward', 1),
      when({ test: hit(ids[6]!) }, { status: 503, headers: { 'Retry-After': '2' }, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient' }] } }, 1),
      when({ test: (r) => r.method !== 'GET' }, { delayMs: 15 }),
    );
    const rep = store.replicate({ baseUrl: h.proxy.url, push: mode, pushConcurrency: 6, resourceTypes: [IS], ...h.fast });
    const report = await h.sync(rep);
    expect(h.time.delays).toContain(2000); // the Retry-After was honoured
    expect(report.failed).toEqual([]);
    expect(report.conflicts).toEqual([]);
    expect(await firstValueFrom(rep.pending$)).toBe(0);
    expect(await firstValueFrom(rep.deadLetters$)).toEqual([]);
    expect(await firstValueFrom(rep.conflicts$)).toEqual([]);
    expect(await storeDatabase(store).outbox.count()).toBe(0);

    // Never two requests for one resource in flight together.
    const byResource = new Map<string, ProxyLogEntry[]>();
    for (const r of writes()) byResource.set(localIdOf(r)!, [...(byResource.get(localIdOf(r)!) ?? []), r]);
    for (const requests of byResource.values()) {
      for (let i = 1; i < requests.length; i++) {
        const before = requests[i - 1]!;
        if (before.answeredAt !== undefined) expect(requests[i]!.at).toBeGreaterThanOrEqual(before.answeredAt);
      }
    }

    // Every local resource is on the server once, with the device's content; the device holds the server's version.
    expect(created).toHaveLength(12);
    for (const [type, localId] of created) {
      const local = mode === 'post' ? (await store.search(type, { identifier: `${LOCAL_SYSTEM}|urn:uuid:${localId}` })).entry![0]!.resource! : ((await store.read(type, localId)) as Resource);
      const copies = mode === 'post' ? await serverCopies(local.resourceType, localId!) : [(await h.remote.read(`${local.resourceType}/${local.id}`))!];
      expect(copies).toHaveLength(1);
      expect(copies[0]!.id).toBe(local.id);
      expect(withoutMeta(copies[0]!)).toEqual(withoutMeta(local));
      expect((await storeDatabase(store).remote.get([local.resourceType, local.id!]))?.version).toBe(copies[0]!.meta?.versionId);
    }
  });

  it('concurrent push converges to the same server state as one request at a time (random edits, references, repeats)', async () => {
    await fc.assert(
      fc.asyncProperty(scriptArb, async (script) => {
        const run = h.uid('prop');
        const [one, six] = await Promise.all([h.client(`${run}-1`), h.client(`${run}-6`)]);
        const prefixes = [`${run}-one`, `${run}-six`] as const;
        // The concurrent push goes through the proxy with answers slowed unevenly, so they come back out of order.
        h.proxy.rules.splice(0, h.proxy.rules.length, when({ test: (r) => r.method !== 'GET' }, (r) => ({ delayMs: (r.path.length * 7) % 25 })));
        const reps: Replication[] = [
          one.replicate({ baseUrl: h.server.url, pushConcurrency: 1, resourceTypes: [IS], ...h.fast }),
          six.replicate({ baseUrl: h.proxy.url, pushConcurrency: 6, resourceTypes: [IS], ...h.fast }),
        ];
        for (const phase of script) {
          for (const [i, store] of [one, six].entries()) {
            for (const step of phase) await apply(store, prefixes[i]!, step);
            await h.sync(reps[i]!);
          }
        }
        for (const [i, store] of [one, six].entries()) {
          expect(await storeDatabase(store).outbox.count()).toBe(0);
          expect(await firstValueFrom(reps[i]!.deadLetters$)).toEqual([]);
        }
        expect(await serverState(prefixes[1])).toEqual(await serverState(prefixes[0]));
      }),
      { numRuns: 8, seed: 1407, endOnFailure: true },
    );
  }, 60_000); // 8 runs of up to 6 syncs over HTTP
});

/** Resources on the server carrying the identifier of a local id (`post` mode). */
async function serverCopies(type: string, localId: string): Promise<Resource[]> {
  const res = await h.remote.call('GET', `${type}?identifier=${encodeURIComponent(`${LOCAL_SYSTEM}|urn:uuid:${localId}`)}`);
  return ((res.body as Bundle).entry ?? []).filter((e) => e.search?.mode !== 'outcome').map((e) => e.resource!);
}

const withoutMeta = (r: Resource): Resource => {
  const { meta: _m, ...rest } = r;
  return rest as Resource;
};

/** One local change of the script: a write of a patient or a selection (with references), or a delete. */
type Step =
  | { kind: 'patient'; n: number; family: string }
  | { kind: 'selection'; n: number; status: ImagingSelection['status']; subject?: number; focus: number[] }
  | { kind: 'delete'; type: 'Patient' | 'ImagingSelection'; n: number };

const PATIENTS = 3;
const SELECTIONS = 5;
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('patient' as const), n: fc.nat(PATIENTS - 1), family: fc.constantFrom('A', 'B', 'C') }),
  fc.record({
    kind: fc.constant('selection' as const),
    n: fc.nat(SELECTIONS - 1),
    status: fc.constantFrom('available' as const, 'unknown' as const, 'entered-in-error' as const),
    subject: fc.option(fc.nat(PATIENTS - 1), { nil: undefined }),
    focus: fc.uniqueArray(fc.nat(SELECTIONS - 1), { maxLength: 2 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), type: fc.constantFrom('Patient' as const, IS), n: fc.nat(SELECTIONS - 1) }),
);
/** Up to three phases of edits, each followed by a push. */
const scriptArb = fc.array(fc.array(stepArb, { minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 3 });

const idOf = (prefix: string, type: string, n: number): string => `${prefix}-${type === 'Patient' ? 'p' : 's'}${n}`;

async function apply(store: Store, prefix: string, step: Step): Promise<void> {
  if (step.kind === 'patient') {
    await store.update<Patient>({ resourceType: 'Patient', id: idOf(prefix, 'Patient', step.n), name: [{ family: step.family }] });
  } else if (step.kind === 'selection') {
    const id = idOf(prefix, IS, step.n);
    const focus = step.focus.map((f) => idOf(prefix, IS, f)).filter((f) => f !== id);
    await store.update<ImagingSelection>({
      resourceType: IS,
      id,
      status: step.status,
      code: { text: 'Key Images' },
      ...(step.subject !== undefined ? { subject: { reference: `Patient/${idOf(prefix, 'Patient', step.subject)}` } } : {}),
      ...(focus.length ? { focus: focus.map((f) => ({ reference: `${IS}/${f}` })) } : {}),
    });
  } else {
    await store.delete(step.type, idOf(prefix, step.type, step.type === 'Patient' ? step.n % PATIENTS : step.n));
  }
}

/** What the server holds of one script's resources: status, version and content, with the run's prefix taken out. */
async function serverState(prefix: string): Promise<unknown[]> {
  const state: unknown[] = [];
  for (const [type, count] of [['Patient', PATIENTS], [IS, SELECTIONS]] as const) {
    for (let n = 0; n < count; n++) {
      const res = await h.remote.call('GET', `${type}/${idOf(prefix, type, n)}`);
      const body = res.body && res.status === 200 ? JSON.parse(JSON.stringify(withoutMeta(res.body)).split(prefix).join('<run>')) : undefined;
      state.push({ type, n, status: res.status, version: res.body?.meta?.versionId, body });
    }
  }
  return state;
}
