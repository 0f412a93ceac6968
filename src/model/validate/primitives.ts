import { FHIR_ID_PATTERN } from '../../util/id.js';
import type { IssueCollector } from './issues.js';
import { describeJsonType } from './json-shape.js';
import { checkXhtml } from './xhtml.js';

/**
 * The R5 primitive datatypes: how each is carried in JSON and the lexical rule its value must meet.
 * Regexes are the published ones, anchored; where R5 adds a rule in prose (a dateTime with a time
 * needs a zone, integer ranges) it is folded in.
 * @see https://hl7.org/fhir/R5/datatypes.html#primitive
 * @see https://hl7.org/fhir/R5/json.html#primitive
 */

/** A primitive carried as a JSON string. */
interface StringPrimitive {
  readonly name: string;
  readonly json: 'string';
  readonly isValid: (value: string) => boolean;
  readonly rule: string;
  /**
   * Checks the content of a value that met `isValid`, reporting each problem at `path`: rules a pattern cannot
   * express (`xhtml`: well-formed XHTML and the narrative rules, see `xhtml.ts`).
   */
  readonly content?: (value: string, path: string, issues: IssueCollector) => void;
}

/** A primitive carried as a JSON number. */
interface NumberPrimitive {
  readonly name: string;
  readonly json: 'number';
  readonly isValid: (value: number) => boolean;
  readonly rule: string;
}

/** A primitive carried as a JSON boolean. */
interface BooleanPrimitive {
  readonly name: string;
  readonly json: 'boolean';
}

/** How one primitive datatype is represented and validated. @see https://hl7.org/fhir/R5/datatypes.html#primitive */
export type PrimitiveSpec = StringPrimitive | NumberPrimitive | BooleanPrimitive;

/**
 * How a primitive value failed: wrong JSON type or empty (`structure`), or a broken lexical rule (`value`).
 * @see https://hl7.org/fhir/R5/json.html#primitive
 */
interface PrimitiveProblem {
  readonly kind: 'structure' | 'value';
  readonly message: string;
}

const YEAR = '([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)';
const MONTH = '(0[1-9]|1[0-2])';
const DAY = '(0[1-9]|[1-2][0-9]|3[0-1])';
const TIME = '([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?';
const ZONE = '(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))';
const INT32_MAX = 2_147_483_647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** R5: "strings SHALL NOT exceed 1 MB". */
const MAX_STRING_LENGTH = 1024 * 1024;

const matching = (name: string, pattern: RegExp, rule = `must match ${pattern.source}`): StringPrimitive => ({
  name,
  json: 'string',
  isValid: (value) => pattern.test(value),
  rule,
});

const integerBetween = (name: string, min: number, max: number): NumberPrimitive => ({
  name,
  json: 'number',
  isValid: (value) => Number.isInteger(value) && value >= min && value <= max,
  rule: `must be a whole number from ${min} to ${max}`,
});

const NO_WHITESPACE = /^\S+$/;

const boundedText = (name: string): StringPrimitive => ({
  name,
  json: 'string',
  isValid: (value) => value.length <= MAX_STRING_LENGTH,
  rule: 'must not exceed 1 MB',
});

// A hand loop instead of the published (\s*([0-9a-zA-Z\+\=]){4}\s*)+ : that regex backtracks badly on
// megabyte payloads.
const isBase64 = (value: string): boolean => {
  let significant = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const isWhitespace = c === 32 || c === 9 || c === 10 || c === 13;
    if (isWhitespace) continue;
    const isAlphabet =
      (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 61;
    if (!isAlphabet) return false;
    significant++;
  }
  return significant > 0 && significant % 4 === 0;
};

/**
 * The day of a `YYYY-MM-DD…` value exists in its month (`2023-02-29` and `2024-02-30` match the lexical patterns
 * but name no day): the R5 date types are calendar dates (https://hl7.org/fhir/R5/datatypes.html#date).
 */
const isCalendarDay = (value: string): boolean => {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!m) return true;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return Number(m[3]) <= days;
};

/** A date-like primitive: its pattern, and a day that exists. */
const calendar = (name: string, pattern: RegExp, rule: string): StringPrimitive => ({
  name,
  json: 'string',
  isValid: (value) => pattern.test(value) && isCalendarDay(value),
  rule: `${rule}, a day that exists`,
});

