import { badRequest } from '../../errors/fhir-error.js';
import { insertItem, moveItem, primitiveSiblingObject, removeElement, setElement } from './element-edit.js';
import { choiceName, childElement, isKnownPath, type ElementInfo } from './fhir-model.js';
import { evaluatePath, isFpNode, PathEvaluationError, PathSyntaxError, splitLastMember, type FpNode } from './fhirpath-eval.js';
import { operationNotApplicable } from './fhirpath-patch-errors.js';
import type { FhirPathPatchOperation } from './fhirpath-patch-parse.js';
import { materialize, type Materialized, type PatchValue } from './fhirpath-patch-value.js';
import { isJsonObject, locate, type JsonObject, type Location } from './locate.js';
import { typeProblem } from './value-type.js';

type Fail = (detail: string) => never;
type Op<T extends FhirPathPatchOperation['type']> = Extract<FhirPathPatchOperation, { type: T }>;

/**
 * Applies one FHIRPath Patch operation to `resource` in place (the caller passes its own copy). Every failure
 * that depends on this resource's content is a 422 naming the operation.
 * @see https://hl7.org/fhir/R5/fhirpatch.html#concept
 */
export function applyOperation(resource: JsonObject, op: FhirPathPatchOperation): void {
  const fail: Fail = (detail) => {
    throw operationNotApplicable(op, detail);
  };
  switch (op.type) {
    case 'add':
      return add(resource, op, fail);
    case 'insert':
      return insert(resource, op, fail);
    case 'delete':
      return del(resource, op, fail);
    case 'replace':
      return replace(resource, op, fail);
    case 'move':
      return move(resource, op, fail);
  }
}

function evaluate(resource: JsonObject, path: string, fail: Fail): unknown[] {
  try {
    return evaluatePath(path, resource);
  } catch (e) {
    if (e instanceof PathEvaluationError) fail(e.message);
    // Operation paths were compiled while parsing; only a derived path (a list's parent) can get here.
    if (e instanceof PathSyntaxError) throw badRequest(e.message);
    throw e;
  }
}

/** The one element `path` must select (the spec's base rule), or a 422. */
function single(resource: JsonObject, path: string, fail: Fail): FpNode {
  const results = evaluate(resource, path, fail);
  if (results.length === 0) fail('no element matches the path');
  if (results.length > 1) fail(`the path matches ${results.length} elements; exactly one is required`);
  const [node] = results;
  if (!isFpNode(node)) return fail('the path selects a computed value, not an element of the resource');
  return node;
}

function checkType(expected: string | null | undefined, m: Materialized, fail: Fail): void {
  const problem = typeProblem(expected, m.type, m.json);
  if (problem) fail(problem);
}

/** Resolves a choice element's JSON key from the value's type (`value` + `String` → `valueString`). */
function choiceKey(base: string, choiceTypes: string[], value: PatchValue, fail: Fail): string {
  if (value.kind !== 'typed' || !choiceTypes.includes(value.suffix)) {
    fail(`"${base}" is a choice of ${choiceTypes.join(', ')}: the value must be one of those types`);
  }
  return base + (value as Extract<PatchValue, { kind: 'typed' }>).suffix;
}

function add(resource: JsonObject, op: Op<'add'>, fail: Fail): void {
  const target = single(resource, op.path, fail);
  let holder: JsonObject;
  if (isJsonObject(target.data)) {
    holder = target.data;
  } else {
    // A primitive only has `id` and `extension` as children, kept in its `_name` sibling.
    const loc = locate(target);
    if (!loc || (op.name !== 'extension' && op.name !== 'id')) fail(`cannot add "${op.name}" to a primitive value`);
    holder = primitiveSiblingObject(loc as Location);
  }
  const holderPath = target.path;

  let info = childElement(holderPath, op.name);
  if (!info.known && isKnownPath(holderPath)) fail(`${holderPath} has no element "${op.name}"`);
  let key = op.name;
  const choice = info.choiceTypes ? { base: op.name, choiceTypes: info.choiceTypes } : choiceName(holderPath, op.name);
  if (choice) {
    if (info.choiceTypes) {
      key = choiceKey(op.name, info.choiceTypes, op.value, fail);
      info = childElement(holderPath, key);
    }
    // Only one type of a choice may be present.
    const present = choice.choiceTypes
      .map((t) => choice.base + t)
      .find((k) => holder[k] !== undefined || holder[`_${k}`] !== undefined);
    if (present !== undefined) fail(`"${choice.base}" already has a value (${present}) and does not repeat (use replace)`);
  }

  const m = materialize(op.value, info, fail);
  checkType(info.type, m, fail);
  const current = holder[key];
  const repeating = info.known ? info.repeating : Array.isArray(current);
  if (repeating) {
    if (current !== undefined && !Array.isArray(current)) fail(`"${key}" holds a single value, not a list`);
    const length = Math.max(Array.isArray(current) ? current.length : 0, listLength(holder[`_${key}`]));
    insertItem(holder, key, length, m);
    return;
  }
  if (current !== undefined || holder[`_${key}`] !== undefined) {
    fail(`"${key}" already has a value and does not repeat (use replace)`);
  }
  setElement(holder, key, null, m);
}

