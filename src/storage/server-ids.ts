import type { Resource } from 'fhir/r5';
import { key } from '../search/parameters/index-entry.js';
import { keyPrefix } from './index-keys.js';
import type { OutboxRow, ResourceRow } from './rows.js';
import type { StoreDatabase } from './schema.js';
import { DexieSearchSource } from './search-source.js';
import type { PreparedResource } from './sync-store.js';
import { indexedRow, StalePlanError, unpackIndex, updateTextStats, type WriteResult } from './write.js';
import { applyWrites } from './write-batch.js';

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
interface ServerIdAssignment {
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
 * Moves a resource from its local id to the id the server assigned, in one transaction: the current row and
 * every history row take the new id, the outbox row goes (or stays, re-keyed, for an edit made while the POST
 * was in flight, now an update based on the server's version), the server version is remembered, and
 * every resource that referred to the local id gets a new local version referring to the server id (so
 * it is pushed with the right reference). Throws `StalePlanError` when any planned-on version changed.
 * @see https://hl7.org/fhir/R5/http.html#create
 */
export async function assignServerId(db: StoreDatabase, a: ServerIdAssignment, now: number): Promise<WriteResult[]> {
  const { type, id: localId } = a.row;
  return db.transaction('rw', [...db.writeTables, db.conflicts], async () => {
    const current = await db.resources.get([type, localId]);
    if (!current || current.versionId !== a.basedOn) throw new StalePlanError(`${type}/${localId} changed while its server id was being assigned`);
    for (const r of a.referrers) {
      const row = await db.resources.get([r.type, r.id]);
      if (row?.versionId !== r.basedOn) throw new StalePlanError(`${r.type}/${r.id} changed while its references were being rewritten`);
    }
    if (await db.resources.get([type, a.serverId])) throw new Error(`${type}/${a.serverId}, the id the server assigned to ${type}/${localId}, is already held locally`);

    const history = await db.history.where('[type+id+versionId]').between([type, localId, 0], [type, localId, Infinity], true, true).toArray();
    await db.history.bulkPut(history.map((h) => ({ ...h, id: a.serverId, ...(h.resource ? { resource: a.rename(h.resource) } : {}) })));

    const moved: ResourceRow = indexedRow(
      { type, id: a.serverId, versionId: current.versionId, ts: current.ts, deleted: a.renamed ? 0 : 1 },
      a.renamed?.index ?? [],
      a.renamed?.text,
    );
    if (a.renamed) moved.resource = a.renamed.resource;
    await db.resources.delete([type, localId]);
    await db.resources.put(moved);
    await updateTextStats(db, type, unpackIndex(current).text, a.renamed?.text);

    const pending = await db.outbox.get([type, localId]);
    await db.outbox.delete([type, localId]);
    if (pending && pending.seq !== a.row.seq) {
      const next: OutboxRow = { ...pending, id: a.serverId, op: pending.op === 'delete' ? 'delete' : 'update' };
      if (a.version !== undefined) next.baseVersion = a.version;
      await db.outbox.put(next);
    }
    if (a.version !== undefined) {
      await db.remote.put({ type, id: a.serverId, version: a.version, localVersion: a.row.localVersion, deleted: false, ...(a.lastUpdated ? { lastUpdated: a.lastUpdated } : {}) });
    }
    // Open conflicts keep copies of local resources: they take the server id too when resolved.
    await db.conflicts.where('[type+resourceId]').equals([type, localId]).modify((c) => {
      c.resourceId = a.serverId;
      if (c.local) c.local = a.rename(c.local);
    });

    const results = await applyWrites(
      db,
      a.referrers.map((r) => ({ type: r.type, id: r.id, kind: 'put' as const, resource: r.prepared.resource, index: r.prepared.index, text: r.prepared.text, basedOn: r.basedOn, origin: 'local' as const })),
      now,
      true,
    );
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
  });
}

/**
 * The resources that refer to `target` (`Type/id`) through any reference search parameter of their type, found
 * by index key (one multi-entry lookup), not by reading every row.
 */
export async function referringResources(
  db: StoreDatabase,
  referenceParameters: (type: string) => Iterable<string>,
  target: string,
): Promise<[string, string][]> {
  const types = await new DexieSearchSource(db).types();
  const keys: string[] = [];
  for (const type of types) for (const code of referenceParameters(type)) keys.push(keyPrefix(type, code) + key.ref(target));
  if (keys.length === 0) return [];
  const found = await db.resources.where('ix').anyOf(keys).primaryKeys();
  return [...new Map(found.map((k) => [`${k[0]}/${k[1]}`, k as [string, string]])).values()];
}
