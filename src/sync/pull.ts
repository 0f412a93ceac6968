import type { Bundle, BundleEntry, Resource } from 'fhir/r5';
import type { PendingAssumption } from '../storage/outbox.js';
import type { Mutation } from '../storage/port.js';
import type { RemoteStep } from '../storage/remote-steps.js';
import { evictLocally, saveCheckpoint, serverChanges, type EvictionMutation } from '../storage/replica-mutations.js';
import type { CheckpointRow, RemoteVersionRow } from '../storage/rows.js';
import { describeAnswer, FhirClient, versionOfEtag } from './client.js';
import type { SyncContext } from './context.js';
import { decide, InvalidRemoteResource, remoteStep, type RemoteVersion } from './decide.js';
import { RetryableError } from './errors.js';
import type { ConflictPolicy } from './options.js';

/** What one pull pass did. */
export interface PullReport {
  pulled: number;
  conflicts: { type: string; id: string; open: boolean }[];
  invalid: string[];
  /** `Type/id` removed from this device because they left the replication's scope. */
  evicted?: string[];
}

/** Whether a server version is newer than the one held (numbers compare as numbers, else by lastUpdated). */
function newer(v: RemoteVersion, held: RemoteVersionRow | undefined): boolean {
  if (!held) return true;
  if (/^\d+$/.test(v.version) && /^\d+$/.test(held.version)) return Number(v.version) > Number(held.version);
  if (v.lastUpdated && held.lastUpdated) return Date.parse(v.lastUpdated) > Date.parse(held.lastUpdated);
  return v.version !== held.version;
}

