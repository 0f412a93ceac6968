/**
 * Property names no patch may name or carry. Writing through them reaches the prototype chain of every
 * object (prototype pollution); no FHIR element has these names, so refusing them costs nothing.
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
