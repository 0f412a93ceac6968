import type { CompiledElement, CompiledStructure } from './compiled-structure.js';
import { FORBIDDEN_KEYS, describeJsonType, hasExtensions, isJsonObject, ownValue } from './json-shape.js';
import { checkPrimitive } from './primitives.js';
import { enter, leave, type WalkContext } from './walk-context.js';
import { walkUntyped, walkUntypedProperty } from './walk-untyped.js';

/*
 * The table-driven walk: each JSON property is looked up in the structure's compiled table and
 * checked for JSON type, cardinality, lexical form and required binding, recursing into complex types.
 * @see https://hl7.org/fhir/R5/json.html
 * @see https://hl7.org/fhir/R5/datatypes.html
 */

const UNDERSCORE = 95;

/**
 * Validates a JSON object against a compiled structure, reporting every problem at its FHIRPath.
 * Afterwards checks min cardinality, the choice rule (one type per `name[x]`) and the structure's rule.
 * @see https://hl7.org/fhir/R5/elementdefinition.html
 */
export function walkStructure(
  structure: CompiledStructure,
  object: Record<string, unknown>,
  path: string,
  ctx: WalkContext,
): void {
  if (!enter(ctx, path)) return;
  const { issues } = ctx;
  let present = 0;
  // Only allocated when a choice element shows up (Extension, Annotation).
  let choicesSeen: Map<string, string> | undefined;

  for (const key of Object.keys(object)) {
    if (FORBIDDEN_KEYS.has(key)) {
      issues.structure(`${path}.${key}`, `The property '${key}' is not allowed`);
      continue;
    }
    const value = object[key];
    if (value === undefined) continue;
    present++;

    const isPrimitiveExtension = key.charCodeAt(0) === UNDERSCORE;
    const element = structure.elements.get(isPrimitiveExtension ? key.slice(1) : key);
    if (element === undefined || (isPrimitiveExtension && element.kind !== 'primitive')) {
      if (structure.isResource && key === 'resourceType') continue;
      if (structure.open) {
        walkUntypedProperty(object, key, value, `${path}.${isPrimitiveExtension ? key.slice(1) : key}`, ctx);
      } else {
        issues.structure(`${path}.${key}`, `Unknown element '${key}' in ${structure.name}`);
      }
      continue;
    }

    if (element.choiceStep !== undefined) {
      choicesSeen ??= new Map();
      const seen = choicesSeen.get(element.choiceStep);
      if (seen === undefined) {
        choicesSeen.set(element.choiceStep, element.jsonKey);
      } else if (seen !== element.jsonKey) {
        issues.structure(
          `${path}.${element.choiceStep}`,
          `${structure.name}.${element.name} allows one type only; found both '${seen}' and '${element.jsonKey}'`,
        );
      }
    }

    if (isPrimitiveExtension) {
      walkPrimitiveExtensions(element, object, value, path, ctx);
    } else {
      walkElementValue(element, object, value, path, ctx);
    }
  }

  if (present === 0) issues.structure(path, 'ele-1: must not be an empty object');

  for (const required of structure.requiredElements) {
    if (!required.jsonKeys.some((k) => isPresent(object, k))) {
      issues.required(
        `${path}.${required.step}`,
        `Missing required element ${structure.name}.${required.name} (min cardinality ${required.min})`,
      );
    }
  }

  structure.rule?.(object, path, issues);
  leave(ctx);
}

/**
 * A check of one element of `parent` whose JSON value is `value`; `path` is the parent's path (issues name
 * `path.step`).
 */
type ElementWalker = (element: CompiledElement, parent: Record<string, unknown>, value: unknown, path: string, ctx: WalkContext) => void;

/** An element is present with a value, or with only the extensions of its `_element`. */
const isPresent = (object: Record<string, unknown>, jsonKey: string): boolean =>
  ownValue(object, jsonKey) !== undefined || ownValue(object, `_${jsonKey}`) !== undefined;

