import { notFound, gone } from '../../errors/fhir-error.js';
import { formatEtag, parseEtag } from '../../history/etag.js';
import type { EngineContext } from '../context.js';
import { evictedMessage, loadLive, requireId } from '../guards.js';
import type { Outcome } from '../outcome.js';

/**
 * read: the current version, 404 unknown, 410 deleted; conditional read answers 304 when `If-None-Match`
 * names the current version or `If-Modified-Since` is not older than it.
 * @see https://hl7.org/fhir/R5/http.html#read
 */
export async function read(
  ctx: EngineContext,
  type: string,
  id: string,
  conditions: { ifNoneMatch?: string; ifModifiedSince?: string } = {},
): Promise<Outcome> {
  requireId(id);
  const row = await loadLive(ctx, type, id);
  const lastUpdated = new Date(row.ts).toISOString();
  const notModified: Outcome = { status: 304, versionId: row.versionId, lastUpdated };
  if (conditions.ifNoneMatch !== undefined) {
    const tags = conditions.ifNoneMatch.split(',').map((t) => t.trim());
    if (tags.includes('*') || tags.some((t) => parseEtag(t, 'If-None-Match') === String(row.versionId))) return notModified;
  } else if (conditions.ifModifiedSince !== undefined) {
    const since = Date.parse(conditions.ifModifiedSince);
    // HTTP dates have second precision: compare at that precision.
    if (!Number.isNaN(since) && Math.floor(row.ts / 1000) * 1000 <= since) return notModified;
  }
  return { status: 200, resource: row.resource, versionId: row.versionId, lastUpdated };
}

/**
 * vread: one version; the version that records a deletion answers 410, one that never existed 404.
 * @see https://hl7.org/fhir/R5/http.html#vread
 */
export async function vread(ctx: EngineContext, type: string, id: string, vid: string): Promise<Outcome> {
  requireId(id);
  const version = /^[1-9]\d*$/.test(vid) ? Number(vid) : Number.NaN;
  const row = Number.isNaN(version) ? undefined : await ctx.storage.version(type, id, version);
  if (!row) {
    const current = await ctx.storage.current(type, id);
    throw notFound(current?.evicted !== undefined ? evictedMessage(type, id, current.evicted) : `${type}/${id} has no version '${vid}'`);
  }
  const lastUpdated = new Date(row.ts).toISOString();
  if (row.method === 'DELETE' || !row.resource) {
    throw gone(`Version ${vid} of ${type}/${id} records its deletion`, { ETag: formatEtag(row.versionId) });
  }
  return { status: 200, resource: row.resource, versionId: row.versionId, lastUpdated };
}
