import type { Resource } from 'fhir/r5';
import { StalePlanError } from '../storage/write.js';
import { acknowledge, adoptVersion, applyRemoteSteps, deadLetter, markSent, pendingChanges } from '../storage/sync-store.js';
import type { OutboxRow } from '../storage/rows.js';
import { formatEtag } from '../history/etag.js';
import { describeAnswer, FhirClient, versionOf, versionOfEtag } from './client.js';
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
  const held = await ctx.db.remote.get([row.type, row.id]);
  const since = (held?.localVersion ?? 0) + 1;
  const mine = await ctx.db.history.where('[type+id+versionId]').between([row.type, row.id, since], [row.type, row.id, Infinity], true, true).toArray();
  const landed = mine.reverse().find((v) => sameContent(v.resource, remote));
  if (!landed) return false;
  await adoptVersion(ctx.db, row, version, landed.versionId, remote === undefined);
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
    const cur = await ctx.db.resources.get([r.type, r.id]);
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
    const rows = (await pendingChanges(ctx.db, batchSize)).filter((r) => !seen.has(`${r.type}/${r.id}/${r.seq}`));
    if (rows.length === 0) return;
    await markSent(ctx.db, rows, ctx.clock().getTime());
    const ordered = await dependencyOrder(ctx, rows);
    for (const row of ordered) seen.add(`${row.type}/${row.id}/${row.seq}`);
    if (mode === 'transaction') await pushTransaction(ctx, client, policy, ordered, report);
    else for (const row of ordered) await pushOne(ctx, client, policy, row, report, mode);
  }
}

/**
 * Transaction mode: one transaction Bundle per batch, each entry's outcome mapped back to its outbox row.
 * A 413 halves the batch; a refused transaction (it is all or nothing) is retried entry by entry, so the
 * one entry at fault is the only one dead-lettered or reconciled.
 * @see https://hl7.org/fhir/R5/http.html#transaction
 */
async function pushTransaction(ctx: SyncContext, client: FhirClient, policy: ConflictPolicy, rows: OutboxRow[], report: PushReport): Promise<void> {
  if (rows.length === 0) return;
  const entries = [];
  for (const row of rows) {
    const current = await ctx.db.resources.get([row.type, row.id]);
    const local = current?.deleted === 0 ? current.resource : undefined;
    const ifMatch = row.baseVersion !== undefined && row.op !== 'create';
    entries.push({
      ...(row.op !== 'delete' && local ? { resource: withoutServerMeta(local) } : {}),
      request: { method: row.op === 'delete' ? 'DELETE' : 'PUT', url: `${row.type}/${row.id}`, ...(ifMatch ? { ifMatch: formatEtag(row.baseVersion!) } : {}) },
    });
  }
  const res = await client.send('POST', '', { resourceType: 'Bundle', type: 'transaction', entry: entries });
  if (res.status === 413 && rows.length > 1) {
    const half = Math.ceil(rows.length / 2);
    await pushTransaction(ctx, client, policy, rows.slice(0, half), report);
    await pushTransaction(ctx, client, policy, rows.slice(half), report);
    return;
  }
  const answered = (res.body as { entry?: { response?: { status?: string; etag?: string; lastModified?: string } }[] } | undefined)?.entry;
  if (res.status !== 200 || !answered || answered.length !== rows.length) {
    for (const row of rows) await pushOne(ctx, client, policy, row, report, 'transaction');
    return;
  }
  for (const [i, row] of rows.entries()) {
    const r = answered[i]?.response;
    const status = Number(r?.status?.split(' ')[0]);
    const version = versionOfEtag(r?.etag);
    if ((status >= 200 && status < 300) || (row.op === 'delete' && (status === 404 || status === 410))) {
      await acknowledge(ctx.db, row, status >= 300 ? undefined : version, r?.lastModified);
      report.pushed.push({ type: row.type, id: row.id, op: row.op, ...(version ? { version } : {}) });
    } else {
      await pushOne(ctx, client, policy, row, report, 'transaction');
    }
  }
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

async function pushOne(ctx: SyncContext, client: FhirClient, policy: ConflictPolicy, sent: OutboxRow, report: PushReport, mode: PushMode): Promise<void> {
  // The row and the content are read together, so the sequence number acknowledged is that of what was sent.
  const [row, current] = await ctx.db.transaction('r', [ctx.db.outbox, ctx.db.resources], () =>
    Promise.all([ctx.db.outbox.get([sent.type, sent.id]), ctx.db.resources.get([sent.type, sent.id])]),
  );
  if (!row || row.hold !== undefined) return; // acknowledged meanwhile, or now held by a conflict
  const local = current?.deleted === 0 ? current.resource : undefined;
  const request = requestFor(row, local, mode);
  const res = await client.send(request.method, request.path, request.body, request.headers);
  const lastUpdated = (res.body as Resource | undefined)?.meta?.lastUpdated;
  if (res.status >= 200 && res.status < 300 && request.method === 'POST') {
    const serverId = idFromLocation(res.headers.get('location') ?? res.headers.get('content-location'), row.type) ?? (res.body as Resource | undefined)?.id;
    if (!serverId) throw new RetryableError(`${describeAnswer(res)} without naming the new resource (no Location, Content-Location or id)`);
    const version = versionOf(res);
    await adoptServerId(ctx, row, serverId, version, lastUpdated);
    report.pushed.push({ type: row.type, id: serverId, localId: row.id, op: row.op, ...(version ? { version } : {}) });
    return;
  }
  if (res.status >= 200 && res.status < 300) {
    const version = request.method === 'DELETE' && request.path.includes('?') ? undefined : versionOf(res);
    await acknowledge(ctx.db, row, version, lastUpdated);
    report.pushed.push({ type: row.type, id: row.id, op: row.op, ...(version ? { version } : {}) });
    return;
  }
  if (row.op === 'delete' && (res.status === 404 || res.status === 410)) {
    await acknowledge(ctx.db, row, undefined);
    report.pushed.push({ type: row.type, id: row.id, op: row.op });
    return;
  }
  if ((res.status === 409 || res.status === 412) && request.ifMatch) {
    await reconcile(ctx, client, policy, row, local, report);
    return;
  }
  // 400, 405 (advise push: 'post'), 409 without If-Match (e.g. referential integrity), 412 (If-None-Exist matched several), 422 …
  await deadLetter(ctx.db, row, res.status, res.body, ctx.clock().getTime());
  report.failed.push({ type: row.type, id: row.id, status: res.status });
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
  if (sameContent(local, remoteResource)) {
    await acknowledge(ctx.db, row, version || undefined);
    report.pushed.push({ type: row.type, id: row.id, op: row.op, ...(version ? { version } : {}) });
    return;
  }
  // A version this device sent whose answer was lost, with newer local edits on top: adopt it as the base.
  if (version && (await adoptLandedVersion(ctx, row, version, remoteResource))) return;
  for (let i = 0; i < 3; i++) {
    try {
      const decision = await decide(ctx, policy, { type: row.type, id: row.id, version, ...(remoteResource ? { resource: remoteResource } : {}) });
      const results = await applyRemoteSteps(ctx.db, decision.steps, [decision.assumption], ctx.clock().getTime());
      ctx.onCommit(results);
      report.conflicts.push({ type: row.type, id: row.id, open: decision.conflict !== undefined });
      return;
    } catch (e) {
      if (e instanceof StalePlanError) continue;
      if (e instanceof InvalidRemoteResource) throw new RetryableError(e.message);
      throw e;
    }
  }
}
