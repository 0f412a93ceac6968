import fc from 'fast-check';
import type { BundleEntry, Group, ImagingSelection, ImagingStudy, Patient, Resource } from 'fhir/r5';
import type { Store } from '../../src/index.js';

/*
 * Arbitraries for the indexed-equals-scan property: small, realistic data sets over a tiny vocabulary (so
 * that random queries hit often and miss often), and query strings over every parameter type and modifier
 * the engine supports, with some invalid ones mixed in (both paths must then fail alike).
 */

export const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
export const SCT = 'http://snomed.info/sct';
export const G2D = 'http://hl7.org/fhir/imagingselection-2dgraphictype';
export const V2 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
export const BASE = 'http://localhost/fhir';
export const PROFILE = 'http://example.org/fhir/StructureDefinition/sel';

const opt = <T>(arb: fc.Arbitrary<T>, freq = 2): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined, freq });
/** Drops undefined properties (the store's validator is strict about shapes, and so is JSON). */
const clean = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))) as T;

// ------------------------------------------------------------------------------------------------------
// Data
// ------------------------------------------------------------------------------------------------------

export const PATIENT_IDS = ['p1', 'p2', 'p3', 'p4', 'p5'] as const;
export const STUDY_IDS = ['s1', 's2', 's3', 's4'] as const;

const FAMILIES = ['Müller', 'Mueller', "O'Brien", 'Núñez', 'Smith-Jones', 'Ångström', 'Le Blanc'];
const GIVENS = ['Anna', 'Maria', 'Seán', 'José', 'Zoë', 'Jean-Luc', 'Hans'];
const BIRTH_DATES = ['1970', '1970-05', '1970-05-01', '1970-05-15', '1969-12-31', '1985', '1985-06-01', '2000-02-29'];

const patient = (id: string): fc.Arbitrary<Patient> =>
  fc
    .record({
      name: fc.array(
        fc.record({ family: fc.constantFrom(...FAMILIES), given: fc.uniqueArray(fc.constantFrom(...GIVENS), { minLength: 0, maxLength: 2 }) }),
        { minLength: 1, maxLength: 2 },
      ),
      gender: opt(fc.constantFrom('male', 'female', 'other', 'unknown') as fc.Arbitrary<Patient['gender']>, 4),
      birthDate: opt(fc.constantFrom(...BIRTH_DATES), 4),
      identifier: opt(fc.constantFrom('100', '200', '300').map((value) => [{ system: 'urn:mrn', value }])),
    })
    .map((p) => clean({ resourceType: 'Patient' as const, id, ...p, name: p.name.map((n) => clean(n)) }));

const STARTED = ['2024-03-01T10:00:00Z', '2024-03-02', '2024-03', '2024-03-01T23:30:00-05:00', '2024-02-29T00:00:00+01:00', '2023-12-31T23:59:59Z'];
const MODALITIES = ['CT', 'MR', 'US'];

const study = (id: string, n: number): fc.Arbitrary<ImagingStudy> =>
  fc
    .record({
      status: fc.constantFrom('available', 'registered') as fc.Arbitrary<ImagingStudy['status']>,
      subject: fc.constantFrom('Patient/p1', 'Patient/p2', 'Patient/p3', 'Patient/p4', 'Patient/p5', 'Group/g1'),
      started: opt(fc.constantFrom(...STARTED), 4),
      modalities: fc.uniqueArray(fc.constantFrom(...MODALITIES), { maxLength: 2 }),
    })
    .map((s) =>
      clean({
        resourceType: 'ImagingStudy' as const,
        id,
        status: s.status,
        subject: { reference: s.subject },
        started: s.started,
        series: s.modalities.map((m, j) => ({ uid: `1.2.${n}.${j + 1}`, modality: { coding: [{ system: DCM, code: m }] } })),
      }),
    );

const GROUP: Group = { resourceType: 'Group', id: 'g1', identifier: [{ system: 'urn:grp', value: '1' }], type: 'person', membership: 'definitional' };

