import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultTerminology, TerminologyRegistry } from '../../src/search/terminology/index.js';
import { parseCodeSystem } from '../../src/search/terminology/code-system-parse.js';
import { PRELOADED_DEFINITIONS } from '../../src/search/terminology/preloaded.js';
import { parseValueSet } from '../../src/search/terminology/value-set-parse.js';

/** The published definitions the embedded copies are generated from (scripts/gen-terminology.mjs). */
const DEFINITIONS = new URL('../../data/hl7-fhir-r5/definitions/', import.meta.url);
const shipped = readdirSync(DEFINITIONS).filter((f) => /^(CodeSystem|ValueSet)-.+\.json$/.test(f)).sort();
const published = (file: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(file, DEFINITIONS), 'utf8')) as Record<string, unknown>;
const embedded = (file: string): Record<string, unknown> => PRELOADED_DEFINITIONS[file] as unknown as Record<string, unknown>;

/** Paths where `part` is not `whole` on the keys `part` has: an embedded copy may only leave keys out. */
function differences(part: unknown, whole: unknown, path = ''): string[] {
  if (Array.isArray(part)) {
    if (!Array.isArray(whole) || whole.length !== part.length) return [path];
    return part.flatMap((v, i) => differences(v, whole[i], `${path}[${i}]`));
  }
  if (part !== null && typeof part === 'object') {
    if (whole === null || typeof whole !== 'object' || Array.isArray(whole)) return [path];
    return Object.entries(part).flatMap(([k, v]) => differences(v, (whole as Record<string, unknown>)[k], `${path}.${k}`));
  }
  return part === whole ? [] : [path];
}

describe('embedded copies of data/hl7-fhir-r5/definitions', () => {
  it('embeds exactly the shipped CodeSystem and ValueSet files', () => {
    expect(shipped).toHaveLength(6);
    expect(Object.keys(PRELOADED_DEFINITIONS).sort()).toEqual(shipped);
  });

  it.each(shipped)('%s keeps the published values of every field it holds', (file) => {
    expect(differences(embedded(file), published(file))).toEqual([]);
  });

  it.each(shipped)('%s reads as the published JSON: same parse, same expansion and hierarchy', (file) => {
    const full = published(file);
    const kept = embedded(file);
    if (full['resourceType'] === 'CodeSystem') expect(parseCodeSystem(kept)).toEqual(parseCodeSystem(full));
    else expect(parseValueSet(kept)).toEqual(parseValueSet(full));
  });

  it('leaves out only metadata: narrative, extensions, names, descriptions, concept definitions', () => {
    const dropped = new Set(shipped.flatMap((f) => Object.keys(published(f)).filter((k) => !(k in embedded(f)))));
    expect([...dropped].sort()).toEqual(['contact', 'date', 'description', 'experimental', 'extension', 'id', 'identifier', 'immutable', 'jurisdiction', 'meta', 'name', 'publisher', 'text', 'title', 'valueSet']);
    const concepts = (f: string) => ((embedded(f)['concept'] ?? []) as Record<string, unknown>[]);
    expect(shipped.flatMap(concepts).some((c) => 'definition' in c)).toBe(false);
    expect(shipped.flatMap(concepts).every((c) => typeof c['code'] === 'string' && typeof c['display'] === 'string')).toBe(true);
  });

  it('a registry of the published JSON and the default one answer alike', () => {
    const full = new TerminologyRegistry();
    for (const f of shipped) full.register(published(f));
    const mine = defaultTerminology();
    for (const f of shipped) {
      const { url, resourceType } = published(f) as { url: string; resourceType: string };
      if (resourceType === 'ValueSet') expect(mine.expand(url)).toEqual(full.expand(url));
      else for (const c of (published(f)['concept'] as { code: string }[])) expect(mine.descendantsOrSelf(url, c.code)).toEqual(full.descendantsOrSelf(url, c.code));
    }
  });

  it('is what scripts/gen-terminology.mjs generates (not stale)', () => {
    const file = fileURLToPath(new URL('../../src/search/terminology/preloaded.ts', import.meta.url));
    const generated = execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/gen-terminology.mjs', import.meta.url)), '--stdout'], { encoding: 'utf8' });
    expect(generated === readFileSync(file, 'utf8'), 'run node scripts/gen-terminology.mjs').toBe(true);
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
