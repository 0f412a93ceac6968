/**
 * Rewrites a resource's links to Bundle entries: every `Reference.reference` equal to a mapped `fullUrl` (or
 * that URL followed by `#fragment`) becomes the entry's new `Type/id`, and so do `href`/`src` values in the
 * narrative. Other strings are left alone: an identifier whose value happens to equal a fullUrl is data, and
 * canonicals are never rewritten. Returns a new value; the input is not changed.
 * @see https://hl7.org/fhir/R5/http.html#trules (Replacing hyperlinks and full-urls)
 */
export function rewriteReferences<T>(value: T, map: ReadonlyMap<string, string>): T {
  if (map.size === 0) return value;
  return rewrite(value, map) as T;
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

function rewrite(value: unknown, map: ReadonlyMap<string, string>, key?: string): unknown {
  if (typeof value === 'string') {
    if (key === 'div') return rewriteXhtml(value, map);
    return key === 'reference' ? rewriteString(value, map) : value;
  }
  if (Array.isArray(value)) return value.map((v) => rewrite(v, map, key));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = rewrite(v, map, k);
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