/** The server version a history entry records: its ETag, else the resource's meta.versionId. */
function versionOfEntry(type: string, e: BundleEntry): RemoteVersion | undefined {
  const res = e.resource as Resource | undefined;
  const url = e.request?.url ?? e.fullUrl ?? '';
  const id = res?.id ?? /([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(url.split('?')[0] ?? '')?.[1];
  const etag = versionOfEtag(e.response?.etag);
  const version = etag ?? res?.meta?.versionId;
  if (!id || !version) return undefined;
  const deleted = e.request?.method === 'DELETE' || res === undefined;
  const lastUpdated = e.response?.lastModified ?? res?.meta?.lastUpdated;
  return { type: (res?.resourceType as string | undefined) ?? type, id, version, ...(lastUpdated ? { lastUpdated } : {}), ...(!deleted && res ? { resource: res } : {}) };
}

/**
 * Pulls the changes of one resource type since the checkpoint: `[type]/_history?_since=`, newest first,
 * following `next` links. The first page's `Bundle.meta.lastUpdated` (the server's clock) is kept as `upper`;
 * each page is committed in one transaction together with the link to resume from; the checkpoint moves to
 * `upper` minus a margin only after the last page. Re-applying an entry is harmless: entries not newer than
 * what is held are skipped.
 * @see docs/architecture.md "Sync protocol"
 */
export async function pullType(
  ctx: SyncContext,
  client: FhirClient,
  policy: ConflictPolicy,
  type: string,
  options: { baseUrl: string; batchSize: number; marginMs: number; onPage?: (received: number, total: number | undefined) => void },
  report: PullReport,
): Promise<void> {
  const key = `${options.baseUrl}|${type}`;
  const cp: CheckpointRow = (await ctx.storage.checkpoint(key)) ?? { key };
  const url = cp.next ?? `${type}/_history?_count=${options.batchSize}${cp.since ? `&_since=${encodeURIComponent(cp.since)}` : ''}`;
  let upper = cp.next ? cp.upper : undefined;
  let page: Promise<Bundle> | undefined = getPage(client, url);
  // Progress: history entries received in this pass, and the server's count of them (its first page's total).
  let received = 0;
  let total: number | undefined;
  let first = true;
  while (page !== undefined) {
    const bundle: Bundle = await page;
    upper ??= bundle.meta?.lastUpdated;
    if (first && !cp.next) total = bundle.total;
    first = false;
    received += bundle.entry?.length ?? 0;
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    // The next page is fetched while this one is written: the server's time and the local write overlap. A
    // failure of that request surfaces when it is awaited, after this page (and its resume link) committed.
    page = next !== undefined ? getPage(client, next) : undefined;
    page?.catch(() => undefined);
    const latest = new Map<string, RemoteVersion>();
    for (const e of bundle.entry ?? []) {
      const v = versionOfEntry(type, e);
      if (v && !latest.has(`${v.type}/${v.id}`)) latest.set(`${v.type}/${v.id}`, v); // newest first: the first one wins
    }
    await applyPage(ctx, policy, [...latest.values()], { ...cp, ...(upper ? { upper } : {}), ...(next ? { next } : {}) }, next === undefined, report);
    options.onPage?.(received, total);
  }
  const since = upper ? new Date(Date.parse(upper) - options.marginMs).toISOString() : cp.since;
  const serverTime = upper ?? cp.serverTime;
  await ctx.storage.commit(() => ({ mutations: [saveCheckpoint({ key, ...(since ? { since } : {}), ...(serverTime ? { serverTime } : {}) })] }));
  // A pass resumed from an interrupted one ends where that one began: catch up with what changed since.
  if (cp.next !== undefined) await pullType(ctx, client, policy, type, options, report);
}

async function getPage(client: FhirClient, url: string): Promise<Bundle> {
  const res = await client.send('GET', url);
  const bundle = res.body as Bundle | undefined;
  if (res.status !== 200 || bundle?.resourceType !== 'Bundle') throw new RetryableError(`${describeAnswer(res)}: expected a history Bundle`);
  return bundle;
}

/** The steps that apply a page of server versions, what they assumed, and what to report once committed. */
interface PagePlan {
  steps: RemoteStep[];
  assumptions: PendingAssumption[];
  conflicts: { type: string; id: string; open: boolean }[];
  applied: number;
  /** Held resources that left the scope, removed locally (none with a pending change). */
  evict: { type: string; id: string }[];
}

/**
 * Commits one page: its server versions (and merges or conflicts where a local change waits) together with
 * the link to resume from, planned again by the port when a local change got in between. The bulk first sync
 * writes its NDJSON chunks through it too, so merges and server-version bookkeeping are those of `_history`.
 * @see docs/architecture.md "Sync protocol"
 */
export async function applyPage(
  ctx: SyncContext,
  policy: ConflictPolicy,
  versions: RemoteVersion[],
  checkpoint: CheckpointRow,
  last: boolean,
  report: PullReport,
): Promise<void> {
  // The eviction of the attempt that committed: what it removed (it skips what it must keep) is reported.
  let eviction: EvictionMutation | undefined;
  const { value } = await ctx.storage.commit(async (attempt) => {
    // An invalid resource is reported once, not once per attempt.
    const planned = await planPage(ctx, policy, versions, attempt === 0 ? report.invalid : []);
    // The resume link is committed with the page; the last page leaves the checkpoint to the caller.
    const resume: Mutation[] = last ? [] : [saveCheckpoint(checkpoint)];
    eviction = planned.evict.length > 0 ? evictLocally(planned.evict, 'out-of-scope') : undefined;
    return { assumes: planned.assumptions, mutations: [serverChanges(planned.steps), ...(eviction ? [eviction] : []), ...resume], after: () => planned };
  });
  report.pulled += value.applied;
  report.conflicts.push(...value.conflicts);
  const evicted = eviction?.outcome.evicted ?? [];
  if (evicted.length > 0) (report.evicted ??= []).push(...evicted.map((r) => `${r.type}/${r.id}`));
}

async function planPage(ctx: SyncContext, policy: ConflictPolicy, versions: RemoteVersion[], invalid: string[]): Promise<PagePlan> {
  const planned: PagePlan = { steps: [], assumptions: [], conflicts: [], applied: 0, evict: [] };
  // What is held and pending for the whole page, read at once: most entries need nothing else.
  const { held, pending } = await ctx.storage.heldAndPending(versions.map((v) => [v.type, v.id]));
  const inScope = ctx.scope ? await ctx.scope.inScope(versions.flatMap((v) => (v.resource ? [v.resource] : []))) : undefined;
  for (const [i, v] of versions.entries()) {
    // Out of a scoped replication's scope: not written; held here, removed from this device only. A resource with
    // a pending local change is merged as usual, and removed on a later cycle once the change is pushed.
    const scoped = inScope !== undefined && v.resource !== undefined;
    const outOfScope = scoped && !inScope.has(`${v.type}/${v.id}`);
    // Removed for having been out of scope and back in it now: the tombstone does not hold its version back.
    const heldHere = scoped && !outOfScope && held[i]?.evicted?.reason === 'out-of-scope' ? undefined : held[i];
    if (outOfScope && pending[i] === undefined) {
      if (heldHere !== undefined && heldHere.evicted === undefined) {
        planned.evict.push({ type: v.type, id: v.id });
        planned.assumptions.push({ type: v.type, id: v.id, seq: undefined });
      }
      continue;
    }
    if (!newer(v, heldHere)) continue;
    try {
      if (pending[i] === undefined) {
        // No local change waits: the server version is simply written.
        planned.steps.push(remoteStep(ctx, v));
        planned.assumptions.push({ type: v.type, id: v.id, seq: undefined });
        planned.applied++;
        continue;
      }
      const d = await decide(ctx, policy, v);
      planned.steps.push(...d.steps);
      planned.assumptions.push(d.assumption);
      if (d.reconciled) planned.conflicts.push({ type: v.type, id: v.id, open: d.conflict !== undefined });
      planned.applied++;
    } catch (e) {
      if (!(e instanceof InvalidRemoteResource)) throw e;
      invalid.push(e.message);
    }
  }
  return planned;
}
