import { setOwn } from './forbidden-keys.js';
import { choiceOfKey, elementType } from './r5-model.js';

/** Element types whose values are links a transaction rewrites; canonical is deliberately not among them. */
const LINK_TYPES = new Set(['uri', 'url', 'oid', 'uuid']);

/**
 * Rewrites a resource's links to Bundle entries: every `Reference.reference` and every element of type uri,
 * url, oid or uuid equal to a mapped `fullUrl` (or that URL followed by `#fragment`) becomes the entry's new
 * `Type/id`, and so do `href`/`src` values in the narrative. Element types come from the R5 model, so a string
 * that merely equals a fullUrl (an identifier's value) is left alone, and canonicals are never rewritten.
 * Returns a new value; the input is not changed.
 * @see https://hl7.org/fhir/R5/http.html#trules (Replacing hyperlinks and full-urls)
 */
export function rewriteReferences<T>(value: T, map: ReadonlyMap<string, string>): T {
  if (map.size === 0) return value;
  const type = (value as { resourceType?: unknown } | null)?.resourceType;
  return rewrite(value, map, typeof type === 'string' ? type : undefined) as T;
}

/** The R5 type of `key` inside an element of type (or backbone path) `owner`; undefined when unknown. */
function childType(owner: string | undefined, key: string): { type: string; path: string } | undefined {
  if (owner === undefined) return undefined;
  const direct = elementType(`${owner}.${key}`);
  if (direct !== undefined) {
    const path = `${owner}.${key}`;
    return direct === 'BackboneElement' || direct === 'Element' ? { type: direct, path } : { type: direct, path: direct };
  }
  // A choice element: `valueUri` is `value` of type `uri`.
  const choice = choiceOfKey(owner, key);
  return choice === undefined ? undefined : { type: choice.type, path: choice.type };
}

function rewriteString(s: string, map: ReadonlyMap<string, string>): string {
  const exact = map.get(s);
  if (exact !== undefined) return exact;
  const hash = s.indexOf('#');
  if (hash > 0) {
    const base = map.get(s.slice(0, hash));
    if (base !== undefined) return base + s.slice(hash);
  }
  return s;
}

function rewriteXhtml(div: string, map: ReadonlyMap<string, string>): string {
  return div.replace(/\b(href|src)=(["'])([^"']*)\2/g, (_m, attr: string, q: string, url: string) => `${attr}=${q}${rewriteString(url, map)}${q}`);
}

/**
 * Walks a value knowing the R5 type (or backbone path) of the element it is in (`owner`); `leaf` is the type of
 * the value itself when it is a primitive.
 */
function rewrite(value: unknown, map: ReadonlyMap<string, string>, owner: string | undefined, key?: string, leaf?: string): unknown {
  if (typeof value === 'string') {
    if (key === 'div') return rewriteXhtml(value, map);
    return key === 'reference' || (leaf !== undefined && LINK_TYPES.has(leaf)) ? rewriteString(value, map) : value;
  }
  if (Array.isArray(value)) return value.map((v) => rewrite(v, map, owner, key, leaf));
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    // A contained or Bundle resource starts its own type path.
    const self = typeof obj['resourceType'] === 'string' ? (obj['resourceType'] as string) : owner;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      const child = childType(self, k);
      setOwn(out, k, rewrite(v, map, child?.path, k, child?.type));
    }
    return out;
  }
  return value;
}

/** Every `reference` string in a resource that is a conditional reference `Type?criteria`. */
export function conditionalReferences(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const v of value) conditionalReferences(v, found);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string' && /^[A-Z][A-Za-z]+\?/.test(v)) found.add(v);
      else conditionalReferences(v, found);
    }
  }
  return found;
}
