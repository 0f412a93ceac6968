import type { Resource } from 'fhir/r5';
import type { PreparedMutation } from '../storage/port.js';
import { adoptServerVersion, deadLetterChange, serverChanges } from '../storage/replica-mutations.js';
import type { OutboxRow, ResourceRow } from '../storage/rows.js';
import { formatEtag } from '../history/etag.js';
import { describeAnswer, FhirClient, versionOf, versionOfEtag, type RemoteResponse } from './client.js';
import type { SyncContext } from './context.js';
import { decide, InvalidRemoteResource } from './decide.js';
import { RetryableError } from './errors.js';
import { sameContent } from './merge.js';
import { PushAcknowledger } from './push-acknowledger.js';
import { dependencyOrder, rowKey, type OrderedRow, type PendingRow } from './push-order.js';
import { runInDependencyOrder } from './push-scheduler.js';
import { adoptServerId, carriesLocalIdentifier, idFromLocation, localIdentifierQuery, withLocalIdentifier } from './server-ids.js';
import type { ConflictPolicy } from './options.js';

/** What one push pass did. */
export interface PushReport {
  /** `localId`: the id the resource had before the server assigned `id` (`push: 'post'`). */
  pushed: {
    /** The resource type. */
    type: string;
    /** The resource id (on the server too). */
    id: string;
    /** The id the resource had before the server assigned `id` (`push: 'post'` only). */
    localId?: string;
    /** The change pushed: `create`, `update` or `delete`. */
    op: string;
    /** The server's `versionId` after the push, when it said. */
    version?: string;
  }[];
  conflicts: { type: string; id: string; open: boolean }[];
  failed: {
    /** The resource type. */
    type: string;
    /** The resource id. */
    id: string;
    /** The HTTP status the server refused the change with. */
    status: number;
  }[];
}

/**
 * When the server holds the content of one of this device's own versions newer than the confirmed base (its
 * push landed but the answer was lost), that server version becomes the base: no conflict, and the newer
 * local edits are pushed on top of it.
 */
async function adoptLandedVersion(ctx: SyncContext, row: OutboxRow, version: string, remote: Resource | undefined): Promise<boolean> {
  const held = await ctx.storage.remoteVersion(row.type, row.id);
  const mine = await ctx.storage.versionsFrom(row.type, row.id, (held?.localVersion ?? 0) + 1);
  const landed = mine.reverse().find((v) => sameContent(v.resource, remote));
  if (!landed) return false;
  await record(ctx, adoptServerVersion(row, version, landed.versionId, remote === undefined));
  return true;
}

/** Requests a `put` or `post` push sends at once unless told otherwise: what browsers open per host over HTTP/1.1. */
export const DEFAULT_PUSH_CONCURRENCY = 6;

/** How one push pass runs. */
export interface PushSettings {
  /** Outbox rows per batch (entries per transaction Bundle). */
  batchSize: number;
  mode: PushMode;
  /** Requests in flight at once in `put` and `post` modes. */
  concurrency: number;
}

/**
 * What one push pass works with: where it records, the server, the policy, and the confirmations it records
 * in groups.
 */
interface Pass {
  ctx: SyncContext;
  client: FhirClient;
  policy: ConflictPolicy;
  report: PushReport;
  acks: PushAcknowledger;
}

/**
 * Pushes every pending local change once (put mode: client-assigned ids with PUT, idempotent on retry;
 * updates and deletes carry `If-Match` with the last server version seen). No network call happens inside a
 * transaction: read the batch with its content and mark it sent in one commit, send, then acknowledge
 * in new transactions, the confirmations that arrive together in one commit. In `put` and `post` modes up to
 * `concurrency` requests of a batch are in flight at once, each sent only after what it refers to in the batch
 * has been answered, and never two for one resource; the next batch starts once every confirmation of this one
 * is recorded (in `put` mode it is read meanwhile, without this batch's resources). `transaction` mode sends
 * one Bundle at a time and prepares the next one meanwhile.
 * @see docs/architecture.md "Sync protocol"
 */
