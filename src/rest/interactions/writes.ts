import type { Resource } from 'fhir/r5';
import { badRequest, conflict, FhirError, preconditionFailed, unprocessable } from '../../errors/fhir-error.js';
import { etagVersion } from '../../history/etag.js';
import { isValidId } from '../../util/id.js';
import { indexResource } from '../../search/engine/indexer.js';
import type { WriteResult, WriteSpec } from '../../storage/write.js';
import type { Planned } from '../commit.js';
import type { EngineContext } from '../context.js';
import { loadLive, requireBodyType, requireId, requireObject } from '../guards.js';
import { parseQuery } from '../http.js';
import type { Outcome } from '../outcome.js';
import { applyFhirPathPatch, applyJsonPatch, isFhirPathPatch } from '../patch/index.js';
import { loadFhirPath } from '../../model/fhirpath-engine.js';
import { conditionalMatches } from '../search-runner.js';
import { validateResource } from '../validation.js';

/** Request headers that make a write conditional. */
export interface WriteConditions {
  ifMatch?: string;
  ifNoneExist?: string;
}

const location = (r: WriteResult): string => `${r.type}/${r.id}/_history/${r.versionId}`;

/** The outcome of a committed create/update/patch. */
const writtenOutcome = (r: WriteResult, status: number, message: string): Outcome => ({
  status,
  resource: r.resource,
  versionId: r.versionId,
  lastUpdated: r.lastUpdated,
  location: location(r),
  write: true,
  message,
});

const ifMatchVersion = (c: WriteConditions): number | undefined =>
  c.ifMatch === undefined ? undefined : etagVersion(c.ifMatch);

/** Validates a body for `type` and computes its index entries: all the work that must precede the transaction. */
function prepare(ctx: EngineContext, body: unknown, type: string): { resource: Resource } & ReturnType<typeof indexResource> {
  const obj = requireObject(body);
  requireBodyType(obj, type);
  const resource = validateResource(obj);
  return { resource, ...indexFor(ctx, resource) };
}

/** Index entries and full-text documents of a resource, for the write. */
const indexFor = (ctx: EngineContext, resource: Resource): ReturnType<typeof indexResource> =>
  indexResource(resource, ctx.registry, { baseUrl: ctx.baseUrl, timeZone: ctx.timeZone });

/** A new server-assigned id; a generator that breaks the R5 id pattern is a fault of the store's set-up (500). */
export function newId(ctx: EngineContext): string {
  const id = ctx.newId();
  if (!isValidId(id)) throw new FhirError(500, { code: 'exception', severity: 'fatal', diagnostics: `The idGenerator produced '${id}', which is not a valid FHIR id` });
  return id;
}

/**
 * create: a new server-assigned id, version 1; `If-None-Exist` makes it conditional (0 matches: create,
 * 1: answer 200 with the match, several: 412).
 * @see https://hl7.org/fhir/R5/http.html#create
 */
export async function planCreate(
  ctx: EngineContext,
  type: string,
  body: unknown,
  cond: WriteConditions = {},
  /** An id allocated earlier, when a transaction Bundle had to rewrite references to it first. */
  presetId?: string,
): Promise<Planned<Outcome>> {
  const { resource, index, text } = prepare(ctx, body, type);
  let verify: (() => Promise<void>) | undefined;
  if (cond.ifNoneExist !== undefined) {
    const query = cond.ifNoneExist.replace(/^.*\?/, '');
    const found = await conditionalMatches(ctx, type, parseQuery(query));
    if (found.ids.length > 1) throw preconditionFailed(`If-None-Exist '${query}' matches ${found.ids.length} or more resources`);
    if (found.ids.length === 1) {
      const existing = await loadLive(ctx, type, found.ids[0]!);
      return {
        writes: [],
        verify: found.verify,
        after: () => ({
          status: 200,
          resource: existing.resource,
          versionId: existing.versionId,
          lastUpdated: new Date(existing.ts).toISOString(),
          location: `${type}/${existing.id}/_history/${existing.versionId}`,
          write: true,
          message: `If-None-Exist matched ${type}/${existing.id}; nothing created`,
        }),
      };
    }
    verify = found.verify;
  }
  const id = presetId ?? newId(ctx);
  return {
    writes: [{ type, id, kind: 'post', resource: { ...resource, id }, index, text }],
    ...(verify ? { verify } : {}),
    after: ([r]) => writtenOutcome(r!, 201, `Created ${type}/${id}`),
  };
}