const CODINGS = [
  { system: DCM, code: '113000', display: 'Of Interest' },
  { system: DCM, code: '113001', display: 'Rejected for Quality Reasons' },
  { system: 'urn:other', code: '113000' },
  { system: SCT, code: '51185008', display: 'Thoracic structure' },
  { system: G2D, code: 'point' },
  { system: G2D, code: 'circle', display: 'Circle' },
  { system: 'urn:other', display: 'No code' }, // a system without a code: found by `urn:other|` only
  // codes without a system: found by `code` and `|code`, never by :in, :not-in, :above or :below membership
  { code: '113000' },
  { code: 'point', display: 'Point' },
];
const CODE_TEXTS = ['Key Images', 'Region selected', 'key region', 'Überblick'];

/** Instants (seconds and zone required) over a few days, at and around midnight, with and without offsets. */
export const ISSUED = [
  '2024-03-01T00:00:00Z',
  '2024-03-01T12:00:00Z',
  '2024-03-01T23:59:59Z',
  '2024-03-01T23:59:59.999Z',
  '2024-03-02T00:00:00+01:00', // 2024-03-01T23:00Z
  '2024-03-02T08:30:00+01:00',
  '2024-03-02T00:00:00Z',
  '2024-02-29T23:30:00-05:00', // 2024-03-01T04:30Z
  '2023-12-31T23:30:00-05:00', // 2024-01-01T04:30Z
  '2024-03-03T14:15:16.5+14:00',
];

const WORDS = ['liver', 'lesion', 'bone', 'chest', 'metastases', 'scan', 'region', 'key', 'images', 'outlined', 'nodule', 'the', 'of'];

const subjectArb = fc.oneof(
  { arbitrary: fc.constantFrom(...PATIENT_IDS).map((p) => ({ reference: `Patient/${p}` })), weight: 5 },
  { arbitrary: fc.constantFrom(...PATIENT_IDS).map((p) => ({ reference: `${BASE}/Patient/${p}` })), weight: 2 },
  { arbitrary: fc.constant({ reference: 'Group/g1' }), weight: 1 },
  { arbitrary: fc.constantFrom('100', '200').map((value) => ({ type: 'Patient', identifier: { system: 'urn:mrn', value } })), weight: 2 },
);

