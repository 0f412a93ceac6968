import type { Resource } from 'fhir/r5';
import { badRequest, gone, notFound } from '../errors/fhir-error.js';
import { formatEtag } from '../history/etag.js';
import { isResourceType } from '../model/resource-types.js';
import type { ResourceRow } from '../storage/rows.js';
import { isValidId } from '../util/id.js';
import type { EngineContext } from './context.js';

/** 404 for a path segment that names no R5 resource type (https://hl7.org/fhir/R5/http.html#read). */
export function requireType(type: string): void {
  if (!isResourceType(type)) throw notFound(`'${type}' is not a FHIR R5 resource type this store serves`);
}

/** 400 for an id that breaks the R5 `id` pattern (https://hl7.org/fhir/R5/datatypes.html#id). */
export function requireId(id: string, where = 'URL'): void {
  if (!isValidId(id)) throw badRequest(`Invalid id '${id}' in the ${where}: ids match [A-Za-z0-9\\-\\.]{1,64} and are not '.' or '..' (URL path segments)`);
}

/** A live resource row, or 404 (never existed) / 410 (deleted, with the ETag of the deleting version). */
export async function loadLive(ctx: EngineContext, type: string, id: string): Promise<ResourceRow & { resource: Resource }> {
  const row = await ctx.storage.current(type, id);
  if (!row) throw notFound(`${type}/${id} is not known`);
  // Evicted from this device, not deleted: the server may still hold it, so 404 (not known here), not 410.
  if (row.evicted !== undefined) throw notFound(evictedMessage(type, id, row.evicted));
  if (row.deleted === 1 || !row.resource) {
    throw gone(`${type}/${id} was deleted (version ${row.versionId})`, { ETag: formatEtag(row.versionId) });
  }
  return row as ResourceRow & { resource: Resource };
}

/**
 * The diagnostic of a resource this device evicted (`store.purge`, a sync scope or retention): read, vread and
 * history answer 404 with it.
 * @see https://hl7.org/fhir/R5/http.html#read
 */
export const evictedMessage = (type: string, id: string, reason: string): string =>
  `${type}/${id} is not held on this device: it was evicted locally (${reason}), not deleted; the server may still hold it`;

/** The body of a write: a JSON object (400 otherwise). */
export function requireObject(body: unknown, what = 'The body'): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest(`${what} must be a FHIR resource (a JSON object)`);
  }
  return body as Record<string, unknown>;
}

/** 400 when the body's `resourceType` is not the type in the URL. */
export function requireBodyType(body: Record<string, unknown>, type: string): void {
  if (body['resourceType'] !== type) {
    throw badRequest(`The body's resourceType '${String(body['resourceType'])}' does not match '${type}' in the URL`, ['resourceType']);
  }
}
