/**
 * `compose.include.filter` evaluated against a registered CodeSystem. On the `concept` property (alias
 * `code`) the hierarchical operators walk the subsumption graph; on any other property the value is
 * compared with the concepts' `property` values as text.
 * @see https://hl7.org/fhir/R5/valueset.html#compositions
 * @see https://hl7.org/fhir/R5/codesystem-filter-operator.html
 * @module
 */
import { badRequest, FhirError } from '../../errors/fhir-error.js';
import type { CodeSystemIndex } from './code-system.js';
import type { FilterSpec } from './value-set-parse.js';

const notSupported = (f: FilterSpec, why: string): FhirError =>
  new FhirError(400, { code: 'not-supported', diagnostics: `${f.path}: filter '${f.property} ${f.op} ${f.value}' ${why}`, expression: [f.path] });

/** The comma-separated values of `in`/`not-in`. */
const list = (value: string): string[] => value.split(',').map((v) => v.trim()).filter((v) => v !== '');

/** A hierarchical operator needs its value to be a code of the system. */
function defined<T>(result: T | undefined, cs: CodeSystemIndex, f: FilterSpec): T {
  if (result === undefined) throw badRequest(`${f.path}: '${f.value}' is not a code of ${cs.url}`, [`${f.path}.value`]);
  return result;
}

function onConcept(cs: CodeSystemIndex, f: FilterSpec): readonly string[] {
  switch (f.op) {
    case 'is-a':
      return defined(cs.descendants(f.value, true), cs, f);
    case 'descendent-of':
      return defined(cs.descendants(f.value, false), cs, f);
    case 'is-not-a': {
      const below = new Set(defined(cs.descendants(f.value, true), cs, f));
      return cs.codes.filter((c) => !below.has(c));
    }
    case 'generalizes':
      return defined(cs.ancestors(f.value, true), cs, f);
    case 'child-of':
      return defined(cs.children(f.value), cs, f);
    case 'descendent-leaf':
      return defined(cs.descendants(f.value, false), cs, f).filter((c) => cs.children(c)?.length === 0);
    // Equality and membership on the code itself: values that are not codes simply match nothing.
    case '=':
      return cs.codes.filter((c) => cs.keyOf(c) === cs.keyOf(f.value));
    case 'in': {
      const keys = new Set(list(f.value).map((v) => cs.keyOf(v)));
      return cs.codes.filter((c) => keys.has(cs.keyOf(c)));
    }
    case 'not-in': {
      const keys = new Set(list(f.value).map((v) => cs.keyOf(v)));
      return cs.codes.filter((c) => !keys.has(cs.keyOf(c)));
    }
    default:
      throw notSupported(f, 'uses an operator this registry does not implement on the concept property');
  }
}

function onProperty(cs: CodeSystemIndex, f: FilterSpec): readonly string[] {
  const values = (c: string): readonly string[] => cs.propertyValues(c, f.property);
  switch (f.op) {
    case '=':
      return cs.codes.filter((c) => values(c).includes(f.value));
    case 'in': {
      const wanted = new Set(list(f.value));
      return cs.codes.filter((c) => values(c).some((v) => wanted.has(v)));
    }
    case 'not-in': {
      const wanted = new Set(list(f.value));
      return cs.codes.filter((c) => !values(c).some((v) => wanted.has(v)));
    }
    case 'exists': {
      if (f.value !== 'true' && f.value !== 'false') throw badRequest(`${f.path}: 'exists' takes true or false`, [`${f.path}.value`]);
      return cs.codes.filter((c) => values(c).length > 0 === (f.value === 'true'));
    }
    default:
      throw notSupported(f, 'uses an operator this registry does not implement on a concept property');
  }
}

/**
 * The codes of `cs` (as declared, in document order for the non-hierarchical operators) that pass one
 * filter.
 * Supported on `concept`/`code`: `is-a`, `descendent-of`, `is-not-a`, `generalizes`, `child-of`,
 * `descendent-leaf`, `=`, `in`, `not-in`. On other properties: `=`, `in`, `not-in`, `exists`.
 * @throws FhirError 400 (`not-supported`) for other operators (e.g. `regex`), 400 when a hierarchical
 * operator names a code the system does not define.
 * @see https://hl7.org/fhir/R5/valueset-definitions.html#ValueSet.compose.include.filter
 */
export function filterCodes(cs: CodeSystemIndex, f: FilterSpec): readonly string[] {
  return f.property === 'concept' || f.property === 'code' ? onConcept(cs, f) : onProperty(cs, f);
}
