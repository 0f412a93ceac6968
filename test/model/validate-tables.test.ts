import { readFileSync, readdirSync } from 'node:fs';
import type {
  Address,
  Annotation,
  Attachment,
  CodeableConcept,
  CodeableReference,
  Coding,
  ContactPoint,
  DomainResource,
  Element,
  Extension,
  HumanName,
  Identifier,
  ImagingSelection,
  ImagingSelectionInstance,
  ImagingSelectionInstanceImageRegion2D,
  ImagingSelectionInstanceImageRegion3D,
  ImagingSelectionPerformer,
  Meta,
  Money,
  Narrative,
  Period,
  Quantity,
  Range,
  Ratio,
  Reference,
} from 'fhir/r5';
import { describe, expect, it } from 'vitest';
import * as CODES from '../../src/model/validate/code-lists.js';
import { isBcp47LanguageTag, isCurrencyCode, isMimeType } from '../../src/model/validate/code-grammars.js';
import { DATATYPE_TABLES } from '../../src/model/validate/datatype-tables.js';
import type { StructureTable } from '../../src/model/validate/element-table.js';
import { GENERIC_RESOURCE_TABLE } from '../../src/model/validate/generic-resource-table.js';
import { IMAGING_SELECTION_TABLE } from '../../src/model/validate/imagingselection-table.js';
import { PRIMITIVE_TYPES, checkPrimitive } from '../../src/model/validate/primitives.js';
import { REQUIRED_VALUE_SETS } from '../../src/model/validate/required-bindings.js';
import { compiledStructure } from '../../src/model/validate/structures.js';

const DEFINITIONS_DIR = new URL('../../data/hl7-fhir-r5/definitions/', import.meta.url);
const readDefinition = <T>(file: string): T => JSON.parse(readFileSync(new URL(file, DEFINITIONS_DIR), 'utf8')) as T;

interface SnapshotElement {
  path: string;
  min: number;
  max: string;
  type?: { code: string; extension?: { url: string; valueUrl?: string }[] }[];
  binding?: { strength: string; valueSet: string };
}

/** The FHIR type of a snapshot type entry: `System.String` carries its FHIR type in an extension. */
function fhirTypeOf(type: NonNullable<SnapshotElement['type']>[number]): string {
  if (!type.code.startsWith('http://hl7.org/fhirpath/System.')) return type.code;
  const named = type.extension?.find((e) => e.url.endsWith('/structuredefinition-fhir-type'))?.valueUrl;
  if (!named) throw new Error(`no FHIR type for ${type.code}`);
  return named;
}

describe('ImagingSelection element table vs the R5 StructureDefinition snapshot', () => {
  const sd = readDefinition<{ snapshot: { element: SnapshotElement[] } }>('StructureDefinition-ImagingSelection.json');
  const fromSnapshot = Object.fromEntries(
    sd.snapshot.element
      .filter((e) => e.path !== 'ImagingSelection')
      .map((e) => [
        e.path,
        {
          min: e.min,
          max: e.max,
          types: (e.type ?? []).map(fhirTypeOf),
          ...(e.binding ? { binding: { strength: e.binding.strength, valueSet: e.binding.valueSet.split('|')[0] } } : {}),
        },
      ]),
  );

  it('lists exactly the snapshot elements, in order', () => {
    expect(Object.keys(IMAGING_SELECTION_TABLE)).toEqual(Object.keys(fromSnapshot));
    expect(Object.keys(IMAGING_SELECTION_TABLE)).toHaveLength(49);
  });

  it('has the same min, max, types and binding for every element', () => {
    expect(IMAGING_SELECTION_TABLE).toEqual(fromSnapshot);
  });

  it('compiles every backbone with its own id, extension and modifierExtension', () => {
    for (const backbone of ['performer', 'instance', 'instance.imageRegion2D', 'instance.imageRegion3D']) {
      const structure = compiledStructure(`ImagingSelection.${backbone}`);
      expect(structure, backbone).toBeDefined();
      expect([...(structure?.elements.keys() ?? [])]).toEqual(
        expect.arrayContaining(['id', 'extension', 'modifierExtension']),
      );
    }
  });
});

