import type { IssueCollector } from './issues.js';
import type { isJsonObject, ownValue } from './json-shape.js';

/** The JSON shape helpers of json-shape.ts, passed in by the core (see r5-structures-compiled.ts). */
export interface JsonShape {
  isJsonObject: typeof isJsonObject;
  ownValue: typeof ownValue;
}

/** A Coding's system and code when both are strings, else undefined. */
function codingOf({ isJsonObject, ownValue }: JsonShape, value: unknown): { system: string; code: string } | undefined {
  if (!isJsonObject(value)) return undefined;
  const system = ownValue(value, 'system');
  const code = ownValue(value, 'code');
  return typeof system === 'string' && typeof code === 'string' ? { system, code } : undefined;
}

/**
 * The check of a required binding on a Coding (its system and code are in the value set) or a CodeableConcept (one
 * of its codings is), given how to test one Coding. A Coding without system and code, or a CodeableConcept with
 * text only, carries no code to check.
 * @see https://hl7.org/fhir/R5/terminologies.html#required
 */
export function codedBindingCheck(
  shape: JsonShape,
  containsCoding: (system: string, code: string) => boolean,
  expected: string,
): (type: string, value: Record<string, unknown>, path: string, issues: IssueCollector, valueSet: string) => void {
  return (type, value, path, issues, valueSet) => {
    let codings: { system: string; code: string }[];
    if (type === 'Coding') {
      const coding = codingOf(shape, value);
      codings = coding ? [coding] : [];
    } else if (type === 'CodeableConcept') {
      const list = shape.ownValue(value, 'coding');
      codings = Array.isArray(list) ? list.map((c: unknown) => codingOf(shape, c)).filter((c) => c !== undefined) : [];
    } else {
      return;
    }
    if (codings.length === 0 || codings.some((c) => containsCoding(c.system, c.code))) return;
    const found = codings.map((c) => `${c.system}|${c.code}`).join(', ');
    issues.codeInvalid(path, `${found} is not in the required value set ${valueSet}: expected ${expected}`);
  };
}
