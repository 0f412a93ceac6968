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

/** Local references of a resource (`Type/id`), for pushing referenced resources first. */
function referencesOf(resource: Resource | undefined): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'reference' && typeof x === 'string' && /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(x)) out.push(x);
        else walk(x);
      }
    }
  };
  walk(resource);
  return out;
}

/** Orders a batch so that a resource another one refers to goes first (deletes last, in reverse). */
async function dependencyOrder(ctx: SyncContext, rows: OutboxRow[]): Promise<OutboxRow[]> {
  const key = (r: { type: string; id: string }): string => `${r.type}/${r.id}`;
  const inBatch = new Map(rows.map((r) => [key(r), r]));
  const refs = new Map<string, string[]>();
  for (const r of rows) {
    const cur = await ctx.storage.current(r.type, r.id);
    refs.set(key(r), referencesOf(cur?.resource).filter((k) => inBatch.has(k) && k !== key(r)));
  }
  const ordered: OutboxRow[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (k: string): void => {
    if (state.get(k)) return; // a cycle is broken where it is met
    state.set(k, 'visiting');
    for (const dep of refs.get(k) ?? []) visit(dep);
    state.set(k, 'done');
    ordered.push(inBatch.get(k)!);
  };
  for (const r of rows.filter((x) => x.op !== 'delete')) visit(key(r));
  const deletes = rows.filter((x) => x.op === 'delete');
  return [...ordered, ...deletes];
}


/**
 * Pushes every pending local change once (put mode: client-assigned ids with PUT, idempotent on retry;
 * updates and deletes carry `If-Match` with the last server version seen). No network call happens inside a
 * transaction: read the batch, send, then acknowledge in a new transaction.
 * @see docs/architecture.md "Sync protocol"
 */
export async function pushAll(
  ctx: SyncContext,
  client: FhirClient,
  policy: ConflictPolicy,
  batchSize: number,
  report: PushReport,
  mode: PushMode = 'put',
): Promise<void> {
  const seen = new Set<string>();
  for (;;) {
    const rows = (await ctx.storage.pendingChanges(batchSize)).filter((r) => !seen.has(`${r.type}/${r.id}/${r.seq}`));
    if (rows.length === 0) return;
    await record(ctx, markRowsSent(rows));
    const ordered = await dependencyOrder(ctx, rows);
    for (const row of ordered) seen.add(`${row.type}/${row.id}/${row.seq}`);
    if (mode === 'transaction') await pushTransaction(ctx, client, policy, ordered, report);
    else for (const row of ordered) await pushOne(ctx, client, policy, row, report, mode);
  }
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
async function pushTransaction(ctx: SyncContext, client: FhirClient, policy: ConflictPolicy, rows: OutboxRow[], report: PushReport): Promise<void> {
  if (rows.length === 0) return;
  const res = await client.send('POST', '', await transactionBundle(ctx, rows));
  if (res.status === 413 && rows.length > 1) {
    const half = Math.ceil(rows.length / 2);
    await pushTransaction(ctx, client, policy, rows.slice(0, half), report);
    await pushTransaction(ctx, client, policy, rows.slice(half), report);
    return;
  }
  const answered = entryResponses(res, rows.length);
  for (const [i, row] of rows.entries()) {
    const r = answered?.[i];
    if (r === undefined || !(await settleEntry(ctx, row, r, report))) await pushOne(ctx, client, policy, row, report, 'transaction');
  }
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

/** Acknowledges an entry the transaction applied; false when the entry failed and goes again on its own. */
async function settleEntry(ctx: SyncContext, row: OutboxRow, r: EntryResponse, report: PushReport): Promise<boolean> {
  const status = Number(r.status?.split(' ')[0]);
  if (!succeeded(status) && !deleteDone(row, status)) return false;
  const version = versionOfEtag(r.etag);
  await confirm(ctx, row, status >= 300 ? undefined : version, r.lastModified, report);
  return true;
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
