import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { R5_RESOURCE_TYPES } from '../../src/model/resource-types.js';
import { decodeR5Structures } from '../../src/model/validate/r5-structure-decode.js';
import { STRUCTURES, TYPES, VALUE_SETS } from '../../src/model/validate/r5-structure-table.js';
import { compileR5Structures } from '../../src/model/validate/r5-structures-compiled.js';
import { R5_CORE } from '../../src/model/validate/r5-structures.js';

const { structures: R5_STRUCTURES, unchecked: R5_UNCHECKED_VALUE_SETS } = compileR5Structures(R5_CORE);

/*
 * The generated R5 table (scripts/gen-r5-validation.mjs) against its source, the hl7.fhir.r5.core 5.0.0 package
 * (a devDependency): not stale, and decoding to exactly the snapshot of every concrete resource and datatype.
 */

const GENERATOR = fileURLToPath(new URL('../../scripts/gen-r5-validation.mjs', import.meta.url));
const TABLE = fileURLToPath(new URL('../../src/model/validate/r5-structure-table.ts', import.meta.url));
const PACKAGE_DIR = dirname(createRequire(import.meta.url).resolve('hl7.fhir.r5.core/package.json'));
const FHIR_TYPE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';

interface SnapshotElement {
  path: string;
  min: number;
  max: string;
  contentReference?: string;
  type?: { code: string; extension?: { url: string; valueUrl?: string }[] }[];
  binding?: { strength: string; valueSet?: string };
}
interface StructureDefinition {
  type: string;
  kind: string;
  derivation?: string;
  abstract: boolean;
  snapshot: { element: SnapshotElement[] };
}
interface Concept { code: string; concept?: Concept[] }
interface CodeSystem { url: string; content: string; concept?: Concept[] }
/** Every code of a code system, nested ones too (observation-status nests `corrected` under `amended`). */
const codesOf = (concepts: Concept[] = []): string[] => concepts.flatMap((c) => [c.code, ...codesOf(c.concept)]);

const readPackage = <T>(file: string): T => JSON.parse(readFileSync(join(PACKAGE_DIR, file), 'utf8')) as T;
const packageFiles = (prefix: string): string[] => readdirSync(PACKAGE_DIR).filter((f) => f.startsWith(prefix) && f.endsWith('.json'));

const fhirTypeOf = (type: NonNullable<SnapshotElement['type']>[number]): string =>
  type.code.startsWith('http://hl7.org/fhirpath/System.') ? (type.extension?.find((e) => e.url === FHIR_TYPE_EXTENSION)?.valueUrl ?? '?') : type.code;

describe('the generated R5 structure table', () => {
  let structureDefinitions: StructureDefinition[];
  beforeAll(() => {
    structureDefinitions = packageFiles('StructureDefinition-')
      .map((f) => readPackage<StructureDefinition>(f))
      .filter((s) => s.derivation === 'specialization' && (s.kind === 'resource' || s.kind === 'complex-type') && (!s.abstract || s.type === 'Element'));
  });

  it('is what the generator writes from the installed package (run npm run gen when this fails)', () => {
    const generated = execFileSync(process.execPath, [GENERATOR, '--stdout'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    expect(generated === readFileSync(TABLE, 'utf8')).toBe(true);
  });

  it('decodes to every element of every concrete resource and datatype snapshot: types, cardinality, required binding', () => {
    const { tables } = decodeR5Structures(TYPES, STRUCTURES, VALUE_SETS);
    expect(Object.keys(tables).sort()).toEqual(structureDefinitions.map((s) => s.type).sort());
    for (const sd of structureDefinitions) {
      const expected = Object.fromEntries(
        sd.snapshot.element.slice(1).map((e) => {
          const rel = e.path.slice(sd.type.length + 1);
          // The one correction the generator makes: a datatype's id is Element.id, a string.
          const types = e.contentReference ? [] : sd.kind === 'complex-type' && rel === 'id' ? ['string'] : (e.type ?? []).map(fhirTypeOf);
          const binding = e.binding?.strength === 'required' ? { binding: { strength: 'required', valueSet: e.binding.valueSet?.split('|')[0] } } : {};
          const reference = e.contentReference ? { contentReference: e.contentReference } : {};
          return [e.path, { min: e.min, max: e.max, types, ...binding, ...reference }];
        }),
      );
      expect(tables[sd.type], sd.type).toEqual(expected);
    }
  });

  it('has a compiled structure for every R5 resource type the store serves', () => {
    for (const type of R5_RESOURCE_TYPES) expect(R5_STRUCTURES.get(type)?.isResource, type).toBe(true);
  });

  it('expands value sets of whole complete code systems to their codes (administrative-gender, observation-status)', () => {
    const { valueSets } = decodeR5Structures(TYPES, STRUCTURES, VALUE_SETS);
    for (const name of ['administrative-gender', 'observation-status', 'request-status']) {
      const cs = readPackage<CodeSystem>(`CodeSystem-${name}.json`);
      expect(cs.content).toBe('complete');
      const expansion = valueSets.get(`http://hl7.org/fhir/ValueSet/${name}`);
      expect([...(expansion?.get(cs.url) ?? [])].sort(), name).toEqual(codesOf(cs.concept).sort());
    }
  });

  it('leaves unchecked only value sets of code systems outside the package, listed in docs/conformance.md', () => {
    const conformance = readFileSync(fileURLToPath(new URL('../../docs/conformance.md', import.meta.url)), 'utf8');
    expect(R5_UNCHECKED_VALUE_SETS.size).toBeGreaterThan(0);
    for (const url of R5_UNCHECKED_VALUE_SETS) expect(conformance, url).toContain(url);
    // The three checked by grammar are not among them.
    for (const name of ['all-languages', 'mimetypes', 'currencies']) expect(R5_UNCHECKED_VALUE_SETS.has(`http://hl7.org/fhir/ValueSet/${name}`)).toBe(false);
  });
});
