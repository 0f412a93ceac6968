import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FhirError } from '../../src/errors/fhir-error.js';
import { escape, splitOr, splitToken, splitUnescaped, unescape } from '../../src/search/query/escape.js';

// Test values are written as JS strings: '\\,' is the two characters backslash, comma.

describe('splitOr', () => {
  it.each<[string, string[]]>([
    ['a', ['a']],
    ['a,b', ['a', 'b']],
    ['a,b,c', ['a', 'b', 'c']],
    ['', ['']],
    [',', ['', '']],
    ['a,,b', ['a', '', 'b']],
    ['a,', ['a', '']],
    ['a\\,b', ['a\\,b']], // escaped comma: one value, escape kept
    ['a\\\\,b', ['a\\\\', 'b']], // escaped backslash, then a real comma
    ['a\\\\\\,b', ['a\\\\\\,b']], // escaped backslash, escaped comma
    ['a\\|b,c', ['a\\|b', 'c']],
    ['http://loinc.org|1234-5,|x', ['http://loinc.org|1234-5', '|x']],
    ['a\\', ['a\\']], // a trailing lone backslash is left for unescape to report
  ])('%j → %j', (value, expected) => {
    expect(splitOr(value)).toEqual(expected);
  });
});

describe('splitUnescaped', () => {
  it.each<[string, ',' | '|' | '$', number | undefined, string[]]>([
    ['sys|code|value', '|', undefined, ['sys', 'code', 'value']],
    ['sys|co\\|de|value', '|', undefined, ['sys', 'co\\|de', 'value']],
    ['a|b|c', '|', 2, ['a', 'b|c']],
    ['a|b|c', '|', 1, ['a|b|c']],
    ['code$value', '$', undefined, ['code', 'value']],
    ['co\\$de$value', '$', undefined, ['co\\$de', 'value']],
  ])('%j on %j (limit %s) → %j', (value, sep, limit, expected) => {
    expect(splitUnescaped(value, sep, limit)).toEqual(expected);
  });
});

describe('splitToken', () => {
  it.each<[string, { system?: string; code: string; hasBar: boolean }]>([
    ['code', { code: 'code', hasBar: false }],
    ['|code', { system: '', code: 'code', hasBar: true }],
    ['http://loinc.org|', { system: 'http://loinc.org', code: '', hasBar: true }],
    ['http://loinc.org|1234-5', { system: 'http://loinc.org', code: '1234-5', hasBar: true }],
    ['|', { system: '', code: '', hasBar: true }],
    ['', { code: '', hasBar: false }],
    ['a|b|c', { system: 'a', code: 'b|c', hasBar: true }],
    ['a\\|b|c', { system: 'a|b', code: 'c', hasBar: true }],
    ['a|b\\|c', { system: 'a', code: 'b|c', hasBar: true }],
    ['a\\|b', { code: 'a|b', hasBar: false }],
    ['a\\\\|b', { system: 'a\\', code: 'b', hasBar: true }],
    ['urn:oid:1.2\\,3|x\\$y', { system: 'urn:oid:1.2,3', code: 'x$y', hasBar: true }],
  ])('%j → %o', (value, expected) => {
    expect(splitToken(value)).toStrictEqual(expected);
  });

  it.each(['a\\x|b', 'a|b\\', 'a\\'])('rejects the invalid escape in %j with 400', (value) => {
    expect(() => splitToken(value)).toThrow(FhirError);
  });
});

describe('unescape', () => {
  it.each<[string, string]>([
    ['', ''],
    ['plain', 'plain'],
    ['a\\,b', 'a,b'],
    ['a\\$b', 'a$b'],
    ['a\\|b', 'a|b'],
    ['a\\\\b', 'a\\b'],
    ['\\\\', '\\'],
    ['\\\\\\\\', '\\\\'],
    ['\\,\\$\\|\\\\', ',$|\\'],
    ['a,b|c$d', 'a,b|c$d'], // unescaped specials pass through: splitting is the caller's business
  ])('%j → %j', (value, expected) => {
    expect(unescape(value)).toBe(expected);
  });

  it.each<[string, string]>([
    ['a\\', 'ends with a lone backslash'],
    ['\\', 'ends with a lone backslash'],
    ['a\\b', "has '\\b' at position 1"],
    ['\\n', "has '\\n' at position 0"],
    ['a\\\\\\', 'ends with a lone backslash'],
    ['x\\ y', "has '\\ ' at position 1"],
  ])('%j is a 400 (%s)', (value, diagnostic) => {
    let caught: unknown;
    try {
      unescape(value);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FhirError);
    const err = caught as FhirError;
    expect(err.status).toBe(400);
    expect(err.outcome.issue[0]?.code).toBe('invalid');
    expect(err.outcome.issue[0]?.diagnostics).toContain(diagnostic);
    expect(err.outcome.issue[0]?.diagnostics).toContain(value);
  });
});

describe('escape', () => {
  it.each<[string, string]>([
    ['', ''],
    ['plain', 'plain'],
    ['a,b', 'a\\,b'],
    ['a$b|c\\d', 'a\\$b\\|c\\\\d'],
    ['\\', '\\\\'],
    ['$&', '\\$&'], // replacement patterns are not interpreted
  ])('%j → %j', (value, expected) => {
    expect(escape(value)).toBe(expected);
  });
});

describe('escaping properties', () => {
  // Biased towards the special characters; fc.string() adds arbitrary UTF-16 (incl. lone surrogates).
  const special = fc.string({ unit: fc.constantFrom('\\', ',', '|', '$', 'a', 'é', ' ') });
  const str = fc.oneof(special, fc.string({ unit: 'binary' }), fc.string());

  it('unescape(escape(s)) === s', () => {
    fc.assert(
      fc.property(str, (s) => {
        expect(unescape(escape(s))).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('splitOr of escaped values joined by commas round-trips', () => {
    fc.assert(
      fc.property(fc.array(str, { minLength: 1, maxLength: 6 }), (values) => {
        expect(splitOr(values.map(escape).join(',')).map(unescape)).toEqual(values);
      }),
      { numRuns: 2000 },
    );
  });

  it('splitToken of escape(system)|escape(code) round-trips', () => {
    fc.assert(
      fc.property(str, str, (system, code) => {
        expect(splitToken(`${escape(system)}|${escape(code)}`)).toStrictEqual({ system, code, hasBar: true });
        expect(splitToken(escape(code))).toStrictEqual({ code, hasBar: false });
      }),
      { numRuns: 2000 },
    );
  });
});
