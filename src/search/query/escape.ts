/**
 * Escaping inside FHIR search values: `\,` `\$` `\|` `\\` stand for the literal character, so that `,` (OR),
 * `|` (system|code) and `$` (composite) can also appear in data. This layer sits after URL percent-decoding.
 * @see https://hl7.org/fhir/R5/search.html#escaping
 * @module
 */
import { badRequest } from '../../errors/fhir-error.js';

const ESCAPABLE = new Set([',', '$', '|', '\\']);

/**
 * Splits `value` on every unescaped `separator`, leaving escapes in the parts untouched (they are still
 * escaped text, to be split further or passed to {@link unescape}). Empty parts are kept (`a,,b` has three).
 * Used directly for `:of-type` (`system|code|value`) and composite (`$`) values.
 * @see https://hl7.org/fhir/R5/search.html#escaping
 */
export function splitUnescaped(value: string, separator: ',' | '|' | '$', limit = Infinity): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < value.length && parts.length < limit - 1; i++) {
    const c = value[i];
    if (c === '\\') i++; // the next char is escaped (or missing; unescape reports that)
    else if (c === separator) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}

/**
 * Splits a parameter value into its OR alternatives on unescaped commas (`given=A,B`). The parts keep their
 * escapes: a token alternative is split again by {@link splitToken}, others go through {@link unescape}.
 * @see https://hl7.org/fhir/R5/search.html#escaping
 */
export function splitOr(value: string): string[] {
  return splitUnescaped(value, ',');
}

/**
 * Splits one (escaped) token or `:identifier` value on its first unescaped `|` and unescapes both parts:
 * - `code` → `{ system: undefined, code, hasBar: false }` (any system);
 * - `|code` → `{ system: '', code, hasBar: true }` (no system);
 * - `system|` → `{ system, code: '', hasBar: true }` (any code in the system);
 * - `system|code` → both.
 * Only the first bar separates: `a|b|c` gives code `b|c` (use {@link splitUnescaped} for `:of-type`).
 * @throws FhirError 400 on an invalid escape.
 * @see https://hl7.org/fhir/R5/search.html#token
 * @see https://hl7.org/fhir/R5/search.html#escaping
 */
export function splitToken(value: string): { system?: string; code: string; hasBar: boolean } {
  const [first = '', rest] = splitUnescaped(value, '|', 2);
  if (rest === undefined) return { code: unescape(first), hasBar: false };
  return { system: unescape(first), code: unescape(rest), hasBar: true };
}

/**
 * Replaces `\,` `\$` `\|` `\\` by the character they escape.
 * @throws FhirError 400 when a backslash is followed by any other character or ends the value: the spec makes
 * a lone backslash illegal rather than literal.
 * @see https://hl7.org/fhir/R5/search.html#escaping
 */
export function unescape(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = s[i + 1];
    if (next === undefined || !ESCAPABLE.has(next)) {
      const what = next === undefined ? 'ends with a lone backslash' : `has '\\${next}' at position ${i}`;
      throw badRequest(
        `Invalid escape in search value '${s}': it ${what}; only \\, \\$ \\| and \\\\ are allowed (write \\\\ for a backslash)`,
      );
    }
    out += next;
    i++;
  }
  return out;
}

/**
 * Escapes `,` `$` `|` and `\` with a backslash, so that `s` survives as one literal value. The inverse of
 * {@link unescape}.
 * @see https://hl7.org/fhir/R5/search.html#escaping
 */
export function escape(s: string): string {
  return s.replace(/[\\,$|]/g, '\\$&');
}
