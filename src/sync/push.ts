import type { Resource } from 'fhir/r5';
import type { PreparedMutation } from '../storage/port.js';
import { acknowledgeChange, adoptServerVersion, deadLetterChange, markRowsSent, serverChanges } from '../storage/replica-mutations.js';
import type { OutboxRow, ResourceRow } from '../storage/rows.js';
import { formatEtag } from '../history/etag.js';
import { describeAnswer, FhirClient, versionOf, versionOfEtag, type RemoteResponse } from './client.js';
import type { SyncContext } from './context.js';
import { decide, InvalidRemoteResource } from './decide.js';
import { RetryableError } from './errors.js';
import { sameContent } from './merge.js';
import { dependencyOrder, rowKey, type OrderedRow } from './push-order.js';
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
 * Pushes every pending local change once (put mode: client-assigned ids with PUT, idempotent on retry;
 * updates and deletes carry `If-Match` with the last server version seen). No network call happens inside a
 * transaction: read the batch, send, then acknowledge in a new transaction. In `put` and `post` modes up to
 * `concurrency` requests of a batch are in flight at once, each sent only after what it refers to in the batch
 * has settled, and never two for one resource; `transaction` mode sends one Bundle at a time and prepares the
 * next one meanwhile.
 * @see docs/architecture.md "Sync protocol"
 */
export async function pushAll(ctx: SyncContext, client: FhirClient, policy: ConflictPolicy, settings: PushSettings, report: PushReport): Promise<void> {
  const { batchSize, mode, concurrency } = settings;
  const seen = new Set<string>();
  if (mode === 'transaction') return pushTransactions(ctx, client, policy, batchSize, seen, report);
  for (;;) {
    const ordered = await nextBatch(ctx, batchSize, seen, new Set());
    if (ordered.length === 0) return;
    const tasks = ordered.map(({ row, after }) => ({ key: rowKey(row), after, run: () => pushOne(ctx, client, policy, row, report, mode) }));
    await runInDependencyOrder(tasks, concurrency);
  }
}

/**
 * The next batch of pending rows in dependency order, marked sent: rows not seen in this pass at their sequence
 * number, and none of a resource in `inFlight` (a Bundle still on its way).
 */
async function nextBatch(ctx: SyncContext, batchSize: number, seen: Set<string>, inFlight: Set<string>): Promise<OrderedRow[]> {
  const rows = (await ctx.storage.pendingChanges(batchSize + inFlight.size))
    .filter((r) => !seen.has(`${rowKey(r)}/${r.seq}`) && !inFlight.has(rowKey(r)))
    .slice(0, batchSize);
  if (rows.length === 0) return [];
  await record(ctx, markRowsSent(rows));
  for (const row of rows) seen.add(`${rowKey(row)}/${row.seq}`);
  return dependencyOrder(ctx, rows);
}

/**
 * Transaction mode: one Bundle in flight at a time; while it is, the next batch is read from the outbox and its
 * Bundle built (without the resources in flight), so the server is not kept waiting for the device.
 */
async function pushTransactions(ctx: SyncContext, client: FhirClient, policy: ConflictPolicy, batchSize: number, seen: Set<string>, report: PushReport): Promise<void> {
  let batch = await preparedBundle(ctx, batchSize, seen, new Set());
  while (batch) {
    const inFlight = new Set(batch.rows.map(rowKey));
    const [sent, following] = await Promise.allSettled([sendTransaction(ctx, client, policy, batch, report), preparedBundle(ctx, batchSize, seen, inFlight)]);
    if (sent.status === 'rejected') throw sent.reason;
    if (following.status === 'rejected') throw following.reason;
    batch = following.value;
  }
}

/** A batch ready to go as a transaction Bundle. */
interface PreparedBundle {
  rows: OutboxRow[];
  bundle: Resource;
}