describe('required-binding code lists vs the published CodeSystems and ValueSets', () => {
  interface CodeSystemJson { url: string; concept: { code: string }[]; content: string }
  interface ValueSetJson { url: string; compose: { include: { system?: string; concept?: unknown; filter?: unknown }[] } }
  const codeSystems = readdirSync(DEFINITIONS_DIR)
    .filter((f) => f.startsWith('CodeSystem-'))
    .map((f) => readDefinition<CodeSystemJson>(f));
  const valueSets = readdirSync(DEFINITIONS_DIR)
    .filter((f) => f.startsWith('ValueSet-'))
    .map((f) => readDefinition<ValueSetJson>(f));

  const codesOfValueSet = (url: string): string[] => {
    const valueSet = valueSets.find((v) => v.url === url);
    if (!valueSet) throw new Error(`no ValueSet ${url}`);
    return valueSet.compose.include.flatMap((include) => {
      // Each of these value sets includes a whole, complete code system.
      expect(include.concept).toBeUndefined();
      expect(include.filter).toBeUndefined();
      const codeSystem = codeSystems.find((c) => c.url === include.system);
      if (!codeSystem) throw new Error(`no CodeSystem ${include.system}`);
      expect(codeSystem.content).toBe('complete');
      return codeSystem.concept.map((c) => c.code);
    });
  };

  it.each<[string, readonly string[]]>([
    ['http://hl7.org/fhir/ValueSet/imagingselection-status', CODES.IMAGING_SELECTION_STATUS_CODES],
    ['http://hl7.org/fhir/ValueSet/imagingselection-2dgraphictype', CODES.IMAGING_SELECTION_2D_GRAPHIC_TYPE_CODES],
    ['http://hl7.org/fhir/ValueSet/imagingselection-3dgraphictype', CODES.IMAGING_SELECTION_3D_GRAPHIC_TYPE_CODES],
  ])('%s: constants equal the CodeSystem codes', (url, constants) => {
    const codes = codesOfValueSet(url);
    expect([...constants]).toEqual(codes);
    const membership = REQUIRED_VALUE_SETS.get(url);
    for (const code of codes) expect(membership?.contains(code)).toBe(true);
    expect(membership?.contains('not-a-code')).toBe(false);
  });

  it('binds the table elements to exactly those value sets', () => {
    const required = Object.entries(IMAGING_SELECTION_TABLE as StructureTable)
      .filter(([, row]) => row.binding?.strength === 'required')
      .map(([path, row]) => [path, row.binding?.valueSet]);
    expect(required).toEqual([
      ['ImagingSelection.language', 'http://hl7.org/fhir/ValueSet/all-languages'],
      ['ImagingSelection.status', 'http://hl7.org/fhir/ValueSet/imagingselection-status'],
      ['ImagingSelection.instance.imageRegion2D.regionType', 'http://hl7.org/fhir/ValueSet/imagingselection-2dgraphictype'],
      ['ImagingSelection.instance.imageRegion3D.regionType', 'http://hl7.org/fhir/ValueSet/imagingselection-3dgraphictype'],
    ]);
  });

  it('has a membership test for every required binding of every table', () => {
    const tables: StructureTable[] = [IMAGING_SELECTION_TABLE, GENERIC_RESOURCE_TABLE, ...Object.values(DATATYPE_TABLES)];
    for (const table of tables) {
      for (const row of Object.values(table)) {
        if (row.binding?.strength === 'required') expect(REQUIRED_VALUE_SETS.has(row.binding.valueSet)).toBe(true);
      }
    }
  });
});

describe('code grammars of large value sets', () => {
  it.each(['en', 'en-US', 'zh-Hant-TW', 'sr-Latn-RS', 'es-419', 'de-CH-1996', 'x-private', 'i-klingon', 'EN-gb'])(
    'accepts language %s',
    (tag) => expect(isBcp47LanguageTag(tag)).toBe(true),
  );
  it.each(['en_US', 'e', 'en-', '12', 'en US', 'toolonglanguage', 'en--US'])('refuses language %s', (tag) =>
    expect(isBcp47LanguageTag(tag)).toBe(false),
  );
  it('checks MIME types and currencies by shape', () => {
    expect(isMimeType('application/dicom')).toBe(true);
    expect(isMimeType('text/plain; charset=UTF-8')).toBe(true);
    expect(isMimeType('text')).toBe(false);
    expect(isCurrencyCode('EUR')).toBe(true);
    expect(isCurrencyCode('eur')).toBe(false);
  });
});