/** Checks an element's value for array/single shape, then each item. */
const walkElementValue: ElementWalker = (element, parent, value, path, ctx) => {
  const at = `${path}.${element.step}`;
  if (!element.repeats) {
    if (Array.isArray(value)) {
      ctx.issues.structure(at, `must be a single ${element.type}, not an array (max cardinality 1)`);
    } else if (value === null) {
      ctx.issues.structure(at, 'must not be null');
    } else {
      walkItem(element, value, at, ctx);
    }
    return;
  }
  if (!Array.isArray(value)) {
    ctx.issues.structure(at, `must be an array (the element repeats), found ${describeJsonType(value)}`);
    return;
  }
  if (value.length === 0) {
    ctx.issues.structure(at, 'ele-1: must not be an empty array');
    return;
  }
  // A null in a repeating primitive is a placeholder when its `_element` sibling carries that entry.
  const extensions = element.kind === 'primitive' ? ownValue(parent, `_${element.jsonKey}`) : undefined;
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (item === null || item === undefined) {
      if (item === null && Array.isArray(extensions) && isJsonObject(extensions[i])) continue;
      ctx.issues.structure(`${at}[${i}]`, `must not be ${describeJsonType(item)}`);
      continue;
    }
    walkItem(element, item, `${at}[${i}]`, ctx);
  }
};

/** Checks one value (never an array, never null) by the element's kind. */
function walkItem(element: CompiledElement, item: unknown, path: string, ctx: WalkContext): void {
  switch (element.kind) {
    case 'primitive': {
      const spec = element.primitive;
      if (!spec) return;
      const problem = checkPrimitive(spec, item);
      if (problem) {
        ctx.issues[problem.kind](path, `${element.name} ${problem.message}`);
        return;
      }
      if (spec.json === 'string') spec.content?.(item as string, path, ctx.issues);
      if (element.binding && !element.binding.membership.contains(item as string)) {
        ctx.issues.codeInvalid(
          path,
          `'${String(item)}' is not in the required value set ${element.binding.valueSet}: ` +
            `expected ${element.binding.membership.expected}`,
        );
      }
      return;
    }
    case 'complex':
      if (!isJsonObject(item)) {
        ctx.issues.structure(path, `must be a JSON object (${element.type}), found ${describeJsonType(item)}`);
      } else if (element.structure) {
        walkStructure(element.structure, item, path, ctx);
        // Only the lazily loaded R5 tables bind Codings and CodeableConcepts; their membership brings the check.
        if (element.binding) element.binding.membership.checkCoded?.(element.type, item, path, ctx.issues, element.binding.valueSet);
      }
      return;
    case 'structural':
      if (!isJsonObject(item)) {
        ctx.issues.structure(path, `must be a JSON object (${element.type}), found ${describeJsonType(item)}`);
      } else {
        walkUntyped(item, path, ctx);
      }
      return;
    case 'resource':
      ctx.validateContainedResource(item, path, element.contained);
      return;
  }
}

/**
 * Checks the `_name` sibling of a primitive: an `{id?, extension?}` object, or for a repeating
 * primitive an array of such objects or null, as long as the value array.
 * @see https://hl7.org/fhir/R5/json.html#primitive
 */
const walkPrimitiveExtensions: ElementWalker = (element, parent, value, path, ctx) => {
  const at = `${path}.${element.step}`;
  const shape = element.structure;
  if (!shape) return;
  if (!element.repeats) {
    if (!isJsonObject(value)) {
      ctx.issues.structure(at, `'_${element.jsonKey}' must be a JSON object, found ${describeJsonType(value)}`);
      return;
    }
    walkStructure(shape, value, at, ctx);
    if (ownValue(parent, element.jsonKey) === undefined && !hasExtensions(value)) {
      ctx.issues.structure(at, `ele-1: '_${element.jsonKey}' without a value must hold an extension`);
    }
    return;
  }
  if (!Array.isArray(value)) {
    ctx.issues.structure(at, `'_${element.jsonKey}' must be an array, found ${describeJsonType(value)}`);
    return;
  }
  if (value.length === 0) {
    ctx.issues.structure(at, `ele-1: '_${element.jsonKey}' must not be an empty array`);
    return;
  }
  const values = ownValue(parent, element.jsonKey);
  if (Array.isArray(values) && values.length !== value.length) {
    ctx.issues.structure(
      at,
      `'_${element.jsonKey}' must have as many entries as '${element.jsonKey}' (${value.length} vs ${values.length})`,
    );
  }
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    const itemPath = `${at}[${i}]`;
    if (item === null) {
      const hasValue = Array.isArray(values) && values[i] !== null && values[i] !== undefined;
      if (!hasValue) ctx.issues.structure(itemPath, 'must not be null in both the value and its extensions');
    } else if (isJsonObject(item)) {
      walkStructure(shape, item, itemPath, ctx);
      const hasValue = Array.isArray(values) && values[i] !== null && values[i] !== undefined;
      if (!hasValue && !hasExtensions(item)) ctx.issues.structure(itemPath, 'ele-1: an entry without a value must hold an extension');
    } else {
      ctx.issues.structure(itemPath, `must be a JSON object or null, found ${describeJsonType(item)}`);
    }
  }
};
