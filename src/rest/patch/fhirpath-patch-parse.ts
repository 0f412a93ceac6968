import { badRequest } from '../../errors/fhir-error.js';
import { compilePath, PathSyntaxError } from './fhirpath-eval.js';
import { malformedOperation } from './fhirpath-patch-errors.js';
import { ELEMENT_NAME, readValue, type PatchValue } from './fhirpath-patch-value.js';
import { isForbiddenKey } from '../../model/forbidden-keys.js';
import { isJsonObject, type JsonObject } from './locate.js';

interface Common {
  /** Position of the operation in `Parameters.parameter`. */
  opIndex: number;
  path: string;
}

/**
 * One FHIRPath Patch operation, checked for form.
 * @see https://hl7.org/fhir/R5/fhirpatch.html#concept
 */
export type FhirPathPatchOperation =
  | (Common & { type: 'add'; name: string; value: PatchValue })
  | (Common & { type: 'insert'; value: PatchValue; index: number })
  | (Common & { type: 'delete' })
  | (Common & { type: 'replace'; value: PatchValue })
  | (Common & { type: 'move'; source: number; destination: number });

type OperationType = FhirPathPatchOperation['type'];

const TYPES: ReadonlySet<string> = new Set<OperationType>(['add', 'insert', 'delete', 'replace', 'move']);
const PART_NAMES: ReadonlySet<string> = new Set(['type', 'path', 'name', 'value', 'index', 'source', 'destination']);

/**
 * True when `body` is a Parameters resource whose parameters are all named `operation` (an empty Parameters
 * is an empty patch). This is how a FHIRPath Patch is told apart from other Parameters bodies.
 * @see https://hl7.org/fhir/R5/fhirpatch.html#format
 */
export function isFhirPathPatch(body: unknown): boolean {
  if (!isJsonObject(body) || body.resourceType !== 'Parameters') return false;
  const params = body.parameter;
  if (params === undefined) return true;
  return Array.isArray(params) && params.every((p) => isJsonObject(p) && p.name === 'operation');
}

/**
 * Reads and checks every operation of a FHIRPath Patch before any is applied, so a malformed document is
 * refused (400) without partial work: wrong resource type, a parameter not named `operation`, unknown or
 * repeated parts, a bad `type` code, a part missing for the type, a bad name or index, a path that does not
 * parse or names `__proto__`/`constructor`/`prototype`. Parts a type does not use are ignored.
 * @see https://hl7.org/fhir/R5/fhirpatch.html#format
 */
export function parseFhirPathPatch(patch: unknown): FhirPathPatchOperation[] {
  if (!isJsonObject(patch) || patch.resourceType !== 'Parameters') {
    throw badRequest('A FHIRPath Patch must be a Parameters resource');
  }
  const params = patch.parameter ?? [];
  if (!Array.isArray(params)) throw badRequest('Parameters.parameter must be a list', ['Parameters.parameter']);
  return params.map((p: unknown, i) => parseOperation(p, i));
}

function parseOperation(param: unknown, opIndex: number): FhirPathPatchOperation {
  const fail = (detail: string, expression?: string): never => {
    throw malformedOperation(opIndex, detail, expression);
  };
  if (!isJsonObject(param) || param.name !== 'operation') fail('every parameter must be named "operation"');
  const partList = (param as JsonObject).part;
  if (!Array.isArray(partList) || partList.length === 0) fail('an operation needs parts');

  const parts = new Map<string, { part: JsonObject; expression: string }>();
  (partList as unknown[]).forEach((part, j) => {
    const expression = `Parameters.parameter[${opIndex}].part[${j}]`;
    if (!isJsonObject(part) || typeof part.name !== 'string') return fail('a part must have a name', expression);
    if (!PART_NAMES.has(part.name)) fail(`unknown part "${part.name}"`, expression);
    if (parts.has(part.name)) fail(`part "${part.name}" is repeated`, expression);
    parts.set(part.name, { part, expression });
  });

  const typePart = parts.get('type');
  const type = typePart?.part.valueCode;
  if (typeof type !== 'string' || !TYPES.has(type)) {
    return fail('part "type" must be a valueCode: add | insert | delete | replace | move', typePart?.expression);
  }
  const required = (name: string): { part: JsonObject; expression: string } =>
    parts.get(name) ?? fail(`the ${type} operation needs a "${name}" part`);

  const pathPart = required('path');
  const path = pathPart.part.valueString;
  if (typeof path !== 'string' || path.trim() === '') return fail('part "path" must be a non-empty valueString', pathPart.expression);
  try {
    compilePath(path);
  } catch (e) {
    if (e instanceof PathSyntaxError) fail(`path ${e.message}`, pathPart.expression);
    throw e;
  }

  const value = (): PatchValue => {
    const { part, expression } = required('value');
    return readValue(part, opIndex, expression) ?? fail('part "value" has no value[x], resource or part', expression);
  };
  const integer = (name: string): number => {
    const { part, expression } = required(name);
    const n = part.valueInteger;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      return fail(`part "${name}" must be a non-negative valueInteger`, expression);
    }
    return n;
  };

  const common = { opIndex, path };
  switch (type as OperationType) {
    case 'add': {
      const { part, expression } = required('name');
      const name = part.valueString;
      if (typeof name !== 'string' || !ELEMENT_NAME.test(name) || isForbiddenKey(name)) {
        return fail(`part "name" must be a valueString holding an element name, got ${JSON.stringify(name)}`, expression);
      }
      return { ...common, type: 'add', name, value: value() };
    }
    case 'insert':
      return { ...common, type: 'insert', value: value(), index: integer('index') };
    case 'delete':
      return { ...common, type: 'delete' };
    case 'replace':
      return { ...common, type: 'replace', value: value() };
    case 'move':
      return { ...common, type: 'move', source: integer('source'), destination: integer('destination') };
  }
}
