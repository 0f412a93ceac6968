/**
 * Reads an untyped CodeSystem into the facts the registry needs: url, version, content, case sensitivity
 * and the concept tree with its properties. Structural errors are 400s; the meaning (hierarchy, duplicate
 * codes) is checked by {@link ./code-system.ts}.
 * @see https://hl7.org/fhir/R5/codesystem.html
 * @module
 */
import type { CodeSystem } from 'fhir/r5';
import { badRequest } from '../../errors/fhir-error.js';
import { optionalArray, optionalBoolean, optionalString, requireObject, requireString, type JsonObject } from './json.js';

/** One `concept` of the tree, flattened in document (pre-)order. */
interface ParsedConcept {
  code: string;
  display: string | undefined;
  /** Position of the concept this one is nested in (`concept.concept`), if any. */
  nestedIn: number | undefined;
  /** `concept.property` as (code, value as text) pairs. */
  properties: Array<{ code: string; value: string }>;
  /** FHIRPath of the concept, for error messages. */
  path: string;
}

/** The checked content of a CodeSystem. */
export interface ParsedCodeSystem {
  url: string;
  version: string | undefined;
  content: CodeSystem['content'];
  /** `caseSensitive: false` only: absent is read as case-sensitive (literal match, the safe default). */
  caseSensitive: boolean;
  concepts: ParsedConcept[];
  /** Property codes that mean "parent" / "child" (`parent`/`child`, or declared with the standard uri). */
  parentProperties: ReadonlySet<string>;
  childProperties: ReadonlySet<string>;
}

const CONTENT: ReadonlySet<string> = new Set(['not-present', 'example', 'fragment', 'complete', 'supplement']);
/** The standard concept properties for hierarchy links. @see https://hl7.org/fhir/R5/codesystem-concept-properties.html */
const PARENT_URI = 'http://hl7.org/fhir/concept-properties#parent';
const CHILD_URI = 'http://hl7.org/fhir/concept-properties#child';

/**
 * The value of a `property` (or filter-able element) as text: `valueCode`, `valueString`, `valueCoding.code`,
 * numbers and booleans. Exactly one `value[x]` is required.
 * @see https://hl7.org/fhir/R5/codesystem-definitions.html#CodeSystem.concept.property.value_x_
 */
function propertyValue(p: JsonObject, path: string): string {
  const keys = Object.keys(p).filter((k) => k.startsWith('value'));
  const key = keys[0];
  if (keys.length !== 1 || key === undefined) throw badRequest(`${path} must have exactly one value[x]`, [path]);
  const v = p[key];
  if (key === 'valueCoding') return requireString(requireObject(v, `${path}.valueCoding`), 'code', `${path}.valueCoding`);
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw badRequest(`${path}.${key} must be a primitive value or a Coding`, [`${path}.${key}`]);
}

function parseConcepts(list: unknown[], path: string, nestedIn: number | undefined, out: ParsedConcept[]): void {
  list.forEach((item, i) => {
    const at = `${path}[${i}]`;
    const c = requireObject(item, at);
    const properties = optionalArray(c, 'property', at).map((raw, j) => {
      const p = requireObject(raw, `${at}.property[${j}]`);
      return { code: requireString(p, 'code', `${at}.property[${j}]`), value: propertyValue(p, `${at}.property[${j}]`) };
    });
    const position = out.length;
    out.push({ code: requireString(c, 'code', at), display: optionalString(c, 'display', at), nestedIn, properties, path: at });
    parseConcepts(optionalArray(c, 'concept', at), `${at}.concept`, position, out);
  });
}

/**
 * Checks the shape of a CodeSystem and flattens its concepts.
 * @throws FhirError 400 when it is malformed: no `url`, a `url` carrying `|version`, a missing or unknown
 * `content`, a concept without `code`, a property without exactly one value.
 * @see https://hl7.org/fhir/R5/codesystem.html
 */
export function parseCodeSystem(r: JsonObject): ParsedCodeSystem {
  const url = requireString(r, 'url', 'CodeSystem');
  if (url.includes('|')) throw badRequest('CodeSystem.url must not carry a |version (use CodeSystem.version)', ['CodeSystem.url']);
  const version = optionalString(r, 'version', 'CodeSystem');
  const content = requireString(r, 'content', 'CodeSystem');
  if (!CONTENT.has(content)) throw badRequest(`CodeSystem.content '${content}' is not a code of codesystem-content-mode`, ['CodeSystem.content']);

  const parentProperties = new Set(['parent']);
  const childProperties = new Set(['child']);
  optionalArray(r, 'property', 'CodeSystem').forEach((raw, i) => {
    const p = requireObject(raw, `CodeSystem.property[${i}]`);
    const code = requireString(p, 'code', `CodeSystem.property[${i}]`);
    const uri = optionalString(p, 'uri', `CodeSystem.property[${i}]`);
    if (uri === PARENT_URI) parentProperties.add(code);
    if (uri === CHILD_URI) childProperties.add(code);
  });

  const concepts: ParsedConcept[] = [];
  parseConcepts(optionalArray(r, 'concept', 'CodeSystem'), 'CodeSystem.concept', undefined, concepts);
  return {
    url,
    version,
    content: content as CodeSystem['content'],
    caseSensitive: optionalBoolean(r, 'caseSensitive', 'CodeSystem') !== false,
    concepts,
    parentProperties,
    childProperties,
  };
}