/**
 * update: a new version each time; update-as-create with a client id (201); `If-Match` makes it
 * version-aware (412 when stale).
 * @see https://hl7.org/fhir/R5/http.html#update
 */
export function planUpdate(ctx: EngineContext, type: string, id: string, body: unknown, cond: WriteConditions = {}): Planned<Outcome> {
  requireId(id);
  const obj = requireObject(body);
  requireBodyType(obj, type);
  if (obj['id'] === undefined) throw badRequest(`The body of an update must carry the id '${id}'`, [`${type}.id`]);
  if (obj['id'] !== id) throw badRequest(`The body's id '${String(obj['id'])}' differs from the URL id '${id}'`, [`${type}.id`]);
  const { resource, index, text } = prepare(ctx, obj, type);
  const ifMatch = ifMatchVersion(cond);
  const spec: WriteSpec = { type, id, kind: 'put', resource, index, text, ...(ifMatch !== undefined ? { ifMatch, ifMatchHeader: cond.ifMatch! } : {}) };
  return {
    writes: [spec],
    after: ([r]) => writtenOutcome(r!, r!.created ? 201 : 200, `${r!.created ? 'Created' : 'Updated'} ${type}/${id}`),
  };
}

/**
 * Conditional update `PUT [type]?[criteria]`: no match creates (with the body's id if it has one), one match
 * is updated (400 if the body names another id), several answer 412.
 * @see https://hl7.org/fhir/R5/http.html#cond-update
 */
export async function planConditionalUpdate(
  ctx: EngineContext,
  type: string,
  criteria: [string, string][],
  body: unknown,
  cond: WriteConditions = {},
): Promise<Planned<Outcome>> {
  const obj = requireObject(body);
  requireBodyType(obj, type);
  const bodyId = obj['id'];
  if (bodyId !== undefined && typeof bodyId !== 'string') throw badRequest('The body id must be a string', [`${type}.id`]);
  const found = await conditionalMatches(ctx, type, criteria);
  if (found.ids.length > 1) throw preconditionFailed(`The criteria match ${found.ids.length} or more ${type} resources`);
  let planned: Planned<Outcome>;
  const match = found.ids[0];
  if (match !== undefined) {
    if (bodyId !== undefined && bodyId !== match) {
      throw badRequest(`The body's id '${bodyId}' differs from the matching resource ${type}/${match}`, [`${type}.id`]);
    }
    planned = planUpdate(ctx, type, match, { ...obj, id: match }, cond);
  } else if (bodyId !== undefined) {
    requireId(bodyId, 'body');
    const existing = await ctx.storage.current(type, bodyId);
    if (existing && existing.deleted === 0) {
      throw conflict(`${type}/${bodyId} exists but does not match the criteria`);
    }
    planned = planUpdate(ctx, type, bodyId, obj, cond);
  } else {
    planned = await planCreate(ctx, type, obj);
  }
  return { ...planned, verify: found.verify };
}

/**
 * patch: JSON Patch or FHIRPath Patch applied to the current version, then stored as an update; a result
 * that is not a valid resource answers 422 and nothing is stored.
 * @see https://hl7.org/fhir/R5/http.html#patch
 */
export async function planPatch(
  ctx: EngineContext,
  type: string,
  id: string,
  patch: unknown,
  contentType: string | undefined,
  cond: WriteConditions = {},
): Promise<Planned<Outcome>> {
  requireId(id);
  const current = await loadLive(ctx, type, id);
  const ifMatch = ifMatchVersion(cond);
  if (ifMatch !== undefined && ifMatch !== current.versionId) {
    throw preconditionFailed(`If-Match ${cond.ifMatch} does not match the current version W/"${current.versionId}" of ${type}/${id}`);
  }
  // FHIRPath Patch evaluates with fhirpath.js, loaded on first use: here, before any transaction opens.
  if (isFhirPathPatch(patch)) await loadFhirPath();
  const patched = applyPatch(current.resource, patch, contentType);
  if (patched.resourceType !== type || patched.id !== id) {
    throw unprocessable('A patch may not change the resourceType or id', [`${type}.id`]);
  }
  let resource: Resource;
  try {
    resource = validateResource(patched);
  } catch (e) {
    // The patch itself was well-formed; what it produced is not a valid resource.
    if (e instanceof FhirError && e.status === 400) throw new FhirError(422, e.outcome);
    throw e;
  }
  const spec: WriteSpec = {
    type,
    id,
    kind: 'put',
    method: 'PUT',
    resource,
    ...indexFor(ctx, resource),
    basedOn: current.versionId,
    ...(ifMatch !== undefined ? { ifMatch, ifMatchHeader: cond.ifMatch! } : {}),
  };
  // Without If-Match the patch applies to whatever version is current when it commits (R5: only a precondition
  // refuses it), however many other writes land while it is planned again.
  return { writes: [spec], after: ([r]) => writtenOutcome(r!, 200, `Patched ${type}/${id}`), ...(ifMatch === undefined ? { untilApplied: true } : {}) };
}

