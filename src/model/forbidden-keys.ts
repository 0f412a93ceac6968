/**
 * Property names no resource, patch or request body may carry, at any depth. Assigning through them
 * (`out[k] = v` with `k` `__proto__`) sets an object's prototype instead of a member (prototype pollution): a
 * value hidden from every own-key check (validation) but seen by every inherited read (the indexer). No FHIR
 * element has these names, so refusing them costs nothing.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** True when `key` is one of {@link FORBIDDEN_KEYS}. */
export const isForbiddenKey = (key: string): boolean => FORBIDDEN_KEYS.has(key);

/**
 * Returns the first forbidden property name found anywhere inside `value` (own keys only, at any depth),
 * or `undefined`. `JSON.parse` turns a `"__proto__"` member into an own property, so a patch value can carry
 * one; it must never be merged into a stored resource.
 */
export function findForbiddenKey(value: unknown): string | undefined {
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
      continue;
    }
    for (const key of Object.keys(v)) {
      if (isForbiddenKey(key)) return key;
      stack.push((v as Record<string, unknown>)[key]);
    }
  }
  return undefined;
}

/**
 * Sets `key` as an own, enumerable member of `target`, whatever its name: for copies made from untrusted keys,
 * where plain assignment through `__proto__` would set the prototype instead. (Such keys are refused at the
 * request and at validation; this keeps a copy faithful should one reach it anyway, so validation sees it.)
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (isForbiddenKey(key)) Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** How deep a request body may nest (objects and arrays); validation stops at the same depth. */
export const MAX_JSON_DEPTH = 200;

/**
 * Why a parsed JSON body from outside cannot be taken in, or undefined: a member named `__proto__`,
 * `constructor` or `prototype` anywhere, or nesting deeper than {@link MAX_JSON_DEPTH} (recursive walkers
 * would overflow the stack on it before validation could refuse it). One iterative walk, no recursion.
 */
export function unsafeJson(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const seen = new Set<object>();
  const stack: [unknown, number, string][] = [[value, 0, '']];
  while (stack.length > 0) {
    const [v, depth, path] = stack.pop()!;
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    if (depth >= maxDepth) return `nested more than ${maxDepth} levels deep (at ${path || 'the top'})`;
    seen.add(v);
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push([item, depth + 1, `${path}[${i}]`]));
      continue;
    }
    for (const key of Object.keys(v)) {
      const at = path ? `${path}.${key}` : key;
      if (isForbiddenKey(key)) return `the member '${key}' (at ${at}) is not allowed: no FHIR element has that name`;
      stack.push([(v as Record<string, unknown>)[key], depth + 1, at]);
    }
  }
  return undefined;
}
