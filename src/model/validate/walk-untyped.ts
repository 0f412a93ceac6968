import { FORBIDDEN_KEYS, describeJsonType, hasExtensions, isJsonObject, ownValue } from './json-shape.js';
import { enter, leave, type WalkContext } from './walk-context.js';

/*
 * The structural walk for content without an element table (other resource types, datatypes not
 * tabled here): only the rules every FHIR JSON document obeys.
 * @see https://hl7.org/fhir/R5/json.html
 * @see https://hl7.org/fhir/R5/element.html (ele-1: every element has a value or children)
 */

/** The FHIRPath step for a JSON property: `_given` (extensions of `given`) is reached as `given`. */
const stepOf = (key: string): string => (key.charCodeAt(0) === 95 ? key.slice(1) : key);

/** For `given` the sibling is `_given`, and the other way round. */
const siblingKeyOf = (key: string): string => (key.charCodeAt(0) === 95 ? key.slice(1) : `_${key}`);

/**
 * Walks one JSON value with no known type: refuses null, empty strings/arrays/objects, non-JSON values
 * (undefined inside arrays, functions, NaN, Date…), arrays of arrays and forbidden keys.
 * @see https://hl7.org/fhir/R5/json.html
 */
export function walkUntyped(value: unknown, path: string, ctx: WalkContext): void {
  switch (typeof value) {
    case 'string':
      if (value.length === 0) ctx.issues.structure(path, 'ele-1: must not be an empty string');
      return;
    case 'number':
      if (!Number.isFinite(value)) ctx.issues.value(path, 'must be a finite JSON number');
      return;
    case 'boolean':
      return;
    case 'object':
      if (value === null) {
        ctx.issues.structure(path, 'must not be null');
      } else if (Array.isArray(value)) {
        ctx.issues.structure(path, 'an array must not directly contain an array');
      } else if (!isJsonObject(value)) {
        ctx.issues.structure(path, 'must be a plain JSON object');
      } else {
        walkUntypedObject(value, path, ctx);
      }
      return;
    default:
      ctx.issues.structure(path, `must be a JSON value, found ${typeof value}`);
  }
}

function walkUntypedObject(object: Record<string, unknown>, path: string, ctx: WalkContext): void {
  if (!enter(ctx, path)) return;
  let present = 0;
  for (const key of Object.keys(object)) {
    if (FORBIDDEN_KEYS.has(key)) {
      ctx.issues.structure(`${path}.${key}`, `The property '${key}' is not allowed`);
      continue;
    }
    const value = object[key];
    if (value === undefined) continue;
    present++;
    if (key.charCodeAt(0) === 95 && isJsonObject(value) && ownValue(object, key.slice(1)) === undefined && !hasExtensions(value)) {
      ctx.issues.structure(`${path}.${stepOf(key)}`, `ele-1: '${key}' without a value must hold an extension`);
    }
    walkUntypedProperty(object, key, value, `${path}.${stepOf(key)}`, ctx);
  }
  if (present === 0) ctx.issues.structure(path, 'ele-1: must not be an empty object');
  leave(ctx);
}

/**
 * Walks one property of an object structurally. In an array, `null` is accepted only where the
 * sibling `_name`/`name` array holds a value at the same index (primitive extensions, R5 JSON).
 * @see https://hl7.org/fhir/R5/json.html#primitive
 */
export function walkUntypedProperty(
  parent: Record<string, unknown>,
  key: string,
  value: unknown,
  path: string,
  ctx: WalkContext,
): void {
  if (!Array.isArray(value)) {
    walkUntyped(value, path, ctx);
    return;
  }
  if (value.length === 0) {
    ctx.issues.structure(path, 'ele-1: must not be an empty array');
    return;
  }
  const sibling = ownValue(parent, siblingKeyOf(key));
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (item === null && Array.isArray(sibling) && sibling[i] !== null && sibling[i] !== undefined) continue;
    if (item === undefined) {
      ctx.issues.structure(`${path}[${i}]`, `must be a JSON value, found ${describeJsonType(item)}`);
      continue;
    }
    walkUntyped(item, `${path}[${i}]`, ctx);
  }
}
