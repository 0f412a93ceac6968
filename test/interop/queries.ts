import {
  ACCESSION_SYSTEM,
  BODY_SITES,
  BS_SYSTEM,
  CONFIDENTIALITY,
  DCM,
  DICOM_UID_SYSTEM,
  FAMILIES,
  GIVENS,
  HTEST,
  LOCAL_CODES,
  LOINC,
  MODALITIES,
  MRN_SYSTEM,
  OTHER_BASE,
  PLACER_SYSTEM,
  PROFILE_KEY_IMAGES,
  PROFILE_REGION,
  Rng,
  SCT,
  SELF_BASE,
  SOURCES,
  SSN_SYSTEM,
  TAG_SYSTEM,
  V2_0203,
  accession,
  bodyStructureId,
  mrn,
  patientId,
  selectionId,
  serviceRequestId,
  studyId,
  studyUid,
  type DataSetSizes,
  DEFAULT_SIZES,
} from './dataset.js';

/*
 * The query grammar of the differential search suite: deterministic (seeded PRNG), over every search
 * parameter of ImagingSelection, the common parameters, the parameters of the resources a selection points
 * at, every modifier and prefix the store supports (docs/search.md), OR and AND, chains, `_has`,
 * `_include`/`_revinclude` (with `:iterate`), `_sort` and `_count`.
 *
 * Two phases: first every clause form of the grammar once (so each parameter, modifier and prefix is
 * covered whatever the seed), then random conjunctions of 1–3 clause forms, with random result parameters,
 * up to the requested number of queries. Values are picked from the data set's vocabularies and id ranges
 * (dataset.ts), so that queries both hit and miss.
 *
 * Only queries the store answers are generated (nothing that docs/search.md says answers 400), so an error
 * from either server is a difference. `SELF_BASE` in a value stands for the base URL of the server searched.
 */

export type Param = [name: string, value: string];

export interface GeneratedQuery {
  /** 1-based position in the generated list. */
  n: number;
  type: 'ImagingSelection' | 'Patient' | 'ImagingStudy' | 'ServiceRequest' | 'BodyStructure';
  params: Param[];
  /** The clause forms used (coverage, and what deviation predicates look at). */
  forms: string[];
  /** True when `_sort` makes the order total (its last key is `_id`): the order of matches is compared. */
  ordered: boolean;
}

/** The query as a relative URL, values percent-encoded (`:`, `,` and `/` kept readable). */
export function queryUrl(q: GeneratedQuery, base?: string): string {
  const enc = (s: string): string => encodeURIComponent(s).replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%2F/g, '/');
  const value = (v: string): string => (base === undefined ? v : v.split(SELF_BASE).join(base.replace(/\/$/, '')));
  return `${q.type}?${q.params.map(([n, v]) => `${enc(n)}=${enc(value(v))}`).join('&')}`;
}

/** The query as written, for messages (no encoding; SELF_BASE left as a placeholder). */
export const queryText = (q: GeneratedQuery): string => `${q.type}?${q.params.map(([n, v]) => `${n}=${v}`).join('&')}`;

// ---------------------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------------------