const selection = (id: string): fc.Arbitrary<ImagingSelection> =>
  fc
    .record({
      status: fc.constantFrom('available', 'entered-in-error', 'unknown') as fc.Arbitrary<ImagingSelection['status']>,
      codings: fc.uniqueArray(fc.constantFrom(...CODINGS), { maxLength: 2 }),
      codeText: opt(fc.constantFrom(...CODE_TEXTS)),
      identifiers: fc.array(
        fc.record({
          system: opt(fc.constantFrom('urn:sel', 'urn:other')),
          value: opt(fc.constantFrom('A1', 'a1', 'A2', 'B7', 'A,1', 'x|y'), 8),
          type: opt(
            fc.oneof(
              fc.constant({ coding: [{ system: V2, code: 'ACSN' }], text: 'Accession' }),
              fc.constant({ coding: [{ system: V2, code: 'MR', display: 'Medical record number' }] }),
            ),
          ),
        }),
        { maxLength: 2 },
      ),
      subject: opt(subjectArb, 6),
      subjectDisplay: opt(fc.constantFrom('Anna Müller', 'Seán')),
      derivedFrom: fc.uniqueArray(
        fc.oneof(
          { arbitrary: fc.constantFrom(...STUDY_IDS).map((s) => ({ reference: `ImagingStudy/${s}` })), weight: 4 },
          { arbitrary: fc.constant({ identifier: { system: 'urn:dicom:uid', value: '1.2.3' } }), weight: 1 },
        ),
        { maxLength: 2, selector: (r) => JSON.stringify(r) },
      ),
      issued: opt(fc.constantFrom(...ISSUED), 4),
      bodySite: opt(
        fc.record(
          {
            concept: fc.constantFrom(
              { coding: [{ system: SCT, code: '51185008', display: 'Thoracic structure' }] },
              { coding: [{ system: SCT, code: '10200004', display: 'Liver structure' }] },
              { text: 'left lung' },
            ),
            reference: fc.constant({ reference: 'BodyStructure/bs1' }),
          },
          { requiredKeys: [] },
        ).filter((b) => Object.keys(b).length > 0),
      ),
      studyUid: opt(fc.constantFrom('1.2.3', '1.2.4')),
      language: opt(fc.constantFrom('en-US', 'de')),
      tag: fc.uniqueArray(fc.constantFrom({ system: 'urn:tag', code: 'red' }, { system: 'urn:tag', code: 'blue' }, { system: 'urn:other', code: 'red' }), {
        maxLength: 2,
        selector: (c) => `${c.system}|${c.code}`,
      }),
      security: fc.uniqueArray(fc.constantFrom({ system: 'urn:sec', code: 'N' }, { system: 'urn:sec', code: 'R' }), { maxLength: 1, selector: (c) => c.code }),
      source: opt(fc.constantFrom('http://example.org/source/a', 'http://example.org/source/a/b', 'http://example.org/other', 'urn:uuid:0f2b1c1e-9a4e-4b7e-8f3a-1d2c3b4a5f60')),
      profile: fc.uniqueArray(fc.constantFrom(`${PROFILE}|1.0`, PROFILE, 'http://example.org/fhir/StructureDefinition/other'), { maxLength: 1 }),
      narrative: opt(fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 5 }).map((w) => w.join(' '))),
    })
    .map((s) => {
      const meta = clean({ tag: s.tag, security: s.security, source: s.source, profile: s.profile });
      const code = clean({ coding: s.codings, text: s.codeText ?? (s.codings.length === 0 ? 'Key Images' : undefined) });
      return clean({
        resourceType: 'ImagingSelection' as const,
        id,
        meta: Object.keys(meta).length > 0 ? meta : undefined,
        language: s.language,
        text: s.narrative ? { status: 'generated' as const, div: `<div xmlns="http://www.w3.org/1999/xhtml">${s.narrative}</div>` } : undefined,
        identifier: s.identifiers.map((i) => clean(i)).filter((i) => Object.keys(i).length > 0),
        status: s.status,
        code,
        subject: s.subject ? clean({ ...s.subject, display: s.subjectDisplay }) : undefined,
        studyUid: s.studyUid,
        derivedFrom: s.derivedFrom,
        issued: s.issued,
        bodySite: s.bodySite,
      }) as ImagingSelection;
    });

/**
 * One data set: 5 Patients, 4 ImagingStudies, a Group and 10–40 ImagingSelections, then a later write that
 * deletes a few selections (and maybe a Patient or an ImagingStudy) and rewrites a few others, so the indexes
 * the indexed path reads must have been maintained, not only written once.
 */
export interface DataSet {
  others: Resource[];
  selections: ImagingSelection[];
  deletes: string[];
  updates: ImagingSelection[];
}

const editsArb = (n: number): fc.Arbitrary<{ deletes: string[]; updates: ImagingSelection[] }> =>
  fc
    .record({
      deleted: fc.uniqueArray(fc.integer({ min: 1, max: n }), { maxLength: 3 }),
      updated: fc.uniqueArray(fc.integer({ min: 1, max: n }), { maxLength: 4 }),
      other: opt(fc.constantFrom('Patient/p2', 'ImagingStudy/s1'), 3),
    })
    .chain(({ deleted, updated, other }) => {
      const rewritten = updated.filter((i) => !deleted.includes(i));
      return fc.tuple(...rewritten.map((i) => selection(`is-${i}`))).map((updates) => ({
        deletes: [...deleted.map((i) => `ImagingSelection/is-${i}`), ...(other ? [other] : [])],
        updates,
      }));
    });

export const dataSetArb: fc.Arbitrary<DataSet> = fc
  .record({
    patients: fc.tuple(...PATIENT_IDS.map(patient)),
    studies: fc.tuple(...STUDY_IDS.map((id, i) => study(id, i + 1))),
    selections: fc
      .integer({ min: 10, max: 40 })
      .chain((n) => fc.tuple(fc.tuple(...Array.from({ length: n }, (_, i) => selection(`is-${i + 1}`))), editsArb(n))),
  })
  .map(({ patients, studies, selections: [selections, edits] }) => ({ others: [...patients, ...studies, GROUP], selections, ...edits }));

