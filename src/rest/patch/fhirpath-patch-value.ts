import type { ElementValue } from './element-edit.js';
import { childElement, isKnownPath, isPrimitiveType, parameterValueType, type ElementInfo } from './fhir-model.js';
import { malformedOperation } from './fhirpath-patch-errors.js';
import { findForbiddenKey, isForbiddenKey } from '../../model/forbidden-keys.js';
import { isJsonObject, type JsonObject } from './locate.js';
import { typeProblem } from './value-type.js';

/**
 * The `value` of a FHIRPath Patch operation as read from the Parameters resource: either a typed value
 * (`value[x]`, or `resource`), or an anonymous element given as nested `part`s.
 * @see https://hl7.org/fhir/R5/fhirpatch.html#anonymous
 */
export type PatchValue = TypedValue | PartsValue;

export interface TypedValue {
  kind: 'typed';
  /** FHIR type: `string`, `CodeableConcept`, or a resource type for `resource`. */
  type: string;
  /** The `value[x]` suffix (`String`, `CodeableConcept`), used to name choice elements. */
  suffix: string;
  json: unknown;
  /** The `_value[x]` sibling of a primitive value (id, extensions). */
  ext?: unknown;
}

interface PartsValue {
  kind: 'parts';
  parts: { name: string; value: PatchValue }[];
}

/** A value made ready to write: JSON plus its FHIR type (`undefined` for an anonymous element). */
export interface Materialized extends ElementValue {
  type?: string;
}

/** FHIR element names: letters and digits, starting with a letter. */
export const ELEMENT_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * Reads the value carried by a parameter part: exactly one of `value[x]`, `resource` or `part`. Returns
 * `undefined` when the part carries none. Throws 400 for anything malformed.
 */
export function readValue(part: JsonObject, opIndex: number, expression: string): PatchValue | undefined {
  const fail = (detail: string): never => {
    throw malformedOperation(opIndex, detail, expression);
  };
  const valueKeys = Object.keys(part).filter((k) => /^value[A-Z]/.test(k));
  const carriers = valueKeys.length + ('resource' in part ? 1 : 0) + ('part' in part ? 1 : 0);
  if (carriers === 0) return undefined;
  if (carriers > 1) fail('a value must be exactly one of value[x], resource or part');

  const [valueKey] = valueKeys;
  if (valueKey !== undefined) {
    const suffix = valueKey.slice('value'.length);
    const type = parameterValueType(suffix);
    if (!type) fail(`${valueKey} is not a Parameters value type`);
    const json = part[valueKey];
    const ext = part[`_${valueKey}`];
    if (json === null || json === undefined) fail(`${valueKey} is empty`);
    if (ext !== undefined && !isJsonObject(ext)) fail(`_${valueKey} must be an object`);
    const bad = findForbiddenKey(json) ?? findForbiddenKey(ext);
    if (bad !== undefined) fail(`the value must not contain the key "${bad}"`);
    return { kind: 'typed', type: type as string, suffix, json, ...(ext !== undefined ? { ext } : {}) };
  }

  if ('resource' in part) {
    const resource = part.resource;
    if (!isJsonObject(resource) || typeof resource.resourceType !== 'string') fail('resource must be a resource');
    const bad = findForbiddenKey(resource);
    if (bad !== undefined) fail(`the value must not contain the key "${bad}"`);
    const type = (resource as JsonObject).resourceType as string;
    return { kind: 'typed', type, suffix: type, json: resource };
  }

  const parts = part.part;
  if (!Array.isArray(parts) || parts.length === 0) return fail('part must be a non-empty list');
  return {
    kind: 'parts',
    parts: parts.map((p: unknown, i) => {
      const where = `${expression}.part[${i}]`;
      if (!isJsonObject(p)) throw malformedOperation(opIndex, 'a part must be an object', where);
      const name = p.name;
      if (typeof name !== 'string' || !ELEMENT_NAME.test(name) || isForbiddenKey(name)) {
        throw malformedOperation(opIndex, `part name ${JSON.stringify(name)} is not an element name`, where);
      }
      const value = readValue(p, opIndex, where);
      if (!value) throw malformedOperation(opIndex, `part "${name}" has no value`, where);
      return { name, value };
    }),
  };
}

/**
 * Turns a patch value into the JSON to write for an element described by `target` (its type and the model
 * path of its children). Parts become an object keyed by part name; the model decides whether a child is a
 * list (so one `subset` part still gives `"subset": [...]`) and which key a choice takes (`value` given as
 * `valueString` becomes `valueString`). Throws via `fail` (422) when the parts do not fit the model.
 */
export function materialize(value: PatchValue, target: ElementInfo, fail: (detail: string) => never): Materialized {
  if (value.kind === 'typed') return { json: value.json, ext: value.ext, type: value.type };
  if (target.type && isPrimitiveType(target.type)) fail(`a ${target.type} needs a primitive value[x], not parts`);

  const parentPath = target.nodePath;
  const groups = new Map<string, PatchValue[]>();
  for (const { name, value: v } of value.parts) {
    const list = groups.get(name);
    if (list) list.push(v);
    else groups.set(name, [v]);
  }

  const out: JsonObject = {};
  for (const [name, values] of groups) {
    let info = childElement(parentPath, name);
    if (!info.known && isKnownPath(parentPath)) fail(`${parentPath} has no element "${name}"`);
    let key = name;
    if (info.choiceTypes) {
      const [v] = values;
      if (values.length > 1) fail(`"${name}" does not repeat`);
      if (v?.kind !== 'typed' || !info.choiceTypes.includes(v.suffix)) {
        fail(`"${name}" is a choice of ${info.choiceTypes.join(', ')}: give it as a value[x] of one of those types`);
      }
      key = name + (v as TypedValue).suffix;
      info = childElement(parentPath, key);
    }
    const items = values.map((v) => {
      const m = materialize(v, info, fail);
      const problem = typeProblem(info.type, m.type, m.json);
      if (problem) fail(`part "${name}": ${problem}`);
      return m;
    });
    const repeating = info.known ? info.repeating : items.length > 1;
    if (!repeating && items.length > 1) fail(`"${name}" does not repeat`);
    const exts = items.map((i) => i.ext);
    const hasExt = exts.some((e) => e !== undefined);
    if (repeating) {
      out[key] = items.map((i) => i.json);
      if (hasExt) out[`_${key}`] = exts.map((e) => e ?? null);
    } else {
      out[key] = items[0]?.json;
      if (hasExt) out[`_${key}`] = exts[0];
    }
  }
  return { json: out };
}