const DATE_PREFIXES = ['', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;

/** Search values for `issued`: every precision, with and without offsets, on and around the data's clusters. */
const ISSUED_VALUES = [
  '2024', '2023', '2024-03', '2024-02', '2023-12', '2024-06',
  '2024-03-01', '2024-02-29', '2024-03-02', '2023-12-31', '2024-01-01', '2024-06-30',
  '2024-03-01T00:00', '2024-03-01T12:00', '2024-02-29T23:30', '2023-12-31T23:59',
  '2024-03-01T00:00:00Z', '2024-03-01T12:00:00Z', '2024-03-01T23:59:59Z', '2024-03-02T00:00:00+01:00', '2024-03-01T04:30:00-05:00',
  '2024-02-29T23:59:59.999Z', '2024-03-01T00:00:59.999Z', '2023-12-31T19:00:00-05:00', '2024-01-01T05:30:00+05:30', '2024-03-02T04:00:00+14:00',
  '2024-06-30T12:00:00-12:00',
];
const STARTED_VALUES = ['2024', '2023', '2024-03', '2024-02', '2024-03-01', '2023-12-31', '2024-01-01', '2024-03-01T12:00:00Z', '2024-03-01T00:00:00+01:00', '2023-12-31T23:00:00-05:00', '2024-06-30T00:00', '2024-02-29'];
const BIRTH_VALUES = ['1970', '1970-05', '1970-05-01', '1970-05-15', '1985', '1985-06', '2000-02-29', '1969-12-31', '1950', '1990-01', '2000', '1970-05-10T10:00:00Z'];
/** Far from the load time, whenever the suite runs (meta.lastUpdated is the time of loading). */
const LAST_UPDATED_VALUES = ['2020', '2020-01-01', '2020-01-01T00:00:00Z', '2099', '2099-12-31T23:59:59Z', '2021-06'];

const FAMILY_SEARCH = ['mül', 'Müller', 'mueller', 'MUELLER', "O'Brien", 'o brien', 'obrien', 'nunez', 'Núñez', 'smith', 'Smith-Jones', 'smith jones', 'ang', 'Ångström', 'le bl', 'Le Blanc', 'ngu', 'garc', 'García', 'kow', 'schm', 'dub', 'oster', 'Øster', 'mac', 'MacDonald', 'x'];
const GIVEN_SEARCH = ['an', 'Anna', 'ANA', 'ma', 'sean', 'Seán', 'jo', 'José', 'jose', 'zoe', 'Zoë', 'jean', 'jean-luc', 'Jean-Luc', 'jean luc', 'hans', 'li', 'fat', 'elodie', 'Élodie', 'pi', 'ing', 'q'];
const CONTAINS_SEARCH = ['ller', 'brien', 'nez', 'jones', 'ström', 'strom', 'blanc', 'uye', 'cía', 'cia', 'ski', 'mid', 'bois', 'don', 'ean', 'ria', 'luc', 'ngr'];
const NAME_SEARCH = [...FAMILY_SEARCH, ...GIVEN_SEARCH, 'dr', 'prof'];
const TOKEN_TEXT_SEARCH = ['key', 'key images', 'region', 'of interest', 'for', 'quality', 'rejected for', 'teaching', 'über', 'uber', 'local', 'imag'];
const IDENTIFIER_TEXT_SEARCH = ['access', 'Accession', 'accession id', 'filler', 'mrn', 'medical'];
const BODY_TEXT_SEARCH = ['liver', 'left', 'left lung', 'thoracic', 'brust', 'kidney', 'structure'];
const REFERENCE_TEXT_SEARCH = ['anna', 'jose', 'seán', 'müller', 'o brien', 'li nguyen'];
const TEXT_QUERIES = ['liver', 'chest nodule', 'liver OR kidney', 'lesion -bone', 'metastases', 'scans', 'key', 'brain AND tumour', '"follow-up"', 'cyst,fracture'];
const CONTENT_QUERIES = ['liver', 'Localizer', 'accession', 'muller', 'brust', 'region of interest', 'ORTHANC', 'teaching OR research'];

const or = (rng: Rng, values: readonly string[], max = 3): string => rng.subset(values, 1, max).join(',');
const date = (rng: Rng, values: readonly string[], prefixes: readonly string[] = DATE_PREFIXES): string => `${rng.pick(prefixes)}${rng.pick(values)}`;

// ---------------------------------------------------------------------------------------------------------
// Clause forms
// ---------------------------------------------------------------------------------------------------------

type QueryType = GeneratedQuery['type'];
interface Form {
  name: string;
  type: QueryType;
  /** One or more parameters (several for an AND of the same parameter). */
  gen: (rng: Rng, s: DataSetSizes) => Param[];
  weight?: number;
}

const pat = (rng: Rng, s: DataSetSizes): number => rng.between(1, s.patients);
const st = (rng: Rng, s: DataSetSizes): number => rng.between(1, s.studies);
const sr = (rng: Rng, s: DataSetSizes): number => rng.between(1, s.serviceRequests);
const bs = (rng: Rng, s: DataSetSizes): number => rng.between(1, s.bodyStructures);
const sel = (rng: Rng, s: DataSetSizes): number => rng.between(1, s.selections);
const times = (rng: Rng, k: number, f: () => string): string => Array.from({ length: rng.between(1, k) }, f).join(',');

const DCM_CODES = ['113000', '113001', '113002', '113003', '113004', '113007', '113008', '113009', '113010', '113013'];
const STATUS_SYSTEM = 'http://hl7.org/fhir/imagingselection-status';

const F = (type: QueryType, name: string, gen: Form['gen'], weight = 1): Form => ({ type, name, gen, weight });
const IS = 'ImagingSelection' as const;

const SELECTION_FORMS: Form[] = [
  // status (token on a code)
  F(IS, 'status', (r) => [['status', or(r, ['available', 'unknown', 'entered-in-error'], 2)]], 3),
  F(IS, 'status|system', (r) => [['status', `${STATUS_SYSTEM}|${r.pick(['available', 'unknown'])}`]]),
  F(IS, 'status:not', (r) => [['status:not', or(r, ['available', 'unknown', 'entered-in-error'], 2)]]),
  F(IS, 'status:missing', (r) => [['status:missing', r.pick(['true', 'false'])]]),
  F(IS, 'status:in', () => [['status:in', 'http://hl7.org/fhir/ValueSet/imagingselection-status']]),
  F(IS, 'status:not-in', () => [['status:not-in', 'http://hl7.org/fhir/ValueSet/imagingselection-status']]),
  F(IS, 'status:below', (r) => [['status:below', `${STATUS_SYSTEM}|${r.pick(['available', 'unknown'])}`]]),
  F(IS, 'status:above', (r) => [['status:above', `${STATUS_SYSTEM}|${r.pick(['available', 'entered-in-error'])}`]]),
  // code (token on a CodeableConcept; the store's erratum expression ImagingSelection.code)
  F(IS, 'code', (r) => [['code', or(r, DCM_CODES, 2)]], 2),
  F(IS, 'code|system', (r) => [['code', times(r, 2, () => r.weighted([[4, `${DCM}|${r.pick(DCM_CODES)}`], [1, `${LOCAL_CODES}|${r.pick(['KEY', 'ROI', 'QA', '113000'])}`], [1, `${SCT}|363679005`]]))]], 3),
  F(IS, 'code|system-only', (r) => [['code', `${r.pick([LOCAL_CODES, SCT])}|`]]),
  F(IS, 'code|no-system', (r) => [['code', `|${r.pick(DCM_CODES)}`]]),
  F(IS, 'code:not', (r) => [['code:not', `${DCM}|${r.pick(DCM_CODES)}`]]),
  F(IS, 'code:text', (r) => [['code:text', r.pick(TOKEN_TEXT_SEARCH)]], 2),
  F(IS, 'code:missing', (r) => [['code:missing', r.pick(['true', 'false'])]]),
  // identifier
  F(IS, 'identifier', (r, s) => [['identifier', times(r, 2, () => r.weighted([[3, `${ACCESSION_SYSTEM}|${accession(st(r, s))}`], [2, accession(st(r, s))], [1, `${DICOM_UID_SYSTEM}|urn:oid:2.25.${100000 + sel(r, s)}`], [1, `F${String(sel(r, s)).padStart(4, '0')}`]]))]], 2),
  F(IS, 'identifier|system-only', (r) => [['identifier', `${r.pick([ACCESSION_SYSTEM, DICOM_UID_SYSTEM])}|`]]),
  F(IS, 'identifier|no-system', (r, s) => [['identifier', `|F${String(sel(r, s)).padStart(4, '0')}`]]),
  F(IS, 'identifier:of-type', (r, s) => [['identifier:of-type', r.weighted([[3, `${V2_0203}|ACSN|${accession(st(r, s))}`], [1, `${V2_0203}|FILL|F${String(sel(r, s)).padStart(4, '0')}`]])]]),
  F(IS, 'identifier:text', (r) => [['identifier:text', r.pick(IDENTIFIER_TEXT_SEARCH)]]),
  F(IS, 'identifier:not', (r) => [['identifier:not', `${ACCESSION_SYSTEM}|`]]),
  F(IS, 'identifier:missing', (r) => [['identifier:missing', r.pick(['true', 'false'])]]),
  // body-site (token on bodySite.concept) and body-structure (reference on bodySite.reference)
  F(IS, 'body-site', (r) => [['body-site', times(r, 2, () => r.weighted([[2, `${SCT}|${r.pick(BODY_SITES).code}`], [1, r.pick(BODY_SITES).code]]))]]),
  F(IS, 'body-site:text', (r) => [['body-site:text', r.pick(BODY_TEXT_SEARCH)]]),
  F(IS, 'body-site:not', (r) => [['body-site:not', `${SCT}|${r.pick(BODY_SITES).code}`]]),
  F(IS, 'body-site:missing', (r) => [['body-site:missing', r.pick(['true', 'false'])]]),
  F(IS, 'body-structure', (r, s) => [['body-structure', times(r, 2, () => r.weighted([[2, `BodyStructure/${bodyStructureId(bs(r, s))}`], [1, bodyStructureId(bs(r, s))]]))]]),
  F(IS, 'body-structure:BodyStructure', (r, s) => [['body-structure:BodyStructure', bodyStructureId(bs(r, s))]]),
  F(IS, 'body-structure:missing', (r) => [['body-structure:missing', r.pick(['true', 'false'])]]),
  F(IS, 'body-structure.chain', (r, s) => [[r.pick(['body-structure.patient', 'body-structure:BodyStructure.patient']), `Patient/${patientId(pat(r, s))}`]]),
  F(IS, 'body-structure.identifier', (r, s) => [['body-structure:BodyStructure.identifier', `${BS_SYSTEM}|BS${String(bs(r, s)).padStart(4, '0')}`]]),
  // based-on
  F(IS, 'based-on', (r, s) => [['based-on', times(r, 2, () => r.weighted([[2, `ServiceRequest/${serviceRequestId(sr(r, s))}`], [1, serviceRequestId(sr(r, s))]]))]]),
  F(IS, 'based-on:ServiceRequest', (r, s) => [['based-on:ServiceRequest', serviceRequestId(sr(r, s))]]),
  F(IS, 'based-on:identifier', (r, s) => [['based-on:identifier', r.pick([`${PLACER_SYSTEM}|PO-${String(r.between(1, 999)).padStart(5, '0')}`, `${PLACER_SYSTEM}|`])]]),
  F(IS, 'based-on:missing', (r) => [['based-on:missing', r.pick(['true', 'false'])]]),
  F(IS, 'based-on.chain', (r) =>
    [r.weighted<Param>([
      [2, ['based-on:ServiceRequest.code-concept', r.pick([`${LOINC}|24627-2`, '30746-2', `${SCT}|77477000`, `${LOINC}|`])]],
      [2, ['based-on:ServiceRequest.status', or(r, ['active', 'completed', 'revoked', 'draft'], 2)]],
      [1, ['based-on:ServiceRequest.patient.family', r.pick(FAMILY_SEARCH)]],
      [1, ['based-on:ServiceRequest.identifier', `${PLACER_SYSTEM}|PO-${String(r.between(1, 250)).padStart(5, '0')}`]],
    ])], 2),
  // derived-from
  F(IS, 'derived-from', (r, s) => [['derived-from', times(r, 2, () => r.weighted([[3, `ImagingStudy/${studyId(st(r, s))}`], [1, studyId(st(r, s))]]))]], 2),
  F(IS, 'derived-from:self-base', (r, s) => [['derived-from', `${SELF_BASE}/ImagingStudy/${studyId(st(r, s))}`]]),
  F(IS, 'derived-from:other-base', (r, s) => [['derived-from', `${OTHER_BASE}/ImagingStudy/${studyId(st(r, s))}`]]),
  F(IS, 'derived-from:ImagingStudy', (r, s) => [['derived-from:ImagingStudy', studyId(st(r, s))]]),
  F(IS, 'derived-from:identifier', (r, s) => [['derived-from:identifier', r.pick([`${DICOM_UID_SYSTEM}|urn:oid:${studyUid(st(r, s))}`, `urn:oid:${studyUid(st(r, s))}`])]]),
  F(IS, 'derived-from:missing', (r) => [['derived-from:missing', r.pick(['true', 'false'])]]),
  F(IS, 'derived-from.chain', (r) =>
    [r.weighted<Param>([
      [3, ['derived-from:ImagingStudy.modality', or(r, MODALITIES, 2)]],
      [2, ['derived-from:ImagingStudy.started', date(r, STARTED_VALUES)]],
      [2, ['derived-from:ImagingStudy.status', or(r, ['available', 'registered', 'cancelled'], 2)]],
      [1, ['derived-from:ImagingStudy.identifier', `${ACCESSION_SYSTEM}|${accession(r.between(1, 400))}`]],
      [1, ['derived-from.modality', r.pick(MODALITIES)]],
    ])], 3),
  F(IS, 'derived-from.chain2', (r) => [[r.pick(['derived-from:ImagingStudy.patient.family', 'derived-from:ImagingStudy.patient.name', 'derived-from:ImagingStudy.subject:Patient.given']), r.pick(NAME_SEARCH)]], 2),
  // subject and patient
  F(IS, 'subject', (r, s) => [['subject', times(r, 2, () => r.weighted([[3, `Patient/${patientId(pat(r, s))}`], [1, patientId(pat(r, s))]]))]], 3),
  F(IS, 'subject:self-base', (r, s) => [['subject', `${SELF_BASE}/Patient/${patientId(pat(r, s))}`]]),
  F(IS, 'subject:other-base', (r, s) => [['subject', r.pick([`${OTHER_BASE}/Patient/${patientId(pat(r, s))}`, `${OTHER_BASE}/Patient/ext-${String(pat(r, s)).padStart(4, '0')}`])]]),
  F(IS, 'subject:dangling', (r, s) => [['subject', r.pick([`Patient/${patientId(s.patients + r.between(1, 3))}`, `Group/grp-000${r.between(1, 4)}`, `grp-000${r.between(1, 4)}`])]]),
  F(IS, 'subject:Patient', (r, s) => [['subject:Patient', patientId(pat(r, s))]]),
  F(IS, 'subject:Group', (r) => [['subject:Group', `grp-000${r.between(1, 4)}`]]),
  F(IS, 'subject:identifier', (r, s) => [['subject:identifier', r.weighted([[3, `${MRN_SYSTEM}|${mrn(pat(r, s))}`], [1, mrn(pat(r, s))], [1, `${MRN_SYSTEM}|`]])]], 2),
  F(IS, 'subject:text', (r) => [['subject:text', r.pick(REFERENCE_TEXT_SEARCH)]]),
  F(IS, 'subject:missing', (r) => [['subject:missing', r.pick(['true', 'false'])]]),
  F(IS, 'subject.chain', (r) =>
    [r.weighted<Param>([
      [2, [r.pick(['subject:Patient.name', 'subject:Patient.family', 'subject.family']), r.pick(NAME_SEARCH)]],
      [1, ['subject:Patient.given', r.pick(GIVEN_SEARCH)]],
      [1, ['subject:Patient.family:exact', r.pick(FAMILIES)]],
      [1, ['subject:Patient.name:contains', r.pick(CONTAINS_SEARCH)]],
      [1, ['subject:Patient.gender', or(r, ['male', 'female', 'other'], 2)]],
      [2, ['subject:Patient.birthdate', date(r, BIRTH_VALUES)]],
      [1, ['subject:Patient.identifier', `${MRN_SYSTEM}|${mrn(r.between(1, 200))}`]],
    ])], 3),
  F(IS, 'patient', (r, s) => [['patient', times(r, 2, () => r.weighted([[3, `Patient/${patientId(pat(r, s))}`], [1, patientId(pat(r, s))]]))]], 2),
  F(IS, 'patient:self-base', (r, s) => [['patient', `${SELF_BASE}/Patient/${patientId(pat(r, s))}`]]),
  F(IS, 'patient:other-base', (r, s) => [['patient', `${OTHER_BASE}/Patient/${patientId(pat(r, s))}`]]),
  F(IS, 'patient:Patient', (r, s) => [['patient:Patient', patientId(pat(r, s))]]),
  F(IS, 'patient:identifier', (r, s) => [['patient:identifier', `${MRN_SYSTEM}|${mrn(pat(r, s))}`]]),
  F(IS, 'patient:missing', (r) => [['patient:missing', r.pick(['true', 'false'])]]),
  F(IS, 'patient.chain', (r) =>
    [r.weighted<Param>([
      [2, ['patient.family', r.pick(FAMILY_SEARCH)]],
      [1, ['patient.gender', r.pick(['male', 'female', 'unknown'])]],
      [1, ['patient.birthdate', date(r, BIRTH_VALUES)]],
      [1, ['patient.gender:missing', r.pick(['true', 'false'])]],
      [1, ['patient._has:ImagingStudy:patient:modality', r.pick(MODALITIES)]],
    ])], 2),
  // issued (date on an instant)
  F(IS, 'issued', (r) => [['issued', date(r, ISSUED_VALUES)]], 6),
  F(IS, 'issued:or', (r) => [['issued', `${date(r, ISSUED_VALUES)},${date(r, ISSUED_VALUES)}`]], 2),
  F(IS, 'issued:and', (r) => [['issued', `${r.pick(['ge', 'gt', 'sa'])}${r.pick(ISSUED_VALUES)}`], ['issued', `${r.pick(['le', 'lt', 'eb'])}${r.pick(ISSUED_VALUES)}`]], 2),
  F(IS, 'issued:missing', (r) => [['issued:missing', r.pick(['true', 'false'])]]),
  // study-uid
  F(IS, 'study-uid', (r, s) => [['study-uid', times(r, 3, () => studyUid(st(r, s)))]]),
  F(IS, 'study-uid:not', (r, s) => [['study-uid:not', studyUid(st(r, s))]]),
  F(IS, 'study-uid:missing', (r) => [['study-uid:missing', r.pick(['true', 'false'])]]),
  // common parameters
  F(IS, '_id', (r, s) => [['_id', times(r, 4, () => selectionId(sel(r, s)))]]),
  F(IS, '_id:not', (r, s) => [['_id:not', times(r, 2, () => selectionId(sel(r, s)))]]),
  F(IS, '_lastUpdated', (r) => [['_lastUpdated', date(r, LAST_UPDATED_VALUES)]]),
  F(IS, '_tag', (r) => [['_tag', r.pick([`${TAG_SYSTEM}|research`, 'teaching', `${TAG_SYSTEM}|qa,${TAG_SYSTEM}|teaching`, `${HTEST.system}|HTEST`, `${TAG_SYSTEM}|`])]]),
  F(IS, '_tag:not', (r) => [['_tag:not', r.pick([`${TAG_SYSTEM}|research`, `${HTEST.system}|HTEST`])]]),
  F(IS, '_tag:missing', (r) => [['_tag:missing', r.pick(['true', 'false'])]]),
  F(IS, '_security', (r) => [['_security', r.pick([`${CONFIDENTIALITY}|R`, 'N', `${CONFIDENTIALITY}|V,${CONFIDENTIALITY}|N`])]]),
  F(IS, '_security:not', () => [['_security:not', `${CONFIDENTIALITY}|R`]]),
  F(IS, '_profile', (r) => [['_profile', r.pick([PROFILE_KEY_IMAGES, `${PROFILE_KEY_IMAGES}|1.0`, PROFILE_REGION, `${PROFILE_REGION},${PROFILE_KEY_IMAGES}`])]]),
  F(IS, '_profile:missing', (r) => [['_profile:missing', r.pick(['true', 'false'])]]),
  F(IS, '_source', (r) => [['_source', r.pick(SOURCES)]]),
  F(IS, '_source:below', (r) => [['_source:below', r.pick(['http://pacs.example.org/fhir', 'http://pacs.example.org/fhir/ae', 'http://pacs.example.org/fhir/ae/ORTHANC', 'http://pacs.example.org/fh'])]]),
  F(IS, '_source:above', (r) => [['_source:above', r.pick(['http://pacs.example.org/fhir/ae/ORTHANC/archive/x', 'http://pacs.example.org/fhir/ae/ORTHANC', 'http://ris.example.org/gateway/a'])]]),
  F(IS, '_source:contains', (r) => [['_source:contains', r.pick(['orthanc', 'pacs', 'EXAMPLE.ORG/GATE', '6f1c'])]]),
  F(IS, '_source:missing', (r) => [['_source:missing', r.pick(['true', 'false'])]]),
  F(IS, '_language', (r) => [['_language', or(r, ['en', 'en-US', 'de', 'fr-CA'], 2)]]),
  F(IS, '_language:not', () => [['_language:not', 'en']]),
  F(IS, '_language:missing', (r) => [['_language:missing', r.pick(['true', 'false'])]]),
  F(IS, '_text', (r) => [['_text', r.pick(TEXT_QUERIES)]], 3),
  F(IS, '_content', (r) => [['_content', r.pick(CONTENT_QUERIES)]], 2),
];

const P = 'Patient' as const;
const PATIENT_FORMS: Form[] = [
  F(P, 'name', (r) => [['name', r.pick(NAME_SEARCH)]], 2),
  F(P, 'family', (r) => [['family', or(r, FAMILY_SEARCH, 2)]], 2),
  F(P, 'given', (r) => [['given', r.pick(GIVEN_SEARCH)]]),
  F(P, 'family:exact', (r) => [['family:exact', r.pick([...FAMILIES, 'müller', 'MUELLER'])]]),
  F(P, 'given:exact', (r) => [['given:exact', r.pick([...GIVENS, 'anna', 'Sean'])]]),
  F(P, 'name:contains', (r) => [[r.pick(['name:contains', 'family:contains', 'given:contains']), r.pick(CONTAINS_SEARCH)]], 2),
  F(P, 'name:missing', (r) => [['family:missing', r.pick(['true', 'false'])]]),
  F(P, 'birthdate', (r) => [['birthdate', date(r, BIRTH_VALUES)]], 3),
  F(P, 'birthdate:and', (r) => [['birthdate', `ge${r.pick(BIRTH_VALUES)}`], ['birthdate', `lt${r.pick(BIRTH_VALUES)}`]]),
  F(P, 'birthdate:missing', (r) => [['birthdate:missing', r.pick(['true', 'false'])]]),
  F(P, 'gender', (r) => [['gender', or(r, ['male', 'female', 'other', 'unknown'], 2)]]),
  F(P, 'gender:not', (r) => [['gender:not', r.pick(['male', 'female'])]]),
  F(P, 'gender:missing', (r) => [['gender:missing', r.pick(['true', 'false'])]]),
  F(P, 'identifier', (r, s) => [['identifier', r.pick([`${MRN_SYSTEM}|${mrn(pat(r, s))}`, mrn(pat(r, s)), `${SSN_SYSTEM}|`])]]),
  F(P, '_content', (r) => [['_content', r.pick(['muller', 'anna', 'o brien', 'jose OR zoe', 'MRN010084'])]]),
  F(P, 'identifier:of-type', (r, s) => [['identifier:of-type', `${V2_0203}|MR|${mrn(pat(r, s))}`]]),
  F(P, '_id', (r, s) => [['_id', times(r, 3, () => patientId(pat(r, s)))]]),
  F(P, '_tag', (r) => [['_tag', r.pick([`${TAG_SYSTEM}|research`, `${HTEST.system}|HTEST`])]]),
  F(P, '_has:subject', (r) => [['_has:ImagingSelection:subject:status', r.pick(['entered-in-error', 'unknown'])]], 2),
  F(P, '_has:patient', (r) =>
    [r.weighted<Param>([
      [2, ['_has:ImagingSelection:patient:code', `${DCM}|${r.pick(DCM_CODES)}`]],
      [1, ['_has:ImagingSelection:patient:issued', date(r, ISSUED_VALUES, ['ge', 'lt', 'eq', 'sa'])]],
      [1, ['_has:ImagingSelection:patient:_tag', `${TAG_SYSTEM}|teaching`]],
      [1, ['_has:ImagingSelection:patient:body-site', `${SCT}|${r.pick(BODY_SITES).code}`]],
      [1, ['_has:ImagingSelection:patient:_text', r.pick(['liver', 'fracture'])]],
    ])], 2),
  F(P, '_has:study', (r) => [['_has:ImagingStudy:patient:modality', r.pick(MODALITIES)]]),
  F(P, '_has:nested', (r) => [['_has:ImagingStudy:patient:_has:ImagingSelection:derived-from:status', r.pick(['unknown', 'entered-in-error'])]]),
  F(P, '_has:service-request', (r) => [['_has:ServiceRequest:subject:status', r.pick(['revoked', 'on-hold'])]]),
];

const ST = 'ImagingStudy' as const;
const STUDY_FORMS: Form[] = [
  F(ST, 'modality', (r) => [['modality', r.pick([or(r, MODALITIES, 2), `${DCM}|${r.pick(MODALITIES)}`])]], 2),
  F(ST, 'modality:not', (r) => [['modality:not', r.pick(MODALITIES)]]),
  F(ST, 'started', (r) => [['started', date(r, STARTED_VALUES)]], 3),
  F(ST, 'started:missing', (r) => [['started:missing', r.pick(['true', 'false'])]]),
  F(ST, 'status', (r) => [['status', or(r, ['registered', 'available', 'cancelled', 'unknown'], 2)]]),
  F(ST, 'patient', (r, s) => [['patient', `Patient/${patientId(pat(r, s))}`]]),
  F(ST, 'subject', (r, s) => [['subject', r.pick([`Patient/${patientId(pat(r, s))}`, `${OTHER_BASE}/Patient/${patientId(pat(r, s))}`])]]),
  F(ST, 'identifier', (r, s) => [['identifier', r.pick([`${DICOM_UID_SYSTEM}|urn:oid:${studyUid(st(r, s))}`, `${ACCESSION_SYSTEM}|${accession(st(r, s))}`])]]),
  F(ST, 'patient.chain', (r) => [[r.pick(['patient.family', 'patient.name', 'subject:Patient.given']), r.pick(NAME_SEARCH)]]),
  F(ST, '_has', (r) =>
    [r.weighted<Param>([
      [2, ['_has:ImagingSelection:derived-from:status', r.pick(['unknown', 'entered-in-error'])]],
      [1, ['_has:ImagingSelection:derived-from:code', `${LOCAL_CODES}|${r.pick(['KEY', 'ROI', 'QA'])}`]],
      [1, ['_has:ImagingSelection:derived-from:issued', date(r, ISSUED_VALUES, ['ge', 'lt', 'eq'])]],
    ])], 2),
  F(ST, '_id', (r, s) => [['_id', times(r, 3, () => studyId(st(r, s)))]]),
];

const SR = 'ServiceRequest' as const;
const SR_FORMS: Form[] = [
  F(SR, 'code-concept', (r) => [['code-concept', r.pick([`${LOINC}|24627-2`, '36643-5', `${SCT}|77477000`, `${LOINC}|30746-2,${LOINC}|24558-9`])]]),
  F(SR, 'status', (r) => [['status', or(r, ['draft', 'active', 'on-hold', 'revoked', 'completed'], 2)]]),
  F(SR, 'patient', (r, s) => [['patient', `Patient/${patientId(pat(r, s))}`]]),
  F(SR, 'subject', (r, s) => [['subject', patientId(pat(r, s))]]),
  F(SR, 'identifier', (r, s) => [['identifier', `${PLACER_SYSTEM}|PO-${String(sr(r, s)).padStart(5, '0')}`]]),
  F(SR, 'identifier:of-type', (r, s) => [['identifier:of-type', `${V2_0203}|PLAC|PO-${String(sr(r, s)).padStart(5, '0')}`]]),
  F(SR, '_has', (r) => [['_has:ImagingSelection:based-on:status', r.pick(['available', 'unknown', 'entered-in-error'])]]),
  F(SR, '_id', (r, s) => [['_id', times(r, 3, () => serviceRequestId(sr(r, s)))]]),
];

const BS = 'BodyStructure' as const;
const BS_FORMS: Form[] = [
  F(BS, 'patient', (r, s) => [['patient', `Patient/${patientId(pat(r, s))}`]]),
  F(BS, 'identifier', (r, s) => [['identifier', r.pick([`${BS_SYSTEM}|BS${String(bs(r, s)).padStart(4, '0')}`, `${BS_SYSTEM}|`])]]),
  F(BS, '_has', (r) => [['_has:ImagingSelection:body-structure:status', r.pick(['available', 'unknown'])]]),
  F(BS, 'patient.chain', (r) => [['patient.family', r.pick(FAMILY_SEARCH)]]),
  F(BS, '_id', (r, s) => [['_id', times(r, 3, () => bodyStructureId(bs(r, s)))]]),
];

export const FORMS: Record<QueryType, Form[]> = { ImagingSelection: SELECTION_FORMS, Patient: PATIENT_FORMS, ImagingStudy: STUDY_FORMS, ServiceRequest: SR_FORMS, BodyStructure: BS_FORMS };

// ---------------------------------------------------------------------------------------------------------
// Result parameters
// ---------------------------------------------------------------------------------------------------------

const INCLUDES: Record<QueryType, Param[][]> = {
  ImagingSelection: [
    [['_include', 'ImagingSelection:subject']],
    [['_include', 'ImagingSelection:patient']],
    [['_include', 'ImagingSelection:subject:Patient']],
    [['_include', 'ImagingSelection:derived-from']],
    [['_include', 'ImagingSelection:based-on']],
    [['_include', 'ImagingSelection:body-structure']],
    [['_include', 'ImagingSelection:*']],
    [['_include', 'ImagingSelection:derived-from'], ['_include:iterate', 'ImagingStudy:patient']],
    [['_include', 'ImagingSelection:based-on'], ['_include', 'ImagingSelection:derived-from']],
  ],
  Patient: [
    [['_revinclude', 'ImagingSelection:subject']],
    [['_revinclude', 'ImagingSelection:patient']],
    [['_revinclude', 'ImagingStudy:patient']],
    [['_revinclude', 'ImagingStudy:patient'], ['_revinclude:iterate', 'ImagingSelection:derived-from']],
  ],
  ImagingStudy: [
    [['_include', 'ImagingStudy:patient']],
    [['_revinclude', 'ImagingSelection:derived-from']],
    [['_include', 'ImagingStudy:subject'], ['_revinclude', 'ImagingSelection:derived-from']],
  ],
  ServiceRequest: [[['_revinclude', 'ImagingSelection:based-on']], [['_include', 'ServiceRequest:patient']]],
  BodyStructure: [[['_revinclude', 'ImagingSelection:body-structure']], [['_include', 'BodyStructure:patient']]],
};

const SORT_KEYS: Record<QueryType, string[]> = {
  ImagingSelection: ['issued', 'status', 'study-uid', '_lastUpdated', 'code', 'subject', 'identifier'],
  Patient: ['family', 'given', 'name', 'birthdate', 'gender', 'identifier'],
  ImagingStudy: ['started', 'status', 'modality', 'patient'],
  ServiceRequest: ['status', 'code-concept', 'patient'],
  BodyStructure: ['patient', 'identifier'],
};

/** `_sort` with 1–3 keys; `total` when the last key is `_id` (then the order is compared). */
function sortParam(rng: Rng, type: QueryType): { value: string; total: boolean } {
  const keys = rng.subset(SORT_KEYS[type], 0, 2).map((k) => (rng.chance(0.4) ? `-${k}` : k));
  const total = keys.length === 0 || rng.chance(0.75);
  if (total) keys.push(rng.chance(0.3) ? '-_id' : '_id');
  if (keys.length === 0) keys.push('_id');
  return { value: keys.join(','), total };
}

/**
 * Page sizes asked for with `_count` (the pages are followed to the end). Without one the query asks for
 * 1000 a page, the most both servers give, so that a search costs one or two requests.
 */
const COUNTS = ['30', '100', '300'];
export const DEFAULT_COUNT = '1000';

// ---------------------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------------------

export interface GenerateOptions {
  seed?: number;
  count?: number;
  sizes?: DataSetSizes;
}

const TYPE_WEIGHTS: [number, QueryType][] = [[66, 'ImagingSelection'], [14, 'Patient'], [10, 'ImagingStudy'], [5, 'ServiceRequest'], [5, 'BodyStructure']];

/** The queries for `seed`: each clause form once, then random conjunctions, `count` in all (default 360). */
export function generateQueries(options: GenerateOptions = {}): GeneratedQuery[] {
  const rng = new Rng(options.seed ?? 4711);
  const sizes = options.sizes ?? DEFAULT_SIZES;
  const count = options.count ?? 360;
  const out: GeneratedQuery[] = [];
  const seen = new Set<string>();

  const finish = (type: QueryType, forms: Form[], extras: { include?: boolean; sort?: boolean; count?: boolean }): void => {
    const params: Param[] = forms.flatMap((f) => f.gen(rng, sizes));
    const names = forms.map((f) => f.name);
    let ordered = false;
    if (extras.include) {
      params.push(...rng.pick(INCLUDES[type]));
      names.push(params.some(([n]) => n.startsWith('_revinclude')) ? '_revinclude' : '_include');
    }
    if (extras.sort) {
      const s = sortParam(rng, type);
      params.push(['_sort', s.value]);
      ordered = s.total;
      names.push(ordered ? '_sort:total' : '_sort');
    }
    if (extras.count) {
      params.push(['_count', rng.pick(COUNTS)]);
      names.push('_count');
    } else {
      params.push(['_count', DEFAULT_COUNT]);
    }
    const q: GeneratedQuery = { n: out.length + 1, type, params, forms: names, ordered };
    const key = queryText(q);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(q);
  };

  // Phase 1: every clause form once, alone, with result parameters now and then.
  for (const type of Object.keys(FORMS) as QueryType[]) {
    for (const form of FORMS[type]) {
      finish(type, [form], { include: rng.chance(0.15), sort: rng.chance(0.3), count: rng.chance(0.15) });
    }
  }
  // Every include and sort shape at least once, on a narrow query.
  for (const type of Object.keys(INCLUDES) as QueryType[]) {
    for (const inc of INCLUDES[type]) {
      const form = rng.pick(FORMS[type].filter((f) => /^(_id|patient|subject|derived-from|family|modality|status)$/.test(f.name)));
      const params: Param[] = [...form.gen(rng, sizes), ...inc, ['_count', DEFAULT_COUNT]];
      const q: GeneratedQuery = { n: out.length + 1, type, params, forms: [form.name, inc.some(([n]) => n.startsWith('_revinclude')) ? '_revinclude' : '_include'], ordered: false };
      if (!seen.has(queryText(q))) {
        seen.add(queryText(q));
        out.push(q);
      }
    }
  }
  // Phase 2: random conjunctions.
  let guard = 0;
  while (out.length < count && guard++ < count * 20) {
    const type = rng.weighted(TYPE_WEIGHTS);
    const forms = FORMS[type];
    const weighted = forms.map((f) => [f.weight ?? 1, f] as const);
    const k = rng.weighted([[3, 1], [4, 2], [2, 3]]);
    const chosen: Form[] = [];
    // Each form at most once a query: `code:text=a&code:text=b` makes HAPI run for minutes.
    for (let i = 0; i < k; i++) {
      const f = rng.weighted(weighted);
      if (!chosen.includes(f)) chosen.push(f);
    }
    finish(type, chosen, { include: rng.chance(0.2), sort: rng.chance(0.4), count: rng.chance(0.3) });
  }
  return out;
}

/**
 * Fixed queries for deviations the grammar does not reach, numbered from `first`: a versioned reference
 * value, `:missing` over a reference to a contained resource (the data set has one), a chained search's
 * default first page (no `_count`), and a descending sort on a date whose values are partly periods.
 */
export function probeQueries(first: number): GeneratedQuery[] {
  const probes: [GeneratedQuery['type'], Param[], boolean][] = [
    ['ImagingSelection', [['subject', `Patient/${patientId(7)}/_history/1`], ['_count', DEFAULT_COUNT]], false],
    ['ImagingSelection', [['subject:missing', 'true'], ['_count', DEFAULT_COUNT]], false],
    ['ImagingSelection', [['subject:missing', 'false'], ['_count', DEFAULT_COUNT]], false],
    ['ImagingSelection', [['subject:Patient.family', 'Nguyen']], false],
    ['ImagingStudy', [['_sort', '-started,_id'], ['_count', DEFAULT_COUNT]], true],
  ];
  return probes.map(([type, params, ordered], i) => ({ n: first + i, type, params, forms: ['probe'], ordered }));
}

/** Which forms, parameters and modifiers the queries cover (printed by the suite). */
export function coverage(queries: readonly GeneratedQuery[]): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (k: string): void => void counts.set(k, (counts.get(k) ?? 0) + 1);
  for (const q of queries) {
    for (const [name, value] of q.params) {
      add(`${q.type}?${name}`);
      const prefix = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)\d/.exec(value)?.[1];
      if (prefix) add(`prefix ${prefix}`);
      if (/(^|[^\\]),/.test(value) && !name.startsWith('_sort') && !name.startsWith('_include') && !name.startsWith('_revinclude')) add('OR');
    }
    const names = q.params.map(([n]) => n);
    if (new Set(names).size < names.length && names.filter((n) => !n.startsWith('_include') && !n.startsWith('_revinclude')).length > new Set(names.filter((n) => !n.startsWith('_include') && !n.startsWith('_revinclude'))).size) add('AND (same parameter)');
  }
  return counts;
}
