/*
 * Facts about raw JSON values that every walker needs. Resources arrive from JSON.parse, IndexedDB
 * structured clones or application code, so nothing is assumed about prototypes.
 */

/** Keys refused anywhere in a resource (see `model/forbidden-keys.ts`). */
export { FORBIDDEN_KEYS } from '../forbidden-keys.js';

const objectToString = Object.prototype.toString;

/**
 * True for a JSON object: not null, not an array, and a plain object (so Date, Map or class instances,
 * which JSON cannot carry, are refused). Accepts objects of other realms.
 * @see https://hl7.org/fhir/R5/json.html
 */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || objectToString.call(value) === '[object Object]';
}

/**
 * The JSON type of a value for messages: `null`, `array`, `object`, `string`, `number`, `boolean`.
 * @see https://hl7.org/fhir/R5/json.html
 */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * The value of an own property, or undefined; never reads through the prototype chain.
 * @see https://hl7.org/fhir/R5/json.html
 */
export function ownValue(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/**
 * A primitive's `_element` object holds at least one extension: without a value it must (ele-1, "All FHIR
 * elements must have a @value or children"; an `id` alone is neither).
 * @see https://hl7.org/fhir/R5/element.html#invs
 */
export const hasExtensions = (object: Record<string, unknown>): boolean => {
  const ext = ownValue(object, 'extension');
  return Array.isArray(ext) && ext.length > 0;
};