// ------------------------------------------------------------------------------------------------------
// Queries
// ------------------------------------------------------------------------------------------------------

/** One search parameter as written in a URL, before encoding. */
export type Param = [name: string, value: string];
export interface Query {
  type: 'ImagingSelection' | 'Patient' | 'ImagingStudy' | 'Group';
  params: Param[];
}

const orOf = (values: readonly string[], max = 2): fc.Arbitrary<string> =>
  fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: max }).map((v) => v.join(','));
const p = (name: fc.Arbitrary<string> | string, value: fc.Arbitrary<string>): fc.Arbitrary<Param> =>
  fc.tuple(typeof name === 'string' ? fc.constant(name) : name, value);
const missing = (code: string): fc.Arbitrary<Param> => p(`${code}:missing`, fc.constantFrom('true', 'false'));

// -- token ------------------------------------------------------------------------------------------------

const STATUS_VALUES = ['available', 'unknown', 'entered-in-error', 'Available'];
const CODE_VALUES = ['113000', `${DCM}|113000`, `${DCM}|`, 'urn:other|113000', 'urn:other|', '|113000', `${SCT}|51185008`, `${G2D}|point`, '113001', 'circle', 'nope'];
const IDENT_VALUES = ['A1', 'a1', 'A2', 'B7', 'urn:sel|A1', 'urn:sel|a1', 'urn:sel|', '|B7', '|A1', 'urn:other|a1', 'A\\,1', 'urn:sel|A\\,1', 'x\\|y', '|x\\|y', 'A,1'];
const token = (code: string, values: readonly string[], texts: readonly string[]): fc.Arbitrary<Param> =>
  fc.oneof(
    { arbitrary: p(code, orOf(values)), weight: 4 },
    { arbitrary: p(`${code}:not`, orOf(values)), weight: 2 },
    { arbitrary: p(`${code}:text`, orOf(texts)), weight: 1 },
    { arbitrary: missing(code), weight: 1 },
  );

const statusClause = fc.oneof(
  { arbitrary: token('status', STATUS_VALUES, ['avail', 'unknown']), weight: 6 },
  { arbitrary: p(fc.constantFrom('status:in', 'status:not-in'), fc.constantFrom('http://hl7.org/fhir/ValueSet/imagingselection-status')), weight: 1 },
);
const codeClause = fc.oneof(
  { arbitrary: token('code', CODE_VALUES, ['key', 'key images', 'rej', 'region', 'of interest', 'Of Int', 'circ', 'uber', 'über', 'thor']), weight: 8 },
  { arbitrary: p(fc.constantFrom('code:in', 'code:not-in'), fc.constantFrom('http://hl7.org/fhir/ValueSet/imagingselection-2dgraphictype', 'http://hl7.org/fhir/ValueSet/imagingselection-status')), weight: 2 },
  { arbitrary: p(fc.constantFrom('code:below', 'code:above'), fc.constantFrom(`${G2D}|point`, `${G2D}|circle`)), weight: 1 },
  // invalid: unknown value set / code system, bad :of-type shape, bad modifier
  { arbitrary: p(fc.constantFrom('code:in', 'code:below', 'code:of-type', 'code:exact'), fc.constantFrom('http://unknown.example|1', 'a|b')), weight: 1 },
);
const identifierClause = fc.oneof(
  { arbitrary: token('identifier', IDENT_VALUES, ['access', 'acc', 'medical', 'record']), weight: 5 },
  { arbitrary: p('identifier:of-type', orOf([`${V2}|ACSN|A1`, `${V2}|ACSN|a1`, `${V2}|MR|B7`, `${V2}|MR|A2`, `${V2}|ACSN|B7`])), weight: 2 },
);
const bodySiteClause = token('body-site', [`${SCT}|51185008`, '51185008', '10200004', `${SCT}|`, '|10200004'], ['thor', 'liver', 'left lung', 'lung']);
const tagClause = token('_tag', ['urn:tag|red', 'red', 'urn:tag|', 'urn:other|red', 'blue', '|red'], ['red']);
const securityClause = token('_security', ['urn:sec|N', 'R', 'urn:sec|'], ['n']);
const languageClause = fc.oneof(p('_language', orOf(['en-US', 'de', 'en'])), missing('_language'), p('_language:not', orOf(['en-US', 'de'])));
const studyUidClause = fc.oneof(p('study-uid', orOf(['1.2.3', '1.2.4', '1.2'])), missing('study-uid'), p('study-uid:not', orOf(['1.2.3'])));