describe('primitive datatypes: JSON type and lexical rules', () => {
  const spec = (name: string) => {
    const found = PRIMITIVE_TYPES[name];
    if (!found) throw new Error(name);
    return found;
  };
  const valid: [string, unknown][] = [
    ['boolean', false],
    ['integer', -2147483648],
    ['unsignedInt', 0],
    ['positiveInt', 2147483647],
    ['decimal', -0.25],
    ['integer64', '-9223372036854775808'],
    ['string', ' padded text '],
    ['markdown', '# title'],
    ['code', 'entered-in-error'],
    ['code', 'text/plain; charset=UTF-8'],
    ['id', '1.2.840.10008.5.1.4.1.1.2'],
    ['uri', 'urn:oid:1.2.3'],
    ['url', 'https://example.org/a?b=c'],
    ['canonical', 'http://hl7.org/fhir/StructureDefinition/ImagingSelection|5.0.0'],
    ['oid', 'urn:oid:2.16.840.1.113883'],
    ['uuid', 'urn:uuid:c757873d-ec9a-4326-a141-556f43239520'],
    ['base64Binary', 'aGVs bG8='],
    ['instant', '2023-03-26T15:21:02.749+11:00'],
    ['instant', '2015-02-07T13:28:17Z'],
    ['date', '2020'],
    ['date', '2020-02'],
    ['date', '2020-02-29'],
    ['dateTime', '2020-02-29'],
    ['dateTime', '2020-02-29T23:59:60.123456789-05:00'],
    ['time', '23:59:59'],
    ['xhtml', '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'],
  ];
  const invalid: [string, unknown, 'structure' | 'value'][] = [
    ['boolean', 'true', 'structure'],
    ['integer', 2147483648, 'value'],
    ['integer', '1', 'structure'],
    ['unsignedInt', -1, 'value'],
    ['positiveInt', 0, 'value'],
    ['decimal', '1.0', 'structure'],
    ['decimal', Number.POSITIVE_INFINITY, 'value'],
    ['integer64', 9, 'structure'],
    ['integer64', '9223372036854775808', 'value'],
    ['integer64', '007', 'value'],
    ['string', '', 'structure'],
    ['code', ' leading', 'value'],
    ['code', 'two  spaces', 'value'],
    ['id', 'a'.repeat(65), 'value'],
    ['id', 'under_score', 'value'],
    ['uri', 'has space', 'value'],
    ['oid', 'urn:oid:3.1', 'value'],
    ['uuid', 'urn:uuid:C757873D-EC9A-4326-A141-556F43239520', 'value'],
    ['base64Binary', 'abc', 'value'],
    ['base64Binary', 'ab$=', 'value'],
    ['instant', '2020-01-01', 'value'],
    ['instant', '2020-01-01T10:00:00', 'value'],
    ['instant', '2020-01-01T10:00Z', 'value'],
    ['date', '2020-1-1', 'value'],
    ['date', '0000', 'value'],
    ['date', '2020-01-01T00:00:00Z', 'value'],
    ['dateTime', '2020-01-01T10:00:00', 'value'],
    ['dateTime', '2020-01-32', 'value'],
    ['time', '24:00:00', 'value'],
    ['xhtml', '<p>x</p>', 'value'],
    ['xhtml', '<divx>', 'value'],
  ];
  it.each(valid)('%s accepts %j', (type, value) => expect(checkPrimitive(spec(type), value)).toBeUndefined());
  it.each(invalid)('%s refuses %j (%s)', (type, value, kind) => expect(checkPrimitive(spec(type), value)?.kind).toBe(kind));
});

// ---------------------------------------------------------------------------------------------------
// Compile-time checks (enforced by `tsc --noEmit`): the hand-written tables and code lists name exactly
// the JSON properties and codes of `fhir/r5` (@types/fhir, generated from R5).

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** JSON property names a table yields directly under `Prefix`; `name[x]` expands to one per type. */
type TableJsonNames<Table, Prefix extends string> = {
  [P in keyof Table]: P extends `${Prefix}.${infer Name}`
    ? Name extends `${string}.${string}`
      ? never
      : Name extends `${infer Base}[x]`
        ? Table[P] extends { readonly types: readonly (infer T extends string)[] }
          ? `${Base}${Capitalize<T>}`
          : never
        : Name
    : never;
}[keyof Table];

/** JSON property names of an @types/fhir interface, without `_element` siblings and resourceType. */
type InterfaceJsonNames<T> = Exclude<keyof T, `_${string}` | 'resourceType'>;

type Same<Table, Prefix extends string, Interface> = Equal<TableJsonNames<Table, Prefix>, InterfaceJsonNames<Interface>>;
type D = typeof DATATYPE_TABLES;
type IST = typeof IMAGING_SELECTION_TABLE;

