import type { Resource } from 'fhir/r5';
import type { PreparedResource } from './remote-steps.js';
import { indexedRow, textKeyOf } from './resource-row.js';
import { StatsDelta } from './row-stats.js';
import type { OutboxRow, ResourceRow } from './rows.js';
import type { StoreDatabase } from './schema.js';
import { applyWrites } from './write-batch.js';
import { StalePlanError, type WriteResult, type WriteSpec } from './write.js';

/** A resource whose references were rewritten to a server id, planned on its current version. */
export interface RewrittenReferrer {
  type: string;
  id: string;
  basedOn: number;
  prepared: PreparedResource;
}

/**
 * A create the server accepted under an id of its own (`push: 'post'`), and what taking that id locally takes,
 * planned outside the transaction on the versions named by `basedOn`.
 */
export interface ServerIdAssignment {
  /** The outbox row as it was sent. */
  row: OutboxRow;
  serverId: string;
  /** The server's version of what was sent (for the next `If-Match`). */
  version: string | undefined;
  lastUpdated?: string;
  /** Local versionId of the resource when the plan was made. */
  basedOn: number;
  /** The current resource under its new id, indexed (undefined when it was deleted locally meanwhile). */
  renamed?: PreparedResource;
  /** The same renaming for each stored version (history keeps one resource with one id). */
  rename: (resource: Resource) => Resource;
  /** Resources that referred to the local id, with the server id in its place. */
  referrers: RewrittenReferrer[];
}

/**
 * Moves a resource from its local id to the id the server assigned, inside an open read-write transaction: the
 * current row and every history row take the new id, the outbox row goes (or stays, re-keyed, for an edit made
 * while the POST was in flight, now an update based on the server's version), the server version is
 * remembered, and every resource that referred to the local id gets a new local version referring to the
 * server id through the ordinary write path (so it is pushed with the right reference). Throws
 * `StalePlanError` when any planned-on version changed.
 * @see https://hl7.org/fhir/R5/http.html#create
 */
export async function renameToServerId(db: StoreDatabase, a: ServerIdAssignment, now: number): Promise<WriteResult[]> {
  const { type, id: localId } = a.row;
  const current = await db.resources.get([type, localId]);
  if (!current || current.versionId !== a.basedOn) throw new StalePlanError(`${type}/${localId} changed while its server id was being assigned`);
  if (await db.resources.get([type, a.serverId])) throw new Error(`${type}/${a.serverId}, the id the server assigned to ${type}/${localId}, is already held locally`);

  await renameHistory(db, a);
  const moved = await moveCurrentRow(db, a, current);
  await rekeyOutbox(db, a);
  if (a.version !== undefined) {
    await db.remote.put({ type, id: a.serverId, version: a.version, localVersion: a.row.localVersion, deleted: false, ...(a.lastUpdated ? { lastUpdated: a.lastUpdated } : {}) });
  }
  // Open conflicts keep copies of local resources: they take the server id too when resolved.
  await db.conflicts.where('[type+resourceId]').equals([type, localId]).modify((c) => {
    c.resourceId = a.serverId;
    if (c.local) c.local = a.rename(c.local);
  });
  // The referrers' new versions are ordinary local writes: preconditions on `basedOn`, history, text statistics, outbox.
  const referrers = a.referrers.map((r): WriteSpec => ({ type: r.type, id: r.id, kind: 'put', resource: r.prepared.resource, index: r.prepared.index, text: r.prepared.text, basedOn: r.basedOn, origin: 'local' }));
  const results = await applyWrites(db, referrers, now, true);
  const renamed: WriteResult = {
    type,
    id: a.serverId,
    previousId: localId,
    versionId: current.versionId,
    ts: current.ts,
    lastUpdated: new Date(current.ts).toISOString(),
    ...(moved.resource ? { resource: moved.resource } : {}),
    created: false,
    noop: false,
    op: a.renamed ? 'update' : 'delete',
    origin: 'remote',
  };
  return [renamed, ...results];
}

/** Every stored version takes the new id (and the renamed content). */
async function renameHistory(db: StoreDatabase, a: ServerIdAssignment): Promise<void> {
  const { type, id: localId } = a.row;
  const history = await db.history.where('[type+id+versionId]').between([type, localId, 0], [type, localId, Infinity], true, true).toArray();
  await db.history.bulkPut(history.map((h) => ({ ...h, id: a.serverId, ...(h.resource ? { resource: a.rename(h.resource) } : {}) })));
}

/** The current row and its full text move to the new key with the same version, re-indexed; the statistics follow. */
async function moveCurrentRow(db: StoreDatabase, a: ServerIdAssignment, current: ResourceRow): Promise<ResourceRow> {
  const { type, id: localId } = a.row;
  const base = { type, id: a.serverId, versionId: current.versionId, ts: current.ts, deleted: a.renamed ? 0 : 1, ...(a.renamed ? { resource: a.renamed.resource } : {}) } as const;
  const { row: moved, text } = indexedRow(base, a.renamed?.index ?? [], a.renamed?.text);
  const oldText = textKeyOf(current);
  const stats = new StatsDelta();
  stats.add(type, current, undefined);
  stats.add(type, undefined, moved);
  await Promise.all([
    db.resources.delete([type, localId]),
    db.resources.put(moved),
    oldText ? db.texts.delete(oldText) : undefined,
    text ? db.texts.put(text) : undefined,
    stats.flush(db),
  ]);
  return moved;
}

/** The sent row goes; an edit made while the POST was in flight stays, as an update of the server's version. */
async function rekeyOutbox(db: StoreDatabase, a: ServerIdAssignment): Promise<void> {
  const { type, id: localId } = a.row;
  const pending = await db.outbox.get([type, localId]);
  await db.outbox.delete([type, localId]);
  if (pending && pending.seq !== a.row.seq) {
    const next: OutboxRow = { ...pending, id: a.serverId, op: pending.op === 'delete' ? 'delete' : 'update' };
    if (a.version !== undefined) next.baseVersion = a.version;
    await db.outbox.put(next);
  }
}