async function preparedBundle(ctx: SyncContext, batchSize: number, seen: Set<string>, inFlight: Set<string>): Promise<PreparedBundle | undefined> {
  const ordered = await nextBatch(ctx, batchSize, seen, inFlight);
  if (ordered.length === 0) return undefined;
  const rows = ordered.map((o) => o.row);
  return { rows, bundle: await transactionBundle(ctx, rows) };
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
 * A 413 halves the batch; a refused transaction (it is all or nothing) is retried entry by entry, so the
 * one entry at fault is the only one dead-lettered or reconciled.
 * @see https://hl7.org/fhir/R5/http.html#transaction
 */
async function sendTransaction(ctx: SyncContext, client: FhirClient, policy: ConflictPolicy, { rows, bundle }: PreparedBundle, report: PushReport): Promise<void> {
  const res = await client.send('POST', '', bundle);
  if (res.status === 413 && rows.length > 1) {
    const half = Math.ceil(rows.length / 2);
    for (const part of [rows.slice(0, half), rows.slice(half)]) await sendTransaction(ctx, client, policy, { rows: part, bundle: await transactionBundle(ctx, part) }, report);
    return;
  }
  const answered = entryResponses(res, rows.length);
  // The entries the server applied are acknowledged together, in one commit; the others go again one by one.
  const applied: { row: OutboxRow; version: string | undefined; lastModified: string | undefined }[] = [];
  const again: OutboxRow[] = [];
  for (const [i, row] of rows.entries()) {
    const r = answered?.[i];
    const status = Number(r?.status?.split(' ')[0]);
    if (r !== undefined && (succeeded(status) || deleteDone(row, status))) applied.push({ row, version: status >= 300 ? undefined : versionOfEtag(r.etag), lastModified: r.lastModified });
    else again.push(row);
  }
  if (applied.length > 0) {
    await ctx.storage.commit(() => ({ mutations: applied.map((a) => acknowledgeChange(a.row, a.version, a.lastModified)) }));
    for (const { row, version } of applied) report.pushed.push({ type: row.type, id: row.id, op: row.op, ...(version ? { version } : {}) });
  }
  for (const row of again) await pushOne(ctx, client, policy, row, report, 'transaction');
}

/** The transaction Bundle that replays `rows`, each by client id, updates and deletes with `If-Match`. */
async function transactionBundle(ctx: SyncContext, rows: OutboxRow[]): Promise<Resource> {
  const entry = [];
  for (const row of rows) {
    const local = liveResource(await ctx.storage.current(row.type, row.id));
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

/** Records that the server confirmed a change, and reports it pushed. */
async function confirm(ctx: SyncContext, row: OutboxRow, version: string | undefined, lastUpdated: string | undefined, report: PushReport): Promise<void> {
  await record(ctx, acknowledgeChange(row, version, lastUpdated));
  report.pushed.push({ type: row.type, id: row.id, op: row.op, ...(version ? { version } : {}) });
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
 * Pushes one outbox row: reads it with the content it sends (so the sequence number acknowledged is that of
 * what was sent), sends it, and settles the answer.
 */
async function pushOne(ctx: SyncContext, client: FhirClient, policy: ConflictPolicy, sent: OutboxRow, report: PushReport, mode: PushMode): Promise<void> {
  const [row, current] = await ctx.storage.pendingWithCurrent(sent.type, sent.id);
  if (!row || row.hold !== undefined) return; // acknowledged meanwhile, or now held by a conflict
  const local = liveResource(current);
  const request = requestFor(row, local, mode);
  const res = await client.send(request.method, request.path, request.body, request.headers);
  await settleAnswer(ctx, client, policy, { row, local, request, res }, report);
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
async function settleAnswer(ctx: SyncContext, client: FhirClient, policy: ConflictPolicy, a: Answered, report: PushReport): Promise<void> {
  const { row, request, res } = a;
  if (succeeded(res.status) && request.method === 'POST') return takeServerId(ctx, a, report);
  const lastUpdated = (res.body as Resource | undefined)?.meta?.lastUpdated;
  // A conditional delete names no version of a resource this store knows by id.
  if (succeeded(res.status)) return confirm(ctx, row, request.method === 'DELETE' && request.path.includes('?') ? undefined : versionOf(res), lastUpdated, report);
  if (deleteDone(row, res.status)) return confirm(ctx, row, undefined, undefined, report);
  if ((res.status === 409 || res.status === 412) && request.ifMatch) return reconcile(ctx, client, policy, row, a.local, report);
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
async function reconcile(ctx: SyncContext, client: FhirClient, policy: ConflictPolicy, row: OutboxRow, local: Resource | undefined, report: PushReport): Promise<void> {
  const res = await client.send('GET', `${row.type}/${row.id}`);
  const gone = res.status === 404 || res.status === 410;
  if (res.status !== 200 && !gone) throw new RetryableError(describeAnswer(res));
  const remoteResource = gone ? undefined : (res.body as Resource | undefined);
  const version = versionOf(res) ?? '';
  if (sameContent(local, remoteResource)) return confirm(ctx, row, version || undefined, undefined, report);
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