function replace(resource: JsonObject, op: Op<'replace'>, fail: Fail): void {
  const node = single(resource, op.path, fail);
  const loc = locate(node) ?? fail('the path does not select an element that can be replaced');
  const parentPath = node.parentResNode?.path;
  let key = loc.key;
  let info: ElementInfo = {
    known: true,
    repeating: loc.index !== null,
    type: node.fhirNodeDataType ?? undefined,
    nodePath: node.path ?? undefined,
  };
  const choice = loc.index === null ? choiceName(parentPath, loc.key) : undefined;
  if (choice) {
    // A choice may change type: `valueString` replaced by a valueInteger becomes `valueInteger`.
    key = choiceKey(choice.base, choice.choiceTypes, op.value, fail);
    info = childElement(parentPath, key);
  }
  const m = materialize(op.value, info, fail);
  checkType(info.type, m, fail);
  if (key !== loc.key) {
    delete loc.holder[loc.key];
    delete loc.holder[`_${loc.key}`];
  }
  setElement(loc.holder, key, loc.index, m);
}

function del(resource: JsonObject, op: Op<'delete'>, fail: Fail): void {
  const results = evaluate(resource, op.path, fail);
  // The spec's one exception to "no match is an error": deleting nothing succeeds.
  if (results.length === 0) return;
  if (results.length > 1) fail(`the path matches ${results.length} elements; delete removes exactly one`);
  const loc = locate(results[0]) ?? fail('the path does not select an element that can be deleted');
  removeElement(loc);
}

/** The list an insert or move works on: where it lives, its length and what its items are. */
interface ListTarget {
  holder: JsonObject;
  key: string;
  length: number;
  info: ElementInfo;
}

const listLength = (v: unknown): number => (Array.isArray(v) ? v.length : 0);

/**
 * The list selected by `path`. The path selects the items of one list (`instance`, `instance[0].subset`,
 * or a filtered subset of them such as `identifier.where(...)`); indexes refer to the whole list. When it
 * selects nothing and `allowEmpty`, `<parent>.<name>` is read as an empty (absent) list `name` of the one
 * element `parent` selects, so that an insert can start a list.
 */
function selectList(resource: JsonObject, path: string, fail: Fail, allowEmpty: boolean): ListTarget {
  const results = evaluate(resource, path, fail);
  if (results.length === 0) {
    if (!allowEmpty) fail('no element matches the path');
    return emptyList(resource, path, fail);
  }
  const locs = results.map(locate);
  const [first] = locs;
  if (!first || locs.some((l) => !l || l.holder !== first.holder || l.key !== first.key || l.index === null)) {
    fail('the path must select the items of a single list (a repeating element)');
  }
  const { holder, key, node } = first as Location;
  return {
    holder,
    key,
    length: Math.max(listLength(holder[key]), listLength(holder[`_${key}`])),
    info: { known: true, repeating: true, type: node.fhirNodeDataType ?? undefined, nodePath: node.path ?? undefined },
  };
}

function emptyList(resource: JsonObject, path: string, fail: Fail): ListTarget {
  const split = splitLastMember(path) ?? fail('no element matches the path');
  let holder: JsonObject = resource;
  let holderPath = typeof resource.resourceType === 'string' ? resource.resourceType : undefined;
  if (split.parent !== undefined) {
    const parent = single(resource, split.parent, fail);
    if (!isJsonObject(parent.data)) fail('no element matches the path');
    holder = parent.data as JsonObject;
    holderPath = parent.path ?? undefined;
  }
  const info = childElement(holderPath, split.name);
  const repeating = info.known ? info.repeating : !isKnownPath(holderPath);
  if (!repeating || holder[split.name] !== undefined) fail(`"${split.name}" is not a list`);
  return { holder, key: split.name, length: 0, info };
}

function insert(resource: JsonObject, op: Op<'insert'>, fail: Fail): void {
  const list = selectList(resource, op.path, fail, true);
  if (op.index > list.length) fail(`index ${op.index} is out of range: the list has ${list.length} items`);
  const m = materialize(op.value, list.info, fail);
  checkType(list.info.type, m, fail);
  insertItem(list.holder, list.key, op.index, m);
}

function move(resource: JsonObject, op: Op<'move'>, fail: Fail): void {
  const list = selectList(resource, op.path, fail, false);
  for (const [name, i] of [['source', op.source], ['destination', op.destination]] as const) {
    if (i >= list.length) fail(`${name} ${i} is out of range: the list has ${list.length} items`);
  }
  moveItem(list.holder, list.key, op.source, op.destination);
}
