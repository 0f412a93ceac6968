import { choiceKey } from '../../model/r5-model.js';
import { isFpNode, type FpNode } from './fhirpath-eval.js';

/** A JSON object of the resource being patched. */
export type JsonObject = Record<string, unknown>;

/**
 * Where an element lives in the resource JSON: `holder[key]`, or `holder[key][index]` for an item of a list.
 * `holder` is an object of the very clone being patched, so writing through a location edits the result.
 */
export interface Location {
  node: FpNode;
  holder: JsonObject;
  /** The JSON property name, with the type suffix for a choice (`valueString`). */
  key: string;
  index: number | null;
  /** The holder is the `_name` sibling object of a primitive (the element is that primitive's `id` or an
   * `extension`), not a regular element object. */
  inPrimitiveSibling: boolean;
}

/** A plain JSON object (not an array, not a fhirpath.js wrapper such as FP_Decimal). */
export const isJsonObject = (v: unknown): v is JsonObject => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/**
 * Finds where a FHIRPath result node sits in the resource.
 *
 * Why this way: fhirpath.js returns values, not locations, but with `resolveInternalTypes: false` each result
 * is the `ResourceNode` navigation built, and it records the object it was read from (`parentResNode.data`,
 * the same object as in our clone, since fhirpath.js neither copies nor annotates the input), the property
 * (`propName`) and the list position (`index`). `where()`, `first()`, `[n]`… pass these nodes through
 * unchanged, so the location survives any filter, and primitives (which cannot be matched by identity) are
 * located as well as objects. The identity of object values is still checked, as a guard against reading the
 * wrong holder.
 *
 * Returns `undefined` for the resource itself and for anything that is not an element of the resource
 * (computed values, literals).
 */
export function locate(result: unknown): Location | undefined {
  if (!isFpNode(result)) return undefined;
  const parent = result.parentResNode;
  const prop = result.propName;
  if (!parent || !prop) return undefined;
  const index = typeof result.index === 'number' ? result.index : null;

  // A primitive's id/extension are read from its `_name` sibling (the parent node's `_data`).
  const candidates: [JsonObject, boolean][] = [];
  if (isJsonObject(parent.data)) candidates.push([parent.data, false]);
  if (isJsonObject(parent._data)) candidates.push([parent._data, true]);

  for (const [holder, inPrimitiveSibling] of candidates) {
    const key = resolveKey(holder, prop, result.fhirNodeDataType);
    if (key === undefined) continue;
    if (!matches(holder, key, index, result.data)) continue;
    return { node: result, holder, key, index, inPrimitiveSibling };
  }
  return undefined;
}

/** `prop` itself, or for a choice element the `prop<Type>` key present in `holder`. */
function resolveKey(holder: JsonObject, prop: string, dataType: string | null): string | undefined {
  if (hasOwn(holder, prop) || hasOwn(holder, `_${prop}`)) return prop;
  if (dataType) {
    const key = choiceKey(prop, dataType.replace(/^System\./, ''));
    if (hasOwn(holder, key) || hasOwn(holder, `_${key}`)) return key;
  }
  const choices = Object.keys(holder).filter((k) => k.length > prop.length && k.startsWith(prop) && /^[A-Z]/.test(k.slice(prop.length)));
  return choices.length === 1 ? choices[0] : undefined;
}

function matches(holder: JsonObject, key: string, index: number | null, data: unknown): boolean {
  const raw = holder[key];
  if (index !== null && raw !== undefined && !Array.isArray(raw)) return false;
  if (index === null && Array.isArray(raw)) return false;
  // An item may be null/absent in the value array when only its `_name` sibling (extensions) exists.
  const value = index !== null && Array.isArray(raw) ? raw[index] : raw;
  // Only objects can be compared by identity (numbers come back wrapped as FP_Decimal).
  return isJsonObject(value) ? value === data : true;
}
