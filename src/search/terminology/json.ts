/**
 * Small readers for untyped JSON: a registered resource arrives as `unknown` (users load definitions from
 * files or servers), so every field is checked before it is trusted. Each failure is a 400 naming the
 * FHIRPath of the bad element.
 * @see https://hl7.org/fhir/R5/json.html
 * @module
 */
import { badRequest } from '../../errors/fhir-error.js';

/** A JSON object (not an array, not null). */
export type JsonObject = Record<string, unknown>;

/** Whether `v` is a JSON object. */
export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The object at `path`, or a 400.
 * @see https://hl7.org/fhir/R5/json.html
 */
export function requireObject(v: unknown, path: string): JsonObject {
  if (!isObject(v)) throw badRequest(`${path} must be a JSON object`, [path]);
  return v;
}

/**
 * `owner[key]` as a non-empty string, or a 400 when it is missing or not one.
 * @see https://hl7.org/fhir/R5/datatypes.html#primitive
 */
export function requireString(owner: JsonObject, key: string, path: string): string {
  const v = owner[key];
  if (typeof v !== 'string' || v.length === 0) throw badRequest(`${path}.${key} is required and must be a non-empty string`, [`${path}.${key}`]);
  return v;
}

/**
 * `owner[key]` as a non-empty string, undefined when absent, a 400 when present with another type
 * (FHIR JSON never carries empty strings).
 * @see https://hl7.org/fhir/R5/json.html#primitive
 */
export function optionalString(owner: JsonObject, key: string, path: string): string | undefined {
  const v = owner[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0) throw badRequest(`${path}.${key} must be a non-empty string`, [`${path}.${key}`]);
  return v;
}

/**
 * `owner[key]` as a boolean, undefined when absent, a 400 otherwise.
 * @see https://hl7.org/fhir/R5/json.html#primitive
 */
export function optionalBoolean(owner: JsonObject, key: string, path: string): boolean | undefined {
  const v = owner[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`${path}.${key} must be a boolean`, [`${path}.${key}`]);
  return v;
}

/**
 * `owner[key]` as an array (`[]` when absent), a 400 when present with another type. FHIR JSON writes
 * repeating elements as arrays even with one item, and never as empty arrays.
 * @see https://hl7.org/fhir/R5/json.html
 */
export function optionalArray(owner: JsonObject, key: string, path: string): unknown[] {
  const v = owner[key];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length === 0) throw badRequest(`${path}.${key} must be a non-empty array`, [`${path}.${key}`]);
  return v;
}
