import { isTypeOrSubtype } from '../../model/r5-model.js';
import { isPrimitiveType } from './fhir-model.js';

const NUMBER_TYPES: ReadonlySet<string> = new Set([
  'decimal',
  'integer',
  'positiveInt',
  'unsignedInt',
  'System.Decimal',
  'System.Integer',
]);

/** The JSON kind a FHIR primitive type takes (integer64 is a string in JSON). */
function jsonKind(type: string): 'boolean' | 'number' | 'string' {
  if (type === 'boolean' || type === 'System.Boolean') return 'boolean';
  return NUMBER_TYPES.has(type) ? 'number' : 'string';
}

/**
 * Checks that a value of FHIR type `valueType` (`undefined` for an anonymous element built from parts) holding
 * `json` may be written where the model declares `expected`. Returns what is wrong, or `undefined`.
 *
 * Deliberately coarse: primitives are checked by JSON kind (a `valueString` may fill a `code` or `id`, as the
 * spec's own tests do), complex types by name and inheritance (`Age` fits `Quantity`, any resource fits
 * `Resource`). Full validation of the result is the caller's job.
 * @see https://hl7.org/fhir/R5/fhirpatch.html ("The type of the value must be correct")
 */
export function typeProblem(expected: string | null | undefined, valueType: string | undefined, json: unknown): string | undefined {
  if (!expected) return undefined;
  if (valueType === undefined) {
    return isPrimitiveType(expected) ? `a ${expected} needs a primitive value, not parts` : undefined;
  }
  if (isPrimitiveType(expected)) {
    if (!isPrimitiveType(valueType)) return `a ${valueType} cannot be used where a ${expected} is expected`;
    if (json != null && typeof json !== jsonKind(expected)) {
      return `a ${expected} must be a JSON ${jsonKind(expected)}, got ${typeof json}`;
    }
    return undefined;
  }
  if (expected === 'BackboneElement' || expected === 'Element') {
    return `a ${valueType} cannot be used where an anonymous element is expected (give it as parts)`;
  }
  if (!isTypeOrSubtype(valueType, expected)) return `a ${valueType} cannot be used where a ${expected} is expected`;
  return undefined;
}
