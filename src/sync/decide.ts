import type { Resource } from 'fhir/r5';
import type { ConflictRow } from '../storage/rows.js';
import type { PendingAssumption } from '../storage/outbox.js';
import type { PreparedResource, RemoteStep } from '../storage/remote-steps.js';
import type { SyncContext } from './context.js';
import { mergeThreeWay, sameContent } from './merge.js';
import type { ConflictPolicy } from './options.js';

/** A server version of one resource, as a pull or a push conflict received it. */
export interface RemoteVersion {
  type: string;
  id: string;
  version: string;
  lastUpdated?: string;
  /** Undefined when the server version is a deletion. */
  resource?: Resource;
}

/** What applying one server version locally takes, and what the plan assumed. */
interface Decision {
  steps: RemoteStep[];
  assumption: PendingAssumption;
  /** Set when the policy could not settle a local/server overlap. */
  conflict?: ConflictRow;
  /** Set when a local change and the server version had to be reconciled (settled or not). */
  reconciled?: boolean;
}

/** Thrown when a resource from the server is not valid: it is reported and skipped. */
export class InvalidRemoteResource extends Error {}

function prepared(ctx: SyncContext, resource: Resource | undefined): PreparedResource | undefined {
  if (resource === undefined) return undefined;
  const p = ctx.prepare(resource);
  if ('error' in p) throw new InvalidRemoteResource(`${resource.resourceType}/${resource.id} from the server is not valid: ${p.error}`);
  return p;
}

/**
 * The steps that settle a local/server overlap by keeping `keep` (undefined: the resource is deleted): the
 * server version is written first, so it stays readable in local history, and the kept content on top.
 */
export function settleSteps(ctx: SyncContext, remote: RemoteVersion, keep: Resource | undefined): RemoteStep[] {
  const dropPending = sameContent(keep, remote.resource);
  const remoteStep = serverVersionStep(ctx, remote, dropPending);
  if (dropPending) return [remoteStep];
  const k = prepared(ctx, keep ? ({ ...keep, id: remote.id } as Resource) : undefined);
  return [remoteStep, { kind: 'local', type: remote.type, id: remote.id, version: remote.version, ...(k ? { prepared: k } : {}) }];
}

/** Writing a server version as it is (a remote-origin version, remembered as the base). */
function serverVersionStep(ctx: SyncContext, remote: RemoteVersion, dropPending: boolean): RemoteStep {
  const p = prepared(ctx, remote.resource);
  return {
    kind: 'remote',
    type: remote.type,
    id: remote.id,
    version: remote.version,
    ...(remote.lastUpdated ? { lastUpdated: remote.lastUpdated } : {}),
    ...(p ? { prepared: p } : {}),
    dropPending,
  };
}

/** The step of a server version for a resource with no local change pending: written as it is. */
export const remoteStep = (ctx: SyncContext, remote: RemoteVersion): RemoteStep => serverVersionStep(ctx, remote, false);

/**
 * Decides how a server version is applied locally. Without a pending local change it is simply written (as a
 * remote-origin version). With one, the conflict policy decides; whatever it discards stays in local history,
 * because the server version is always written as a version of its own before any local resolution on top.
 * @see docs/architecture.md "Sync protocol" (conflicts)
 */
export async function decide(ctx: SyncContext, policy: ConflictPolicy, remote: RemoteVersion): Promise<Decision> {
  const { storage } = ctx;
  const pending = await storage.pendingChange(remote.type, remote.id);
  const assumption: PendingAssumption = { type: remote.type, id: remote.id, seq: pending?.seq };
  const remoteStep = (dropPending: boolean): RemoteStep => serverVersionStep(ctx, remote, dropPending);
  const localStep = (resource: Resource | undefined): RemoteStep => {
    const p = prepared(ctx, resource ? ({ ...resource, id: remote.id } as Resource) : undefined);
    return { kind: 'local', type: remote.type, id: remote.id, version: remote.version, ...(p ? { prepared: p } : {}) };
  };
  if (pending?.hold === 'conflict') {
    // An open conflict already keeps both sides; a newer server version updates what it compares with.
    return { steps: [{ kind: 'refresh-conflict', type: remote.type, id: remote.id, version: remote.version, ...(remote.resource ? { remote: remote.resource } : {}) }], assumption };
  }
  if (!pending) return { steps: [remoteStep(false)], assumption };

  const current = await storage.current(remote.type, remote.id);
  const local = current?.deleted === 0 ? current.resource : undefined;
  if (sameContent(local, remote.resource)) return { steps: [remoteStep(true)], assumption, reconciled: true };

  const held = await storage.remoteVersion(remote.type, remote.id);
  const baseRow = held ? await storage.version(remote.type, remote.id, held.localVersion) : undefined;
  const base = baseRow?.resource;
  const conflict: ConflictRow = {
    type: remote.type,
    resourceId: remote.id,
    ...(local ? { local } : {}),
    ...(remote.resource ? { remote: remote.resource } : {}),
    remoteVersion: remote.version,
    ...(base ? { base } : {}),
    elements: [],
    detectedAt: ctx.clock().getTime(),
  };

  let outcome: { keep: Resource | undefined } | undefined;
  if (policy === 'server-wins') return { steps: [remoteStep(true)], assumption, reconciled: true };
  if (policy === 'client-wins') outcome = { keep: local };
  else if (policy === 'merge') {
    const m = mergeThreeWay(base, local, remote.resource);
    if (m.ok) outcome = { keep: m.resource };
    else conflict.elements = m.elements;
  } else {
    const chosen = await policy(conflict);
    if (chosen !== undefined) outcome = { keep: chosen ?? undefined };
  }
  if (!outcome) return { steps: [{ kind: 'conflict', conflict }], assumption, conflict, reconciled: true };
  if (sameContent(outcome.keep, remote.resource)) return { steps: [remoteStep(true)], assumption, reconciled: true };
  return { steps: [remoteStep(false), localStep(outcome.keep)], assumption, reconciled: true };
}