export async function pushAll(ctx: SyncContext, client: FhirClient, policy: ConflictPolicy, settings: PushSettings, report: PushReport): Promise<void> {
  const { batchSize, mode, concurrency } = settings;
  const seen = new Set<string>();
  const pass: Pass = { ctx, client, policy, report, acks: new PushAcknowledger(ctx) };
  if (mode === 'transaction') return pushTransactions(pass, batchSize, seen);
  let ordered = await nextBatch(ctx, batchSize, seen, new Set());
  while (ordered.length > 0) {
    const tasks = ordered.map((p) => ({ key: rowKey(p.row), after: p.after, run: () => pushTask(pass, p, mode) }));
    const work = runInDependencyOrder(tasks, concurrency);
    // `put` mode reads the next batch while this one is on its way, without this batch's resources (an edit of one
    // made meanwhile is read in a later batch, once its confirmation is recorded, with the confirmed version as
    // its base), so the server is not kept waiting between batches. `post` mode reads it after: a create taking
    // its server id rewrites the references of what the next batch sends.
    const inFlight = new Set(tasks.map((t) => t.key));
    const following = mode === 'put' ? nextBatch(ctx, batchSize, seen, inFlight) : undefined;
    following?.catch(() => undefined);
    // Every confirmation of the batch is recorded before its tasks' resources are read again (or the failure thrown).
    const [done, next] = await Promise.allSettled([recordedThen(pass.acks, work), following]);
    if (done.status === 'rejected') throw done.reason;
    if (next.status === 'rejected') throw next.reason;
    // Nothing else pending: this batch's resources edited meanwhile are read now (after their confirmations).
    ordered = next.value !== undefined && next.value.length > 0 ? next.value : await nextBatch(ctx, batchSize, seen, new Set());
  }
}

/** One request of a `put` or `post` batch. */
async function pushTask(pass: Pass, pending: OrderedRow, mode: PushMode): Promise<void> {
  // In `post` mode what a row waited for may have taken a server id and rewritten this row's references: read it again.
  const sent = mode === 'post' && pending.after.length > 0 ? await pendingNow(pass.ctx, pending.row) : pending;
  if (sent) await pushOne(pass, sent, mode);
}

/**
 * Awaits `work`, then every confirmation queued meanwhile, whatever `work` did; throws `work`'s failure, else
 * the failure of recording a confirmation.
 */
async function recordedThen(acks: PushAcknowledger, work: Promise<void>): Promise<void> {
  const [done] = await Promise.allSettled([work]);
  try {
    await acks.settled();
  } catch (e) {
    if (done.status === 'fulfilled') throw e;
  }
  if (done.status === 'rejected') throw done.reason;
}

/** A row read again with its current content, or undefined when it was acknowledged meanwhile or is now held. */
async function pendingNow(ctx: SyncContext, sent: OutboxRow): Promise<PendingRow | undefined> {
  const [row, current] = await ctx.storage.pendingWithCurrent(sent.type, sent.id);
  return row && row.hold === undefined ? { row, current } : undefined;
}

/**
 * The next batch of pending rows in dependency order, marked sent (one commit): rows not seen in this pass at
 * their sequence number, and none of a resource in `inFlight` (a Bundle still on its way).
 */
async function nextBatch(ctx: SyncContext, batchSize: number, seen: Set<string>, inFlight: Set<string>): Promise<OrderedRow[]> {
  const batch = await ctx.storage.claimPendingChanges(batchSize, (r) => seen.has(`${rowKey(r)}/${r.seq}`) || inFlight.has(rowKey(r)));
  if (batch.length === 0) return [];
  for (const { row } of batch) seen.add(`${rowKey(row)}/${row.seq}`);
  return dependencyOrder(ctx, batch);
}

/**
 * Transaction mode: one Bundle in flight at a time; while it is, the previous Bundle's entries are acknowledged
 * (one commit) and then the next batch is read from the outbox and its Bundle built (without the resources in
 * flight), so the server is not kept waiting for the device.
 */