function applyPatch(resource: Resource, patch: unknown, contentType: string | undefined): Resource {
  if (contentType === 'application/json-patch+json' || (contentType === undefined && Array.isArray(patch))) {
    return applyJsonPatch(resource, patch);
  }
  if (isFhirPathPatch(patch)) return applyFhirPathPatch(resource, patch);
  if (contentType === 'application/fhir+json' || contentType === 'application/json' || contentType === undefined) {
    throw badRequest('A FHIRPath Patch body must be a Parameters resource of operations');
  }
  throw new FhirError(415, {
    code: 'not-supported',
    diagnostics: `Patch format '${contentType}' is not supported: use application/json-patch+json or a FHIRPath Patch Parameters`,
  });
}

/**
 * Conditional patch `PATCH [type]?[criteria]`: 0 matches 404, 1 patched, several 412.
 * @see https://hl7.org/fhir/R5/http.html#patch
 */
export async function planConditionalPatch(
  ctx: EngineContext,
  type: string,
  criteria: [string, string][],
  patch: unknown,
  contentType: string | undefined,
  cond: WriteConditions = {},
): Promise<Planned<Outcome>> {
  const found = await conditionalMatches(ctx, type, criteria);
  if (found.ids.length > 1) throw preconditionFailed(`The criteria match ${found.ids.length} or more ${type} resources`);
  const match = found.ids[0];
  if (match === undefined) throw new FhirError(404, { code: 'not-found', diagnostics: `No ${type} matches the criteria` });
  const planned = await planPatch(ctx, type, match, patch, contentType, cond);
  return { ...planned, verify: found.verify };
}

/**
 * delete: a tombstone and a history entry without a resource; deleting what is absent or already deleted
 * changes nothing. Answers 204 (200 with an OperationOutcome when one is preferred).
 * @see https://hl7.org/fhir/R5/http.html#delete
 */
export function planDelete(type: string, id: string, cond: WriteConditions = {}): Planned<Outcome> {
  requireId(id);
  const ifMatch = ifMatchVersion(cond);
  return {
    writes: [{ type, id, kind: 'delete', ...(ifMatch !== undefined ? { ifMatch, ifMatchHeader: cond.ifMatch! } : {}) }],
    after: ([r]) => deletedOutcome(r!),
  };
}

const deletedOutcome = (r: WriteResult): Outcome =>
  r.noop
    ? { status: 204, write: true, message: `${r.type}/${r.id} does not exist or is already deleted; nothing changed` }
    : { status: 204, versionId: r.versionId, lastUpdated: r.lastUpdated, write: true, message: `Deleted ${r.type}/${r.id}` };

/**
 * Conditional delete `DELETE [type]?[criteria]`: one match is deleted, several answer 412, none changes nothing.
 * @see https://hl7.org/fhir/R5/http.html#cdelete
 */
export async function planConditionalDelete(
  ctx: EngineContext,
  type: string,
  criteria: [string, string][],
  cond: WriteConditions = {},
): Promise<Planned<Outcome>> {
  const found = await conditionalMatches(ctx, type, criteria);
  if (found.ids.length > 1) throw preconditionFailed(`The criteria match ${found.ids.length} or more ${type} resources`);
  const match = found.ids[0];
  if (match === undefined) {
    return { writes: [], verify: found.verify, after: () => ({ status: 204, write: true, message: `No ${type} matches the criteria; nothing deleted` }) };
  }
  return { ...planDelete(type, match, cond), verify: found.verify };
}
