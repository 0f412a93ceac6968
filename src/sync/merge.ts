import type { Resource } from 'fhir/r5';
import { setOwn } from '../model/forbidden-keys.js';

/** Elements the comparison of two versions leaves out: the server manages them. */
const SERVER_MANAGED = new Set(['id', 'resourceType']);
/** Parts of `meta` a server sets: tags, security labels and profiles stay content. */
const SERVER_META = new Set(['versionId', 'lastUpdated', 'source']);

/** A version's content: without id and resourceType, and `meta` without what the server sets. */
function contentOf(r: Resource): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (SERVER_MANAGED.has(k)) continue;
    if (k === 'meta' && v && typeof v === 'object') {
      const meta = Object.fromEntries(Object.entries(v as object).filter(([mk]) => !SERVER_META.has(mk)));
      if (Object.keys(meta).length > 0) setOwn(out, k, meta);
      continue;
    }
    setOwn(out, k, v);
  }
  return out;
}

/** Deep equality of JSON values (key order ignored). */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Whether two versions hold the same content, ignoring what the server sets (meta.versionId, lastUpdated, source). */
export function sameContent(a: Resource | undefined, b: Resource | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return jsonEqual(contentOf(a), contentOf(b));
}

/** The outcome of a three-way merge: the merged resource (undefined: deleted), or the elements in conflict. */
type MergeResult = { ok: true; resource: Resource | undefined } | { ok: false; elements: string[] };

/**
 * Three-way merge of a local and a remote version against their common base, element by element at the top
 * level (arrays taken whole): an element only one side changed takes that side's value; one both changed
 * alike is kept; one both changed differently is a conflict. `meta` is one element like the others, without the
 * parts a server sets (`versionId`, `lastUpdated`, `source`), so a tag added on either side survives. A deletion on either side merges only if the other side did not change anything.
 * @see docs/architecture.md "Sync protocol" (conflicts)
 */
export function mergeThreeWay(base: Resource | undefined, local: Resource | undefined, remote: Resource | undefined): MergeResult {
  if (local === undefined || remote === undefined) {
    // A deletion wins when the other side left the base as it was (or deleted too).
    const kept = local ?? remote;
    if (kept === undefined || (base !== undefined && sameContent(kept, base))) return { ok: true, resource: undefined };
    return { ok: false, elements: ['(deleted on one side, changed on the other)'] };
  }
  const b = base ? contentOf(base) : {};
  const l = contentOf(local);
  const r = contentOf(remote);
  const keys = new Set([...Object.keys(b), ...Object.keys(l), ...Object.keys(r)]);
  const out: Record<string, unknown> = { resourceType: remote.resourceType, id: remote.id };
  const conflicts: string[] = [];
  for (const k of [...keys].sort()) {
    const localChanged = !jsonEqual(l[k], b[k]);
    const remoteChanged = !jsonEqual(r[k], b[k]);
    let value: unknown;
    if (!localChanged) value = r[k];
    else if (!remoteChanged || jsonEqual(l[k], r[k])) value = l[k];
    else {
      conflicts.push(k);
      continue;
    }
    if (value !== undefined) setOwn(out, k, value);
  }
  return conflicts.length > 0 ? { ok: false, elements: conflicts } : { ok: true, resource: out as unknown as Resource };
}
