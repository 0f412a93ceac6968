import { isJsonObject, locate, type JsonObject, type Location } from './locate.js';

/**
 * An element value ready to be written: its JSON value and, for a primitive, the content of its `_name`
 * sibling (id and extensions), if any.
 * @see https://hl7.org/fhir/R5/json.html#primitive
 */
export interface ElementValue {
  json: unknown;
  ext?: unknown;
}

// FHIR JSON keeps a list of primitives and its `_name` list of extensions aligned by position (null where an
// item has none). Every edit below moves both lists together, and leaves neither an empty list nor an
// all-null `_name` list behind (FHIR JSON forbids empty arrays).

const sibling = (key: string): string => `_${key}`;

/** Pads the `_name` list with nulls to the length of the value list, so positional edits stay aligned. */
function alignSibling(holder: JsonObject, key: string): void {
  const values = holder[key];
  const ext = holder[sibling(key)];
  if (Array.isArray(values) && Array.isArray(ext)) while (ext.length < values.length) ext.push(null);
}

/** Drops a `_name` list with nothing in it and a value list with nothing in it. */
function tidyList(holder: JsonObject, key: string): void {
  const ext = holder[sibling(key)];
  if (Array.isArray(ext) && ext.every((e) => e == null)) delete holder[sibling(key)];
  const values = holder[key];
  if (Array.isArray(values) && values.every((v) => v == null) && !(sibling(key) in holder)) delete holder[key];
}

/** Writes `value` at `holder[key]` or `holder[key][index]`, replacing what was there (extensions included). */
export function setElement(holder: JsonObject, key: string, index: number | null, value: ElementValue): void {
  if (index === null) {
    holder[key] = value.json;
    if (value.ext !== undefined) holder[sibling(key)] = value.ext;
    else delete holder[sibling(key)];
    return;
  }
  const values = holder[key] as unknown[];
  values[index] = value.json;
  alignSibling(holder, key);
  const ext = holder[sibling(key)];
  if (Array.isArray(ext)) ext[index] = value.ext ?? null;
  else if (value.ext !== undefined) holder[sibling(key)] = values.map((_, i) => (i === index ? value.ext : null));
  tidyList(holder, key);
}

/** Inserts `value` into the list `holder[key]` at `index` (0..length), creating the list if absent. */
export function insertItem(holder: JsonObject, key: string, index: number, value: ElementValue): void {
  let values = holder[key];
  if (!Array.isArray(values)) values = holder[key] = [];
  const list = values as unknown[];
  alignSibling(holder, key);
  list.splice(index, 0, value.json);
  const ext = holder[sibling(key)];
  if (Array.isArray(ext)) ext.splice(index, 0, value.ext ?? null);
  else if (value.ext !== undefined) holder[sibling(key)] = list.map((_, i) => (i === index ? value.ext : null));
}

/** Moves the item at `from` to `to` in the list `holder[key]` (positions in the list after removal). */
export function moveItem(holder: JsonObject, key: string, from: number, to: number): void {
  alignSibling(holder, key);
  for (const k of [key, sibling(key)]) {
    const list = holder[k];
    if (!Array.isArray(list)) continue;
    const [item] = list.splice(from, 1);
    list.splice(to, 0, item);
  }
}

/**
 * Removes the element at `loc` (value and extensions) and then removes every element left empty by that,
 * up to (not including) the resource: FHIR elements must have a value or children.
 */
export function removeElement(loc: Location): void {
  const { holder, key, index } = loc;
  if (index === null) {
    delete holder[key];
    delete holder[sibling(key)];
  } else {
    alignSibling(holder, key);
    for (const k of [key, sibling(key)]) {
      const list = holder[k];
      if (Array.isArray(list) && index < list.length) list.splice(index, 1);
    }
    tidyList(holder, key);
  }
  pruneIfEmpty(loc);
}

function pruneIfEmpty(loc: Location): void {
  if (Object.keys(loc.holder).length > 0) return;
  const owner = loc.node.parentResNode;
  // The resource itself (no parent) stays, even if empty.
  if (!owner?.parentResNode) return;
  const ownerLoc = locate(owner);
  if (!ownerLoc) return;
  if (!loc.inPrimitiveSibling) {
    removeElement(ownerLoc);
    return;
  }
  // `holder` was the `_name` object of a primitive: drop it; the primitive goes too if it had no value.
  const { holder, key, index } = ownerLoc;
  const ext = holder[sibling(key)];
  if (index === null) delete holder[sibling(key)];
  else if (Array.isArray(ext)) ext[index] = null;
  const values = holder[key];
  const value = index === null ? values : Array.isArray(values) ? values[index] : undefined;
  if (value == null) removeElement(ownerLoc);
  else if (index !== null) tidyList(holder, key);
}

/**
 * The `_name` sibling object of the primitive at `loc` (where its `id` and `extension` live), created when
 * absent so that children can be added to a primitive.
 */
export function primitiveSiblingObject(loc: Location): JsonObject {
  const { holder, key, index } = loc;
  if (index === null) {
    const existing = holder[sibling(key)];
    if (isJsonObject(existing)) return existing;
    const created: JsonObject = {};
    holder[sibling(key)] = created;
    return created;
  }
  alignSibling(holder, key);
  let list = holder[sibling(key)];
  if (!Array.isArray(list)) {
    const values = holder[key];
    list = holder[sibling(key)] = Array.isArray(values) ? values.map(() => null) : [];
  }
  const items = list as unknown[];
  while (items.length <= index) items.push(null);
  const existing = items[index];
  if (isJsonObject(existing)) return existing;
  const created: JsonObject = {};
  items[index] = created;
  return created;
}