// -- reference --------------------------------------------------------------------------------------------

const SUBJECT_VALUES = ['Patient/p1', 'p2', `${BASE}/Patient/p3`, 'Group/g1', 'g1', 'Patient/p9', 'http://other.example/fhir/Patient/p1', 'Patient/p4', 'p5'];
const reference = (code: string, values: readonly string[], typed: [string, readonly string[]][], idents: readonly string[], texts: readonly string[]): fc.Arbitrary<Param> =>
  fc.oneof(
    { arbitrary: p(code, orOf(values)), weight: 5 },
    ...typed.map(([t, ids]) => ({ arbitrary: p(`${code}:${t}`, orOf(ids)), weight: 2 })),
    { arbitrary: p(`${code}:identifier`, orOf(idents)), weight: 2 },
    { arbitrary: missing(code), weight: 1 },
    ...(texts.length > 0 ? [{ arbitrary: p(`${code}:text`, orOf(texts)), weight: 1 }] : []),
  );
const subjectClause = reference('subject', SUBJECT_VALUES, [['Patient', ['p1', 'p2', 'p3']], ['Group', ['g1']]], ['urn:mrn|100', '100', 'urn:mrn|', '|100', 'urn:mrn|200'], ['anna', 'sean', 'mull']);
const patientClause = reference('patient', SUBJECT_VALUES, [['Patient', ['p1', 'p4', 'p5']]], ['urn:mrn|100', '200'], ['anna']);
const derivedFromClause = reference('derived-from', ['ImagingStudy/s1', 's2', 'ImagingStudy/s3', `${BASE}/ImagingStudy/s4`, 's9'], [['ImagingStudy', ['s1', 's3']]], ['urn:dicom:uid|1.2.3', '1.2.3'], []);
const bodyStructureClause = fc.oneof(p('body-structure', orOf(['BodyStructure/bs1', 'bs1', 'BodyStructure/bs2'])), missing('body-structure'));
const profileClause = fc.oneof(
  p('_profile', orOf([PROFILE, `${PROFILE}|1.0`, `${PROFILE}|2.0`, 'http://example.org/fhir/StructureDefinition/other'])),
  missing('_profile'),
);
const invalidReference = p(fc.constantFrom('subject:Observation', 'subject.colour', 'status.name', 'derived-from:Patient'), fc.constant('x'));

// -- date -------------------------------------------------------------------------------------------------

