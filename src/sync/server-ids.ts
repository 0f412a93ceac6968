import type { Identifier, Resource } from 'fhir/r5';
import { isRepeating } from '../model/r5-model.js';
import { rewriteReferences } from '../model/references.js';
import type { OutboxRow } from '../storage/rows.js';
import type { PreparedResource } from '../storage/remote-steps.js';
import type { ServerIdAssignment, RewrittenReferrer } from '../storage/rename-to-server-id.js';
import { takeServerId } from '../storage/replica-mutations.js';
import type { SyncContext } from './context.js';

/** The identifier system of a URI (RFC 3986), under which a local id is kept as `urn:uuid:<id>`. */
const LOCAL_ID_SYSTEM = 'urn:ietf:rfc:3986';

/** The identifier that names a local resource on the server until (and after) the server assigned its id. */
const localIdentifier = (localId: string): Identifier => ({ system: LOCAL_ID_SYSTEM, value: `urn:uuid:${localId}` });

/** The search that finds the server's copy of a local resource: `identifier=urn:ietf:rfc:3986|urn:uuid:<id>`. */
export const localIdentifierQuery = (localId: string): string => `identifier=${encodeURIComponent(`${LOCAL_ID_SYSTEM}|urn:uuid:${localId}`)}`;

/** Whether resources of `type` have a repeating `identifier` element (most do; Bundle's is single, Binary has none). */
export const carriesLocalIdentifier = (type: string): boolean => isRepeating(`${type}.identifier`);

/**
 * The resource with the identifier of its local id added (once). The server keeps it, so a retried POST
 * with `If-None-Exist` on it finds the resource a lost answer had created instead of making a second one.
 * @see https://hl7.org/fhir/R5/http.html#ccreate
 */
export function withLocalIdentifier(resource: Resource, localId: string): Resource {
  if (!carriesLocalIdentifier(resource.resourceType)) return resource;
  const mine = localIdentifier(localId);
  const list = ((resource as { identifier?: Identifier[] }).identifier ?? []);
  if (list.some((i) => i.system === mine.system && i.value === mine.value)) return resource;
  return { ...resource, identifier: [...list, mine] } as Resource;
}

/** The id in a `Location` (or `Content-Location`) header: `[base]/Type/id/_history/v` or `Type/id`. */
export function idFromLocation(location: string | null, type: string): string | undefined {
  if (!location) return undefined;
  const m = new RegExp(`(?:^|/)${type}/([A-Za-z0-9\\-.]{1,64})(?:/_history/[^/]+)?/?$`).exec(location.split('?')[0]!);
  return m?.[1];
}

/**
 * Takes the id the server assigned to a created resource: the resource and its history move to the new id,
 * it keeps the identifier of its local id, and every local resource that referred to `Type/localId` (found by
 * the reference index) now refers to `Type/serverId` in a new local version that will be pushed. Planned
 * outside the transaction, committed through the storage port (planned again when a local write got in between).
 */
export async function adoptServerId(ctx: SyncContext, row: OutboxRow, serverId: string, version: string | undefined, lastUpdated: string | undefined): Promise<void> {
  const { type, id: localId } = row;
  const targets = new Map<string, string>([[`${type}/${localId}`, `${type}/${serverId}`]]);
  if (ctx.baseUrl) targets.set(`${ctx.baseUrl.replace(/\/+$/, '')}/${type}/${localId}`, `${type}/${serverId}`);
  const rename = (r: Resource): Resource => rewriteReferences(withLocalIdentifier({ ...r, id: serverId } as Resource, localId), targets);
  await ctx.storage.commit(async () => {
    const current = await ctx.storage.current(type, localId);
    if (!current) return { mutations: [] }; // already moved (another tab, or an earlier attempt that committed)
    const renamed = current.deleted === 0 && current.resource ? prepareOrThrow(ctx, rename(current.resource)) : undefined;
    const assignment: ServerIdAssignment = {
      row,
      serverId,
      version,
      ...(lastUpdated ? { lastUpdated } : {}),
      basedOn: current.versionId,
      ...(renamed ? { renamed } : {}),
      rename,
      referrers: await rewrittenReferrers(ctx, type, localId, targets),
    };
    return { mutations: [takeServerId(assignment)] };
  });
}

/** The live resources that refer to `type/localId`, with their references rewritten by `targets`. */
async function rewrittenReferrers(ctx: SyncContext, type: string, localId: string, targets: Map<string, string>): Promise<RewrittenReferrer[]> {
  const referrers: RewrittenReferrer[] = [];
  for (const [rType, rId] of await ctx.storage.referringResources(ctx.referenceParameters, `${type}/${localId}`)) {
    if (rType === type && rId === localId) continue;
    const r = await ctx.storage.current(rType, rId);
    if (r?.deleted !== 0 || !r.resource) continue;
    referrers.push({ type: rType, id: rId, basedOn: r.versionId, prepared: prepareOrThrow(ctx, rewriteReferences(r.resource, targets)) });
  }
  return referrers;
}

function prepareOrThrow(ctx: SyncContext, resource: Resource): PreparedResource {
  const p = ctx.prepare(resource);
  if ('error' in p) throw new Error(`${resource.resourceType}/${resource.id} is not valid after taking its server id: ${p.error}`);
  return p;
}
