import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultTerminology } from '../../src/search/terminology/index.js';
import { PRELOADED_DEFINITIONS } from '../../src/search/terminology/preloaded/index.js';

/** The shipped definitions the embedded copies are generated from (scripts/gen-terminology.mjs). */
const DEFINITIONS = new URL('../../data/hl7-fhir-r5/definitions/', import.meta.url);
const shipped = readdirSync(DEFINITIONS).filter((f) => /^(CodeSystem|ValueSet)-.+\.json$/.test(f)).sort();

describe('embedded copies of data/hl7-fhir-r5/definitions', () => {
  it('embeds exactly the shipped CodeSystem and ValueSet files', () => {
    expect(shipped).toHaveLength(6);
    expect(Object.keys(PRELOADED_DEFINITIONS).sort()).toEqual(shipped);
  });

  it.each(shipped)('%s is embedded verbatim', (file) => {
    const json: unknown = JSON.parse(readFileSync(new URL(file, DEFINITIONS), 'utf8'));
    expect(PRELOADED_DEFINITIONS[file]).toStrictEqual(json);
  });
});

describe('defaultTerminology', () => {
  const STATUS = 'http://hl7.org/fhir/imagingselection-status';
  const G2D = 'http://hl7.org/fhir/imagingselection-2dgraphictype';
  const G3D = 'http://hl7.org/fhir/imagingselection-3dgraphictype';

  it.each<[string, string, string[]]>([
    ['http://hl7.org/fhir/ValueSet/imagingselection-status', STATUS, ['available', 'entered-in-error', 'unknown']],
    ['http://hl7.org/fhir/ValueSet/imagingselection-2dgraphictype', G2D, ['point', 'polyline', 'interpolated', 'circle', 'ellipse']],
    ['http://hl7.org/fhir/ValueSet/imagingselection-3dgraphictype', G3D, ['point', 'multipoint', 'polyline', 'polygon', 'ellipse', 'ellipsoid']],
    // The published version pins the same content.
    ['http://hl7.org/fhir/ValueSet/imagingselection-status|5.0.0-draft-final', STATUS, ['available', 'entered-in-error', 'unknown']],
  ])('expands %s', (url, system, codes) => {
    expect(defaultTerminology().expand(url)).toEqual(codes.map((code) => ({ system, code })));
  });

  it.each<[string, boolean, boolean]>([
    ['http://hl7.org/fhir/ValueSet/imagingselection-status', true, false],
    ['http://hl7.org/fhir/ValueSet/imagingselection-status|5.0.0-draft-final', true, false],
    ['http://hl7.org/fhir/ValueSet/imagingselection-status|4.0.1', false, false],
    [STATUS, false, true],
    [`${G2D}|5.0.0-draft-final`, false, true],
    [G3D, false, true],
    ['http://hl7.org/fhir/ValueSet/body-site', false, false],
  ])('knows %s: value set %s, code system %s', (url, vs, cs) => {
    const t = defaultTerminology();
    expect(t.hasValueSet(url)).toBe(vs);
    expect(t.hasCodeSystem(url)).toBe(cs);
  });

  it('flat code systems: :below and :above give the code itself; unknown systems give undefined', () => {
    const t = defaultTerminology();
    expect(t.descendantsOrSelf(STATUS, 'available')).toEqual(['available']);
    expect(t.ancestorsOrSelf(G3D, 'polygon')).toEqual(['polygon']);
    expect(t.descendantsOrSelf('http://snomed.info/sct', '123037004')).toBeUndefined();
    expect(t.expand('http://hl7.org/fhir/ValueSet/body-site')).toBeUndefined();
  });

  it('returns a fresh registry each time', () => {
    const a = defaultTerminology();
    a.register({ resourceType: 'ValueSet', url: 'http://example.org/vs', compose: { include: [{ system: STATUS }] } });
    expect(a.hasValueSet('http://example.org/vs')).toBe(true);
    expect(defaultTerminology().hasValueSet('http://example.org/vs')).toBe(false);
  });
});