async function pushTransactions(pass: Pass, batchSize: number, seen: Set<string>): Promise<void> {
  const { ctx, acks } = pass;
  const pipeline = async (): Promise<void> => {
    let batch = await preparedBundle(ctx, batchSize, seen, new Set());
    while (batch) {
      const inFlight = new Set(batch.entries.map((e) => rowKey(e.row)));
      // The next batch is read once the confirmations queued so far are recorded: a resource of the previous
      // Bundle edited since is then read with its confirmed version as the base.
      const following = acks.settled().then(() => preparedBundle(ctx, batchSize, seen, inFlight));
      const [sent, next] = await Promise.allSettled([sendTransaction(pass, batch), following]);
      if (sent.status === 'rejected') throw sent.reason;
      if (next.status === 'rejected') throw next.reason;
      batch = next.value;
    }
  };
  // What the server answered is recorded before the pass ends, failed or not.
  await recordedThen(acks, pipeline());
}

/** A batch ready to go as a transaction Bundle. */
interface PreparedBundle {
  entries: PendingRow[];
  bundle: Resource;
}

async function preparedBundle(ctx: SyncContext, batchSize: number, seen: Set<string>, inFlight: Set<string>): Promise<PreparedBundle | undefined> {
  const ordered = await nextBatch(ctx, batchSize, seen, inFlight);
  if (ordered.length === 0) return undefined;
  const entries = ordered.map(({ row, current }) => ({ row, current }));
  return { entries, bundle: transactionBundle(entries) };
}

/** Commits replication bookkeeping (no resource version) through the storage port. */
async function record(ctx: SyncContext, mutation: PreparedMutation): Promise<void> {
  await ctx.storage.commit(() => ({ mutations: [mutation] }));
}

/** The live resource of a current row (undefined for a tombstone or an absent row). */
const liveResource = (current: ResourceRow | undefined): Resource | undefined => (current?.deleted === 0 ? current.resource : undefined);

/** An answer in the 2xx range. */
const succeeded = (status: number): boolean => status >= 200 && status < 300;

/** A delete the server no longer holds is done. */
const deleteDone = (row: OutboxRow, status: number): boolean => row.op === 'delete' && (status === 404 || status === 410);

/** The server's answer to one entry of a transaction Bundle. */
type EntryResponse = { status?: string; etag?: string; lastModified?: string };

/**
 * Transaction mode: one transaction Bundle per batch, each entry's outcome mapped back to its outbox row.
 * Sent with `Prefer: return=minimal`: each entry's `response` says all a push needs, so the server need not
 * write, nor the device read, every resource back. A 413 halves the batch; a refused transaction (it is all or
 * nothing) is retried entry by entry, so the one entry at fault is the only one dead-lettered or reconciled.
 * @see https://hl7.org/fhir/R5/http.html#transaction
 */
async function sendTransaction(pass: Pass, { entries, bundle }: PreparedBundle): Promise<void> {
  // The entries' answers are all a push reads (status, ETag, lastModified): the resources need not come back.
  const res = await pass.client.send('POST', '', bundle, { Prefer: 'return=minimal' });
  if (res.status === 413 && entries.length > 1) {
    const half = Math.ceil(entries.length / 2);
    for (const part of [entries.slice(0, half), entries.slice(half)]) await sendTransaction(pass, { entries: part, bundle: transactionBundle(part) });
    return;
  }
  const answered = entryResponses(res, entries.length);
  // The entries the server applied are acknowledged together, in one commit (while the next Bundle goes); the
  // others go again one by one.
  const again: PendingRow[] = [];
  for (const [i, entry] of entries.entries()) {
    const r = answered?.[i];
    const status = Number(r?.status?.split(' ')[0]);
    if (r !== undefined && (succeeded(status) || deleteDone(entry.row, status))) confirm(pass, entry.row, status >= 300 ? undefined : versionOfEtag(r.etag), r.lastModified);
    else again.push(entry);
  }
  for (const entry of again) await pushOne(pass, entry, 'transaction');
}