const isInteger64 = (value: string): boolean => {
  if (!/^(0|[-+]?[1-9][0-9]{0,18})$/.test(value)) return false;
  const n = BigInt(value);
  return n >= INT64_MIN && n <= INT64_MAX;
};

/**
 * Every R5 primitive type (plus `xhtml`, the type of `Narrative.div`), keyed by type name.
 * @see https://hl7.org/fhir/R5/datatypes.html#primitive
 * @see https://hl7.org/fhir/R5/narrative.html#xhtml
 */
export const PRIMITIVE_TYPES: Readonly<Record<string, PrimitiveSpec>> = {
  boolean: { name: 'boolean', json: 'boolean' },
  integer: integerBetween('integer', -INT32_MAX - 1, INT32_MAX),
  unsignedInt: integerBetween('unsignedInt', 0, INT32_MAX),
  positiveInt: integerBetween('positiveInt', 1, INT32_MAX),
  decimal: { name: 'decimal', json: 'number', isValid: Number.isFinite, rule: 'must be a finite number' },
  integer64: { name: 'integer64', json: 'string', isValid: isInteger64, rule: 'must be a 64-bit integer in a string' },
  string: boundedText('string'),
  markdown: boundedText('markdown'),
  code: matching('code', /^[^\s]+( [^\s]+)*$/, 'must have no leading, trailing or repeated whitespace'),
  id: matching('id', FHIR_ID_PATTERN, 'must be 1 to 64 of A-Z a-z 0-9 - .'),
  uri: matching('uri', NO_WHITESPACE, 'must contain no whitespace'),
  url: matching('url', NO_WHITESPACE, 'must contain no whitespace'),
  canonical: matching('canonical', NO_WHITESPACE, 'must contain no whitespace'),
  oid: matching('oid', /^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/),
  uuid: matching('uuid', /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
  base64Binary: { name: 'base64Binary', json: 'string', isValid: isBase64, rule: 'must be base64' },
  instant: calendar(
    'instant',
    new RegExp(`^${YEAR}-${MONTH}-${DAY}T${TIME}${ZONE}$`),
    'must be YYYY-MM-DDThh:mm:ss[.fff] with a time zone',
  ),
  date: calendar('date', new RegExp(`^${YEAR}(-${MONTH}(-${DAY})?)?$`), 'must be YYYY, YYYY-MM or YYYY-MM-DD'),
  dateTime: calendar(
    'dateTime',
    new RegExp(`^${YEAR}(-${MONTH}(-${DAY}(T${TIME}${ZONE})?)?)?$`),
    'must be YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.fff] with a time zone',
  ),
  time: matching('time', new RegExp(`^${TIME}$`), 'must be hh:mm:ss[.fff]'),
  // The pattern is the cheap first step; `content` parses the value as XHTML (the parser loads on demand).
  xhtml: { ...matching('xhtml', /^<div[\s>/]/, 'must be an XHTML <div> element'), content: checkXhtml },
};

/**
 * Checks one primitive value (never an array) against its type. Returns the problem, or undefined
 * when the value is valid.
 * @see https://hl7.org/fhir/R5/datatypes.html#primitive
 */
export function checkPrimitive(spec: PrimitiveSpec, value: unknown): PrimitiveProblem | undefined {
  if (typeof value !== spec.json) {
    return { kind: 'structure', message: `must be a JSON ${spec.json} (${spec.name}), found ${describeJsonType(value)}` };
  }
  switch (spec.json) {
    case 'string': {
      const text = value as string;
      if (text.length === 0) return { kind: 'structure', message: 'must not be an empty string (ele-1)' };
      return spec.isValid(text) ? undefined : { kind: 'value', message: `is not a valid ${spec.name}: ${spec.rule}` };
    }
    case 'number':
      return spec.isValid(value as number)
        ? undefined
        : { kind: 'value', message: `is not a valid ${spec.name}: ${spec.rule}` };
    case 'boolean':
      return undefined;
  }
}

/**
 * The spec of an R5 primitive type, or undefined for complex types and resources.
 * @see https://hl7.org/fhir/R5/datatypes.html#primitive
 */
export const primitiveSpec = (type: string): PrimitiveSpec | undefined =>
  Object.hasOwn(PRIMITIVE_TYPES, type) ? PRIMITIVE_TYPES[type] : undefined;