const TABLES_MATCH_FHIR_R5_TYPES: Record<string, true> = {
  ImagingSelection: true satisfies Same<IST, 'ImagingSelection', ImagingSelection>,
  performer: true satisfies Same<IST, 'ImagingSelection.performer', ImagingSelectionPerformer>,
  instance: true satisfies Same<IST, 'ImagingSelection.instance', ImagingSelectionInstance>,
  imageRegion2D: true satisfies Same<IST, 'ImagingSelection.instance.imageRegion2D', ImagingSelectionInstanceImageRegion2D>,
  imageRegion3D: true satisfies Same<IST, 'ImagingSelection.instance.imageRegion3D', ImagingSelectionInstanceImageRegion3D>,
  Resource: true satisfies Same<typeof GENERIC_RESOURCE_TABLE, 'Resource', DomainResource>,
  Element: true satisfies Same<D['Element'], 'Element', Element>,
  Extension: true satisfies Same<D['Extension'], 'Extension', Extension>,
  Narrative: true satisfies Same<D['Narrative'], 'Narrative', Narrative>,
  Meta: true satisfies Same<D['Meta'], 'Meta', Meta>,
  Identifier: true satisfies Same<D['Identifier'], 'Identifier', Identifier>,
  Reference: true satisfies Same<D['Reference'], 'Reference', Reference>,
  CodeableConcept: true satisfies Same<D['CodeableConcept'], 'CodeableConcept', CodeableConcept>,
  Coding: true satisfies Same<D['Coding'], 'Coding', Coding>,
  CodeableReference: true satisfies Same<D['CodeableReference'], 'CodeableReference', CodeableReference>,
  Period: true satisfies Same<D['Period'], 'Period', Period>,
  Quantity: true satisfies Same<D['Quantity'], 'Quantity', Quantity>,
  Range: true satisfies Same<D['Range'], 'Range', Range>,
  Ratio: true satisfies Same<D['Ratio'], 'Ratio', Ratio>,
  Money: true satisfies Same<D['Money'], 'Money', Money>,
  Attachment: true satisfies Same<D['Attachment'], 'Attachment', Attachment>,
  Annotation: true satisfies Same<D['Annotation'], 'Annotation', Annotation>,
  HumanName: true satisfies Same<D['HumanName'], 'HumanName', HumanName>,
  ContactPoint: true satisfies Same<D['ContactPoint'], 'ContactPoint', ContactPoint>,
  Address: true satisfies Same<D['Address'], 'Address', Address>,
};

type Codes<T extends readonly string[]> = T[number];
const CODE_LISTS_MATCH_FHIR_R5_TYPES: Record<string, true> = {
  status: true satisfies Equal<Codes<typeof CODES.IMAGING_SELECTION_STATUS_CODES>, ImagingSelection['status']>,
  regionType2D: true satisfies Equal<
    Codes<typeof CODES.IMAGING_SELECTION_2D_GRAPHIC_TYPE_CODES>,
    ImagingSelectionInstanceImageRegion2D['regionType']
  >,
  regionType3D: true satisfies Equal<
    Codes<typeof CODES.IMAGING_SELECTION_3D_GRAPHIC_TYPE_CODES>,
    ImagingSelectionInstanceImageRegion3D['regionType']
  >,
  narrativeStatus: true satisfies Equal<Codes<typeof CODES.NARRATIVE_STATUS_CODES>, Narrative['status']>,
  identifierUse: true satisfies Equal<Codes<typeof CODES.IDENTIFIER_USE_CODES>, NonNullable<Identifier['use']>>,
  comparator: true satisfies Equal<Codes<typeof CODES.QUANTITY_COMPARATOR_CODES>, NonNullable<Quantity['comparator']>>,
  nameUse: true satisfies Equal<Codes<typeof CODES.NAME_USE_CODES>, NonNullable<HumanName['use']>>,
  contactPointSystem: true satisfies Equal<Codes<typeof CODES.CONTACT_POINT_SYSTEM_CODES>, NonNullable<ContactPoint['system']>>,
  contactPointUse: true satisfies Equal<Codes<typeof CODES.CONTACT_POINT_USE_CODES>, NonNullable<ContactPoint['use']>>,
  addressUse: true satisfies Equal<Codes<typeof CODES.ADDRESS_USE_CODES>, NonNullable<Address['use']>>,
  addressType: true satisfies Equal<Codes<typeof CODES.ADDRESS_TYPE_CODES>, NonNullable<Address['type']>>,
};

describe('tables and code lists agree with fhir/r5 types (checked by tsc)', () => {
  it('compiles', () => {
    expect(Object.values(TABLES_MATCH_FHIR_R5_TYPES).every(Boolean)).toBe(true);
    expect(Object.values(CODE_LISTS_MATCH_FHIR_R5_TYPES).every(Boolean)).toBe(true);
  });
});