/** The transaction Bundle that replays `entries`, each by client id, updates and deletes with `If-Match`. */
function transactionBundle(entries: PendingRow[]): Resource {
  const entry = [];
  for (const { row, current } of entries) {
    const local = liveResource(current);
    const ifMatch = row.baseVersion !== undefined && row.op !== 'create';
    entry.push({
      ...(row.op !== 'delete' && local ? { resource: withoutServerMeta(local) } : {}),
      request: { method: row.op === 'delete' ? 'DELETE' : 'PUT', url: `${row.type}/${row.id}`, ...(ifMatch ? { ifMatch: formatEtag(row.baseVersion!) } : {}) },
    });
  }
  return { resourceType: 'Bundle', type: 'transaction', entry } as Resource;
}

/** Each entry's response of a committed transaction, or undefined when the server did not commit it as one. */
function entryResponses(res: RemoteResponse, count: number): (EntryResponse | undefined)[] | undefined {
  const answered = (res.body as { entry?: { response?: EntryResponse }[] } | undefined)?.entry;
  if (res.status !== 200 || !answered || answered.length !== count) return undefined;
  return answered.map((e) => e.response);
}

/**
 * Records that the server confirmed a change, in the next group commit, and reports it pushed once recorded.
 * Returns at once: the request's slot is free for the next one (the server holds what it confirmed); the
 * pass waits for the record before reading the next batch, and a failed commit fails the pass there.
 */
function confirm({ acks, report }: Pass, row: OutboxRow, version: string | undefined, lastUpdated: string | undefined): void {
  acks.confirm(row, version, lastUpdated).then(
    () => void report.pushed.push({ type: row.type, id: row.id, op: row.op, ...(version ? { version } : {}) }),
    () => undefined, // thrown by `acks.settled()`
  );
}

/** The resource as sent: `meta.versionId` and `meta.lastUpdated` are the server's to set. */
function withoutServerMeta(resource: Resource): Resource {
  const body = { ...resource } as Resource;
  if (body.meta) {
    const { versionId: _v, lastUpdated: _l, ...meta } = body.meta;
    if (Object.keys(meta).length > 0) body.meta = meta;
    else delete body.meta;
  }
  return body;
}

/** How a push sends one outbox row: `put` (and `transaction`'s fallback) by client id, `post` lets the server name creates. */
type PushMode = 'put' | 'post' | 'transaction';

interface PlannedRequest {
  method: 'PUT' | 'POST' | 'DELETE';
  path: string;
  body?: Resource;
  headers: Record<string, string>;
  /** True when the request carried `If-Match`: a 409/412 then means a conflict. */
  ifMatch: boolean;
}

/**
 * The request that replays one outbox row. In `post` mode a create is a POST carrying the identifier of its
 * local id with `If-None-Exist` on it (a retry finds what a lost answer created), and the delete of a create
 * the server may hold under an unknown id is a conditional delete on that identifier.
 * @see https://hl7.org/fhir/R5/http.html#ccreate
 */
function requestFor(row: OutboxRow, local: Resource | undefined, mode: PushMode): PlannedRequest {
  const ifMatch = row.baseVersion !== undefined && row.op !== 'create';
  const headers: Record<string, string> = ifMatch ? { 'If-Match': formatEtag(row.baseVersion!) } : {};
  if (mode === 'post' && row.op === 'create' && local) {
    const { id: _id, ...body } = withLocalIdentifier(withoutServerMeta(local), row.id) as Resource & { id?: string };
    if (carriesLocalIdentifier(row.type)) headers['If-None-Exist'] = localIdentifierQuery(row.id);
    return { method: 'POST', path: row.type, body: body as Resource, headers, ifMatch: false };
  }
  if (mode === 'post' && row.op === 'delete' && row.baseVersion === undefined && carriesLocalIdentifier(row.type)) {
    return { method: 'DELETE', path: `${row.type}?${localIdentifierQuery(row.id)}`, headers, ifMatch: false };
  }
  const path = `${row.type}/${row.id}`;
  if (row.op === 'delete') return { method: 'DELETE', path, headers, ifMatch };
  return { method: 'PUT', path, ...(local ? { body: withoutServerMeta(local) } : {}), headers, ifMatch };
}