const PREFIXES = ['', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'];
const date = (code: string, values: readonly string[], invalid = ['2024-13-01', 'yesterday', '2024-03-01T10']): fc.Arbitrary<Param> =>
  fc.oneof(
    { arbitrary: p(code, fc.uniqueArray(fc.tuple(fc.constantFrom(...PREFIXES), fc.constantFrom(...values)).map(([a, b]) => a + b), { minLength: 1, maxLength: 2 }).map((v) => v.join(','))), weight: 12 },
    { arbitrary: missing(code), weight: 1 },
    { arbitrary: p(code, fc.constantFrom(...invalid)), weight: 1 },
  );
/** Search values for issued: year, month, day, minute, second and millisecond precision, with and without offsets. */
const ISSUED_SEARCH = [
  '2024', '2023', '2024-03', '2024-02', '2024-01',
  '2024-03-01', '2024-03-02', '2024-02-29', '2024-01-01', '2023-12-31',
  '2024-03-01T12:00', '2024-03-01T23:00', '2024-03-01T12:00:00Z', '2024-03-01T23:59:59Z', '2024-03-01T23:59:59.999Z', '2024-03-02T00:00:00Z',
  '2024-03-02T00:00:00+01:00', '2024-03-02T08:30:00+01:00', '2024-03-01T04:30:00Z', '2024-02-29T23:30:00-05:00', '2024-03-01T13:00:00+01:00',
  '2024-03-03T14:15:16.5+14:00', '2024-03-03T00:15:16Z',
];
const issuedClause = date('issued', ISSUED_SEARCH);
const BIRTH_SEARCH = ['1970', '1970-05', '1970-05-01', '1970-05-10', '1985', '1985-06', '1985-06-01', '1969-12-31', '1969', '2000-02-29', '2000', '1970-05-15T10:00:00Z'];
const STARTED_SEARCH = ['2024', '2024-03', '2024-03-01', '2024-03-02', '2024-03-01T10:00:00Z', '2024-03-02T04:30:00Z', '2024-02-28T23:00:00Z', '2023-12-31', '2024-03-01T10:00', '2024-03-02T05:30:00+01:00'];
/**
 * The store's stepping clock starts at 2025-01-01T00:00:00Z and each write transaction reads it twice: the
 * targets are stamped 00:00:00, the three batches of selections 00:00:02, 00:00:04 and 00:00:06, the edits
 * 00:00:08.
 */
const LAST_UPDATED_SEARCH = [
  '2025', '2024', '2025-01', '2025-01-01', '2025-01-02', '2025-01-01T00:00',
  '2025-01-01T00:00:00Z', '2025-01-01T00:00:02Z', '2025-01-01T00:00:03Z', '2025-01-01T00:00:04Z', '2025-01-01T00:00:06Z', '2025-01-01T00:00:04.000Z',
  '2025-01-01T01:00:02+01:00', '2024-12-31T23:00:04-01:00', '2025-01-01T00:00:05.999Z', '2025-01-01T00:00:08Z',
];
const lastUpdatedClause = date('_lastUpdated', LAST_UPDATED_SEARCH);

// -- string (Patient) ------------------------------------------------------------------------------------

const FAMILY_SEARCH = ['mul', 'mül', 'MUE', 'mueller', 'Müller', 'müller', 'o brien', "O'Brien", "o'b", 'obrien', 'nunez', 'Núñez', 'smith jones', 'Smith-Jones', 'jones', 'angstrom', 'Ångström', 'le bl', 'Le Blanc', 'ller', 'ez', 'x'];
const GIVEN_SEARCH = ['an', 'Anna', 'ANNA', 'ma', 'sean', 'Seán', 'se', 'jo', 'José', 'jose', 'zoe', 'Zoë', 'jean luc', 'jean-', 'Jean-Luc', 'luc', 'hans', 'an,jo', 'x'];
const NAME_SEARCH = [...FAMILY_SEARCH, ...GIVEN_SEARCH];
const stringClause = fc.oneof(
  ...([['family', FAMILY_SEARCH], ['given', GIVEN_SEARCH], ['name', NAME_SEARCH]] as const).map(([code, values]) =>
    fc.tuple(fc.constantFrom('', ':exact', ':contains', ':contains'), orOf(values)).map(([m, v]) => [code + m, v] as Param),
  ),
);

// -- uri --------------------------------------------------------------------------------------------------

const SOURCE_SEARCH = [
  'http://example.org/source/a', 'http://example.org/source', 'http://example.org/sour', 'http://example.org/source/a/b', 'http://example.org/source/a/b/c',
  'http://example.org', 'http://example.org/', 'SOURCE/A', 'other', 'urn:uuid:0f2b1c1e-9a4e-4b7e-8f3a-1d2c3b4a5f60', 'urn:uuid',
];
const sourceClause = fc.oneof(
  p(fc.constantFrom('_source', '_source:below', '_source:above', '_source:contains'), orOf(SOURCE_SEARCH)),
  missing('_source'),
);

// -- full text, _id -----------------------------------------------------------------------------------------

const TEXT_QUERIES = [
  'liver', 'bone', 'chest', 'images', 'image', 'key images', 'liver bone', 'liver OR chest', 'liver -bone', '(bone OR chest) AND metastases',
  '"key images"', 'scan NOT nodule', 'lesion,nodule', 'LIVER', 'metastasis', 'region', 'accession', 'müller', 'muller', 'thoracic', 'anna',
  // invalid: no searchable term, only exclusions, unbalanced
  'the', '-liver', '(bone', 'bone OR -liver',
];
const textClause = p(fc.constantFrom('_text', '_content'), fc.constantFrom(...TEXT_QUERIES));
const idClause = (prefix: string, n: number): fc.Arbitrary<Param> =>
  fc.oneof(
    p('_id', fc.uniqueArray(fc.integer({ min: 1, max: n }), { minLength: 1, maxLength: 3 }).map((ids) => ids.map((i) => `${prefix}${i}`).join(','))),
    p('_id:not', fc.uniqueArray(fc.integer({ min: 1, max: n }), { minLength: 1, maxLength: 2 }).map((ids) => ids.map((i) => `${prefix}${i}`).join(','))),
  );

// -- chains and _has ----------------------------------------------------------------------------------------

const chainClause = fc.oneof(
  p(fc.constantFrom('subject:Patient.name', 'patient.family', 'subject:Patient.given', 'patient.name:contains', 'subject:Patient.family:exact'), orOf(NAME_SEARCH)),
  p(fc.constantFrom('subject:Patient.gender', 'patient.gender'), orOf(['male', 'female', 'other'])),
  p('subject:Patient.birthdate', fc.tuple(fc.constantFrom(...PREFIXES), fc.constantFrom(...BIRTH_SEARCH)).map(([a, b]) => a + b)),
  p(fc.constantFrom('derived-from:ImagingStudy.patient.family', 'derived-from:ImagingStudy.patient.name'), orOf(NAME_SEARCH)),
  p('derived-from:ImagingStudy.modality', orOf(MODALITIES)),
  p('derived-from:ImagingStudy.started', fc.tuple(fc.constantFrom(...PREFIXES), fc.constantFrom(...STARTED_SEARCH)).map(([a, b]) => a + b)),
  p('subject:Group.identifier', fc.constantFrom('urn:grp|1', '2')),
  p(fc.constantFrom('subject:Patient.birthdate:missing', 'patient.gender:missing', 'derived-from:ImagingStudy.started:missing'), fc.constantFrom('true', 'false')),
  p('derived-from:ImagingStudy._has:ImagingSelection:derived-from:status', orOf(STATUS_VALUES)),
);

const HAS_INNER: [string, fc.Arbitrary<string>][] = [
  ['status', orOf(STATUS_VALUES)],
  ['code', orOf(CODE_VALUES)],
  ['issued', fc.tuple(fc.constantFrom(...PREFIXES), fc.constantFrom(...ISSUED_SEARCH)).map(([a, b]) => a + b)],
  ['_tag', orOf(['urn:tag|red', 'blue'])],
  ['body-site:missing', fc.constantFrom('true', 'false')],
  ['identifier', orOf(IDENT_VALUES)],
  ['_text', fc.constantFrom('liver', 'bone', 'chest OR scan')],
];
const hasSelection = (ref: string): fc.Arbitrary<Param> =>
  fc.constantFrom(...HAS_INNER).chain(([inner, value]) => p(`_has:ImagingSelection:${ref}:${inner}`, value));

// -- per type ------------------------------------------------------------------------------------------------

const clauses = (arbs: { arbitrary: fc.Arbitrary<Param>; weight: number }[]): fc.Arbitrary<Param[]> =>
  fc.array(fc.oneof(...arbs), { minLength: 1, maxLength: 3 });

const selectionQuery = clauses([
  { arbitrary: statusClause, weight: 4 },
  { arbitrary: codeClause, weight: 5 },
  { arbitrary: identifierClause, weight: 4 },
  { arbitrary: bodySiteClause, weight: 2 },
  { arbitrary: tagClause, weight: 2 },
  { arbitrary: securityClause, weight: 1 },
  { arbitrary: languageClause, weight: 1 },
  { arbitrary: studyUidClause, weight: 1 },
  { arbitrary: subjectClause, weight: 5 },
  { arbitrary: patientClause, weight: 3 },
  { arbitrary: derivedFromClause, weight: 3 },
  { arbitrary: bodyStructureClause, weight: 1 },
  { arbitrary: profileClause, weight: 2 },
  { arbitrary: issuedClause, weight: 8 },
  { arbitrary: lastUpdatedClause, weight: 3 },
  { arbitrary: sourceClause, weight: 3 },
  { arbitrary: textClause, weight: 4 },
  { arbitrary: idClause('is-', 42), weight: 2 },
  { arbitrary: chainClause, weight: 6 },
  { arbitrary: invalidReference, weight: 1 },
]);

const patientQuery = clauses([
  { arbitrary: stringClause, weight: 8 },
  { arbitrary: p('gender', orOf(['male', 'female', 'other', 'unknown'])), weight: 2 },
  { arbitrary: missing('gender'), weight: 1 },
  { arbitrary: date('birthdate', BIRTH_SEARCH), weight: 6 },
  { arbitrary: token('identifier', ['urn:mrn|100', '200', 'urn:mrn|'], ['x']), weight: 1 },
  { arbitrary: fc.oneof(hasSelection('patient'), hasSelection('subject')), weight: 5 },
  { arbitrary: p('_has:ImagingStudy:patient:modality', orOf(MODALITIES)), weight: 1 },
  { arbitrary: p('_has:ImagingStudy:patient:_has:ImagingSelection:derived-from:status', orOf(STATUS_VALUES)), weight: 1 },
  { arbitrary: p('_content', fc.constantFrom('anna', 'muller', 'müller', 'sean OR jose', 'female')), weight: 1 },
  { arbitrary: idClause('p', 6), weight: 1 },
  { arbitrary: lastUpdatedClause, weight: 1 },
]);

const studyQuery = clauses([
  { arbitrary: reference('patient', ['Patient/p1', 'p2', `${BASE}/Patient/p3`, 'p4'], [['Patient', ['p5']]], ['x'], []), weight: 2 },
  { arbitrary: reference('subject', ['Patient/p1', 'Group/g1', 'g1', 'p2'], [['Group', ['g1']]], ['x'], []), weight: 2 },
  { arbitrary: date('started', STARTED_SEARCH), weight: 4 },
  { arbitrary: token('modality', MODALITIES.concat([`${DCM}|CT`, `${DCM}|`]), ['x']), weight: 3 },
  { arbitrary: p('status', orOf(['available', 'registered'])), weight: 1 },
  { arbitrary: hasSelection('derived-from'), weight: 3 },
  { arbitrary: p(fc.constantFrom('patient.family', 'patient.given', 'subject:Patient.birthdate'), orOf(NAME_SEARCH.concat(BIRTH_SEARCH))), weight: 2 },
  { arbitrary: idClause('s', 5), weight: 1 },
]);

const groupQuery = clauses([
  { arbitrary: hasSelection('subject'), weight: 3 },
  { arbitrary: p('identifier', orOf(['urn:grp|1', '2'])), weight: 1 },
]);

export const queryArb: fc.Arbitrary<Query> = fc.oneof(
  { arbitrary: selectionQuery.map((params) => ({ type: 'ImagingSelection' as const, params })), weight: 13 },
  { arbitrary: patientQuery.map((params) => ({ type: 'Patient' as const, params })), weight: 4 },
  { arbitrary: studyQuery.map((params) => ({ type: 'ImagingStudy' as const, params })), weight: 2 },
  { arbitrary: groupQuery.map((params) => ({ type: 'Group' as const, params })), weight: 1 },
);

/** The query string of a query, each name and value percent-encoded (as a client would send it). */
export const queryString = (q: Query): string =>
  q.params.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).concat('_count=1000').join('&');

/**
 * Loads a data set: the targets first, the selections in three transactions (three `_lastUpdated` values),
 * then one transaction of deletes and rewrites.
 */
export async function loadDataSet(store: Store, data: DataSet): Promise<void> {
  const commit = (entry: BundleEntry[]) => store.transaction({ resourceType: 'Bundle', type: 'transaction', entry });
  const put = (r: Resource): BundleEntry => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } });
  await commit(data.others.map(put));
  const third = Math.ceil(data.selections.length / 3);
  for (let i = 0; i < data.selections.length; i += third) await commit(data.selections.slice(i, i + third).map(put));
  const edits = [...data.deletes.map((url): BundleEntry => ({ request: { method: 'DELETE', url } })), ...data.updates.map(put)];
  if (edits.length > 0) await commit(edits);
}
