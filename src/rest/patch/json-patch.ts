import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import type { Resource } from 'fhir/r5';
import { FhirError, badRequest, unprocessable } from '../../errors/fhir-error.js';
import { findForbiddenKey, isForbiddenKey } from '../../model/forbidden-keys.js';
import { pointerToFhirPath, pointerTokens } from './json-pointer.js';

const RFC6902_OPS: ReadonlySet<string> = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** fast-json-patch error names that describe a malformed patch document (400); every other one means the
 * document is well formed but does not apply to this resource (422). */
const MALFORMED_ERRORS: ReadonlySet<string> = new Set([
  'SEQUENCE_NOT_AN_ARRAY',
  'OPERATION_NOT_AN_OBJECT',
  'OPERATION_OP_INVALID',
  'OPERATION_PATH_INVALID',
  'OPERATION_FROM_REQUIRED',
  'OPERATION_VALUE_REQUIRED',
  'OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED',
]);

type JsonOp = Operation & { from?: string; value?: unknown };

/**
 * Applies a JSON Patch (RFC 6902) document to a copy of `resource` and returns the copy.
 *
 * - 400: not an array, an operation that is not an object, an unknown `op`, a missing or invalid `path` /
 *   `from` / `value`, a `move` into its own child, or any pointer token or value key equal to `__proto__`,
 *   `constructor` or `prototype`.
 * - 422: a failing `test`, a path that does not exist in this resource, a bad array index, or an operation
 *   that changes `resourceType` or `id` (a patch cannot move a resource to another identity).
 *
 * The input is never mutated; the result shares nothing with the input or the patch.
 * @see https://hl7.org/fhir/R5/http.html#patch
 * @see https://www.rfc-editor.org/rfc/rfc6902
 */
export function applyJsonPatch(resource: Resource, patch: unknown): Resource {
  if (!Array.isArray(patch)) throw badRequest('A JSON Patch document must be an array of operations (RFC 6902)');
  // fast-json-patch inserts `value`s by reference and may write into the operations: work on our own copy.
  let ops: unknown[];
  try {
    ops = structuredClone(patch);
  } catch {
    throw badRequest('The JSON Patch document is not plain JSON');
  }
  ops.forEach(checkOperation);
  const invalid = jsonpatch.validate(ops as Operation[]);
  if (invalid) throw badRequest(`JSON Patch operation ${invalid.index ?? 0}: ${firstLine(invalid)}`);

  let doc: unknown = structuredClone(resource);
  ops.forEach((raw, i) => {
    const op = raw as JsonOp;
    try {
      // One operation at a time (what applyPatch does internally) so that each failure and each identity
      // change is reported against its own index. banPrototypeModifications stays on as a second guard.
      doc = jsonpatch.applyOperation(doc, op, true, true, true, i).newDocument;
    } catch (e) {
      throw mapApplyError(e, i, op, resource.resourceType);
    }
    assertSameIdentity(doc, resource, i, op);
  });
  return doc as Resource;
}

/** Structural checks fast-json-patch does not make (or makes too late): 400 on failure. */
function checkOperation(raw: unknown, i: number): void {
  const where = `JSON Patch operation ${i}`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest(`${where} is not an object`);
  const op = raw as Record<string, unknown>;
  // fast-json-patch also accepts its private `_get`; only the six RFC 6902 operations are allowed here.
  if (typeof op.op !== 'string' || !RFC6902_OPS.has(op.op)) {
    throw badRequest(`${where}: unknown op ${JSON.stringify(op.op)} (expected add, remove, replace, move, copy or test)`);
  }
  const pointers: [string, unknown][] = [['path', op.path]];
  if (op.op === 'move' || op.op === 'copy') pointers.push(['from', op.from]);
  for (const [field, pointer] of pointers) {
    const tokens = typeof pointer === 'string' ? pointerTokens(pointer) : undefined;
    if (!tokens) throw badRequest(`${where}: \`${field}\` must be a JSON Pointer`);
    const bad = tokens.find(isForbiddenKey);
    if (bad !== undefined) throw badRequest(`${where}: \`${field}\` must not reach "${bad}"`);
  }
  if (op.op === 'move' && typeof op.from === 'string' && (op.path as string).startsWith(`${op.from}/`)) {
    throw badRequest(`${where}: cannot move a value into one of its own children (RFC 6902 §4.4)`);
  }
  const badKey = findForbiddenKey(op.value);
  if (badKey !== undefined) throw badRequest(`${where}: value must not contain the key "${badKey}"`);
}

function mapApplyError(e: unknown, i: number, op: JsonOp, resourceType: string): FhirError {
  const diagnostics = `JSON Patch operation ${i} (${op.op} ${op.path}): ${firstLine(e)}`;
  const expression = [pointerToFhirPath(resourceType, op.path)];
  if (e instanceof jsonpatch.JsonPatchError && MALFORMED_ERRORS.has(e.name)) return badRequest(diagnostics, expression);
  // Everything else (failed test, unresolvable path, bad index, writing into a primitive) depends on the
  // content of this resource.
  return unprocessable(diagnostics, expression);
}

/** fast-json-patch appends the operation and the whole document to its messages: keep the sentence only. */
function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n', 1)[0] ?? message;
}

function assertSameIdentity(doc: unknown, original: Resource, i: number, op: JsonOp): void {
  const where = `JSON Patch operation ${i} (${op.op} ${op.path})`;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw unprocessable(`${where}: the result is no longer a resource`);
  }
  const r = doc as Partial<Resource>;
  if (r.resourceType !== original.resourceType) {
    throw unprocessable(`${where}: a patch cannot change resourceType`, [`${original.resourceType}.resourceType`]);
  }
  if (r.id !== original.id) throw unprocessable(`${where}: a patch cannot change id`, [`${original.resourceType}.id`]);
}