/**
 * Pushes one outbox row with the content read with it (so the sequence number acknowledged is that of what
 * was sent; an edit made since is a later `seq`, pushed in a later batch), and settles the answer.
 */
async function pushOne(pass: Pass, { row, current }: PendingRow, mode: PushMode): Promise<void> {
  const local = liveResource(current);
  const request = requestFor(row, local, mode);
  const res = await pass.client.send(request.method, request.path, request.body, request.headers);
  await settleAnswer(pass, { row, local, request, res });
}

/** One pushed row and the server's answer to it. */
interface Answered {
  row: OutboxRow;
  local: Resource | undefined;
  request: PlannedRequest;
  res: RemoteResponse;
}

/**
 * What the answer to one pushed row means: a created resource taking the server's id, an acknowledgement, a
 * retry later, a conflict to reconcile, or a refusal for good (the dead-letter list).
 */
async function settleAnswer(pass: Pass, a: Answered): Promise<void> {
  const { ctx, report } = pass;
  const { row, request, res } = a;
  if (succeeded(res.status) && request.method === 'POST') return takeServerId(ctx, a, report);
  const lastUpdated = (res.body as Resource | undefined)?.meta?.lastUpdated;
  // A conditional delete names no version of a resource this store knows by id.
  if (succeeded(res.status)) return confirm(pass, row, request.method === 'DELETE' && request.path.includes('?') ? undefined : versionOf(res), lastUpdated);
  if (deleteDone(row, res.status)) return confirm(pass, row, undefined, undefined);
  if ((res.status === 409 || res.status === 412) && request.ifMatch) return reconcile(pass, row, a.local);
  // 400, 405 (advise push: 'post'), 409 without If-Match (e.g. referential integrity), 412 (If-None-Exist matched several), 422 …
  await record(ctx, deadLetterChange(row, res.status, res.body));
  report.failed.push({ type: row.type, id: row.id, status: res.status });
}

/** A create the server accepted under an id of its own (`push: 'post'`): the resource takes it locally. */
async function takeServerId(ctx: SyncContext, { row, res }: Answered, report: PushReport): Promise<void> {
  const serverId = idFromLocation(res.headers.get('location') ?? res.headers.get('content-location'), row.type) ?? (res.body as Resource | undefined)?.id;
  if (!serverId) throw new RetryableError(`${describeAnswer(res)} without naming the new resource (no Location, Content-Location or id)`);
  const version = versionOf(res);
  await adoptServerId(ctx, row, serverId, version, (res.body as Resource | undefined)?.meta?.lastUpdated);
  report.pushed.push({ type: row.type, id: serverId, localId: row.id, op: row.op, ...(version ? { version } : {}) });
}

/**
 * A 409/412 on a version-aware push: read the server's current version; if it already holds what was sent (a
 * response lost after the server committed), that is an acknowledgement; otherwise the conflict policy decides.
 */
async function reconcile(pass: Pass, row: OutboxRow, local: Resource | undefined): Promise<void> {
  const { ctx, client, policy, report } = pass;
  const res = await client.send('GET', `${row.type}/${row.id}`);
  const gone = res.status === 404 || res.status === 410;
  if (res.status !== 200 && !gone) throw new RetryableError(describeAnswer(res));
  const remoteResource = gone ? undefined : (res.body as Resource | undefined);
  const version = versionOf(res) ?? '';
  if (sameContent(local, remoteResource)) return confirm(pass, row, version || undefined, undefined);
  // A version this device sent whose answer was lost, with newer local edits on top: adopt it as the base.
  if (version && (await adoptLandedVersion(ctx, row, version, remoteResource))) return;
  const { value: open } = await ctx.storage.commit(async () => {
    let decision;
    try {
      decision = await decide(ctx, policy, { type: row.type, id: row.id, version, ...(remoteResource ? { resource: remoteResource } : {}) });
    } catch (e) {
      if (e instanceof InvalidRemoteResource) throw new RetryableError(e.message);
      throw e;
    }
    return { assumes: [decision.assumption], mutations: [serverChanges(decision.steps)], after: () => decision.conflict !== undefined };
  });
  report.conflicts.push({ type: row.type, id: row.id, open });
}
