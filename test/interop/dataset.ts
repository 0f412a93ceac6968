import type { BodyStructure, HumanName, ImagingSelection, ImagingStudy, Patient, Reference, Resource, ServiceRequest } from 'fhir/r5';

/*
 * The data set of the differential search suite (test/interop/differential.test.ts): one deterministic,
 * realistic set of ImagingSelections and the resources they point at, loaded unchanged into HAPI FHIR R5 and
 * into a local store. Everything comes from a seeded PRNG (never Math.random), so the same seed always gives
 * the same resources, and the query grammar (queries.ts) picks its values from this data so that queries hit.
 *
 * Ids are zero-padded (`is-0042`) and the resources are loaded in id order, so that the order in which a
 * server assigns its internal keys is also the order of the ids.
 *
 * `SELF_BASE` stands for the base URL of the server the data is loaded into: references written with it are
 * absolute references on the server's own base (`http://127.0.0.1:8080/fhir/Patient/pat-0001`), which
 * `withBase` replaces before loading. `OTHER_BASE` is a base no server here owns: references to it are
 * external.
 */

export const SELF_BASE = 'urn:self-base';
export const OTHER_BASE = 'http://other.example.org/fhir';

export const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
export const SCT = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';
export const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
export const LOCAL_CODES = 'http://hospital.example.org/codes/selection';
export const ACCESSION_SYSTEM = 'http://hospital.example.org/accession';
export const MRN_SYSTEM = 'http://hospital.example.org/mrn';
export const SSN_SYSTEM = 'http://hl7.org/fhir/sid/us-ssn';
export const DICOM_UID_SYSTEM = 'urn:dicom:uid';
export const PLACER_SYSTEM = 'http://hospital.example.org/placer';
export const BS_SYSTEM = 'http://hospital.example.org/body-structure';
export const TAG_SYSTEM = 'http://example.org/fhir/tags';
export const HTEST = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HTEST', display: 'test health data' };
export const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
export const PROFILE_KEY_IMAGES = 'http://example.org/fhir/StructureDefinition/key-images';
export const PROFILE_REGION = 'http://example.org/fhir/StructureDefinition/region-selection';
export const SOURCES = [
  'http://pacs.example.org/fhir',
  'http://pacs.example.org/fhir/ae/ORTHANC',
  'http://pacs.example.org/fhir/ae/ORTHANC/archive',
  'http://ris.example.org/gateway',
  'urn:uuid:6f1c1e2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b',
];

// ---------------------------------------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------------------------------------

/** A small seeded PRNG (mulberry32) with the helpers the generators need. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }
  /** Picks by weight: `[[weight, value], …]`. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    const total = items.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of items) {
      r -= w;
      if (r < 0) return v;
    }
    return items[items.length - 1]![1];
  }
  /** Up to `max` distinct items (at least `min`), in the order of `items`. */
  subset<T>(items: readonly T[], min: number, max: number): T[] {
    const n = Math.min(items.length, this.between(min, max));
    const chosen = new Set<number>();
    while (chosen.size < n) chosen.add(this.int(items.length));
    return [...chosen].sort((a, b) => a - b).map((i) => items[i] as T);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Vocabularies
// ---------------------------------------------------------------------------------------------------------

export const FAMILIES = ['Müller', 'Mueller', "O'Brien", 'Núñez', 'Smith-Jones', 'Ångström', 'Le Blanc', 'Nguyen', 'García', 'Kowalski', 'Schmidt', 'Dubois', 'Øster', 'MacDonald'];
export const GIVENS = ['Anna', 'Maria', 'Seán', 'José', 'Zoë', 'Jean-Luc', 'Hans', 'Li', 'Fatima', 'John', 'Élodie', 'Piotr', 'Ingrid', 'Ana'];
export const PREFIXES = ['Dr.', 'Mr.', 'Ms.', 'Prof.'];

/** Codings of one system, from `[code, display]` pairs, in the order given (the data set picks by position). */
const codings = (system: string, pairs: readonly (readonly [code: string, display: string])[]): { system: string; code: string; display: string }[] =>
  pairs.map(([code, display]) => ({ system, code, display }));

/** ImagingSelection.code codings: DICOM CID 7010 key object titles, SNOMED and a local system. */
export const SELECTION_CODES = codings(DCM, [
  ['113000', 'Of Interest'], ['113001', 'Rejected for Quality Reasons'], ['113002', 'For Referring Provider'], ['113003', 'For Surgery'],
  ['113004', 'For Teaching'], ['113007', 'For Patient'], ['113008', 'For Peer Review'], ['113009', 'For Research'],
  ['113010', 'Quality Issue'], ['113013', 'Best In Set'],
]);
export const LOCAL_SELECTION_CODES = codings(LOCAL_CODES, [
  ['KEY', 'Key images'], ['ROI', 'Region of interest'], ['QA', 'Quality assurance'],
  ['113000', 'Local of interest'], // the same code in another system
]);
export const SCT_SELECTION_CODES = codings(SCT, [['422549004', 'Patient-related identification code'], ['363679005', 'Imaging']]);
export const CODE_TEXTS = ['Key Images', 'Region of interest', 'Teaching file', 'Quality control', 'Überprüfung', 'Key images for surgery'];

export const BODY_SITES = codings(SCT, [
  ['51185008', 'Thoracic structure'], ['10200004', 'Liver structure'], ['12738006', 'Brain structure'],
  ['39607008', 'Lung structure'], ['64033007', 'Kidney structure'], ['76752008', 'Breast structure'],
]);
export const BODY_SITE_TEXTS = ['left lung', 'right kidney', 'liver segment IV', 'Brust links'];

export const MODALITIES = ['CT', 'MR', 'US', 'CR', 'PT', 'MG'];
export const STUDY_STATUSES = ['registered', 'available', 'cancelled', 'entered-in-error', 'unknown'] as const;
export const SELECTION_STATUSES = ['available', 'entered-in-error', 'unknown'] as const;
export const SR_STATUSES = ['draft', 'active', 'on-hold', 'revoked', 'completed', 'entered-in-error', 'unknown'] as const;
export const SR_CODES = [
  ...codings(LOINC, [['24627-2', 'CT Chest'], ['36643-5', 'XR Chest 2 Views'], ['24558-9', 'CT Abdomen'], ['30746-2', 'MR Brain']]),
  ...codings(SCT, [['77477000', 'Computerized axial tomography']]),
];
export const TAGS = [{ system: TAG_SYSTEM, code: 'research' }, { system: TAG_SYSTEM, code: 'teaching' }, { system: TAG_SYSTEM, code: 'qa' }, HTEST];
export const SECURITY = codings(CONFIDENTIALITY, [['N', 'normal'], ['R', 'restricted'], ['V', 'very restricted']]);
export const LANGUAGES = ['en', 'en-US', 'de', 'fr-CA'];
export const NARRATIVE_WORDS = ['liver', 'lesion', 'chest', 'nodule', 'metastases', 'bone', 'scan', 'contrast', 'follow-up', 'kidney', 'cyst', 'fracture', 'brain', 'tumour', 'benign', 'region', 'outlined'];
export const REGION_2D = ['point', 'polyline', 'interpolated', 'circle', 'ellipse'] as const;
export const REGION_3D = ['point', 'multipoint', 'polyline', 'polygon', 'ellipse', 'ellipsoid'] as const;
export const SOP_CLASSES = ['urn:oid:1.2.840.10008.5.1.4.1.1.2', 'urn:oid:1.2.840.10008.5.1.4.1.1.4', 'urn:oid:1.2.840.10008.5.1.4.1.1.88.59'];
/** Offsets used for instants and dateTimes: whole hours, half hours, the extremes, and UTC written two ways. */
export const OFFSETS = ['Z', 'Z', 'Z', '+01:00', '+02:00', '-05:00', '+05:30', '-03:30', '+14:00', '-12:00', '+00:00'];

// ---------------------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------------------

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Minutes of an offset string (`Z` → 0, `-05:30` → -330). */
export function offsetMinutes(offset: string): number {
  if (offset === 'Z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  return sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
}

/** The instant `utcMs` written in the local time of `offset`, with that offset (`2024-03-01T23:30:00-05:00`). */
export function formatInstant(utcMs: number, offset: string, fraction = ''): string {
  const d = new Date(utcMs + offsetMinutes(offset) * 60_000);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${fraction}${offset}`
  );
}

const T2023 = Date.UTC(2023, 0, 1);
const T2025 = Date.UTC(2025, 0, 1);

/**
 * A random instant of 2023–2024; a third of them cluster on a few days around month ends and midnights, so
 * that date searches at day and minute precision have boundaries to get right in every time zone.
 */
function randomInstant(rng: Rng): number {
  if (rng.chance(0.35)) {
    const day = rng.pick([Date.UTC(2024, 1, 29), Date.UTC(2024, 2, 1), Date.UTC(2024, 2, 2), Date.UTC(2023, 11, 31), Date.UTC(2024, 0, 1), Date.UTC(2024, 5, 30)]);
    const minute = rng.pick([0, 1, 30, 59, 60 * 4 + 30, 60 * 12, 60 * 23, 60 * 23 + 30, 60 * 23 + 59, 60 * 24 + 60 * 5]);
    return day + minute * 60_000 + rng.pick([0, 0, 0, 59_000, 59_999, 500]);
  }
  return T2023 + rng.int((T2025 - T2023) / 1000) * 1000;
}

function randomIssued(rng: Rng): string {
  const ms = randomInstant(rng);
  const millis = ms % 1000;
  const fraction = millis === 0 ? rng.weighted([[8, ''], [1, '.000'], [1, '.5']]) : millis === 500 ? '.5' : `.${pad(millis, 3)}`;
  return formatInstant(ms - millis + (fraction === '.5' ? 500 : millis), rng.pick(OFFSETS), fraction);
}

/** A dateTime at year, month, day or second precision (a time always has an offset, as FHIR requires). */
function randomDateTime(rng: Rng): string {
  const ms = randomInstant(rng);
  const d = new Date(ms);
  return rng.weighted<string>([
    [1, `${d.getUTCFullYear()}`],
    [2, `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`],
    [3, `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`],
    [6, formatInstant(ms - (ms % 1000), rng.pick(OFFSETS))],
  ]);
}

function randomBirthDate(rng: Rng): string {
  const year = rng.between(1930, 2015);
  const month = rng.between(1, 12);
  const day = rng.between(1, 28);
  return rng.weighted<string>([
    [1, `${year}`],
    [1, `${year}-${pad(month)}`],
    [6, `${year}-${pad(month)}-${pad(day)}`],
    [1, rng.pick(['1970-05-01', '1970-05-15', '1970', '1985-06', '2000-02-29', '1969-12-31'])],
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------------------

export interface DataSetSizes {
  patients: number;
  studies: number;
  serviceRequests: number;
  bodyStructures: number;
  selections: number;
}

export const DEFAULT_SIZES: DataSetSizes = { patients: 200, studies: 400, serviceRequests: 250, bodyStructures: 120, selections: 2000 };

export interface DataSet {
  patients: Patient[];
  bodyStructures: BodyStructure[];
  serviceRequests: ServiceRequest[];
  studies: ImagingStudy[];
  selections: ImagingSelection[];
}

const id = (prefix: string, n: number): string => `${prefix}-${pad(n, 4)}`;
const div = (text: string): string => `<div xmlns="http://www.w3.org/1999/xhtml">${text}</div>`;
/** Drops undefined and empty-array properties (the validator is strict about shapes, and so is JSON). */
const clean = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))) as T;

export const patientId = (n: number): string => id('pat', n);
export const studyId = (n: number): string => id('st', n);
export const serviceRequestId = (n: number): string => id('sr', n);
export const bodyStructureId = (n: number): string => id('bs', n);
export const selectionId = (n: number): string => id('is', n);
export const studyUid = (n: number): string => `1.2.826.0.1.3680043.8.498.${1000 + n}`;
export const mrn = (n: number): string => `MRN${pad(n * 7 + 10000, 6)}`;
export const accession = (n: number): string => `ACC-${pad(n * 13 % 100000, 5)}`;

function patient(rng: Rng, n: number): Patient {
  const family = rng.pick(FAMILIES);
  const given = rng.subset(GIVENS, 1, 2);
  const names: HumanName[] = [clean({ use: 'official' as const, family, given, prefix: rng.chance(0.15) ? [rng.pick(PREFIXES)] : undefined })];
  if (rng.chance(0.15)) names.push({ use: 'maiden', family: rng.pick(FAMILIES) });
  if (rng.chance(0.1)) names.push({ use: 'usual', text: `${given[0]} ${family}` });
  const identifier: NonNullable<Patient['identifier']> = [
    { use: 'usual', type: { coding: [{ system: V2_0203, code: 'MR', display: 'Medical record number' }], text: 'MRN' }, system: MRN_SYSTEM, value: mrn(n) },
  ];
  if (rng.chance(0.3)) identifier.push({ type: { coding: [{ system: V2_0203, code: 'SS' }] }, system: SSN_SYSTEM, value: `${100 + n}-${pad(n % 100)}-${pad(n * 37 % 10000, 4)}` });
  const tag = rng.chance(0.2) ? [rng.pick(TAGS)] : [];
  return clean({
    resourceType: 'Patient' as const,
    id: patientId(n),
    meta: tag.length > 0 ? { tag } : undefined,
    text: { status: 'generated' as const, div: div(`Patient ${given.join(' ')} ${family}`) },
    identifier,
    active: rng.chance(0.9),
    name: names,
    gender: rng.weighted<Patient['gender'] | undefined>([[5, 'female'], [5, 'male'], [1, 'other'], [1, 'unknown'], [1, undefined]]),
    birthDate: rng.chance(0.92) ? randomBirthDate(rng) : undefined,
  });
}

function bodyStructure(rng: Rng, n: number, patients: number): BodyStructure {
  const site = rng.pick(BODY_SITES);
  return clean({
    resourceType: 'BodyStructure' as const,
    id: bodyStructureId(n),
    identifier: [{ system: BS_SYSTEM, value: `BS${pad(n, 4)}`, type: { text: 'Body structure id' } }],
    description: `${site.display} lesion ${n}`,
    includedStructure: [{ structure: { coding: [site] } }],
    patient: { reference: `Patient/${patientId(((n * 7) % patients) + 1)}` },
    text: { status: 'generated' as const, div: div(`Lesion in ${site.display.toLowerCase()}`) },
  });
}

function serviceRequest(rng: Rng, n: number, patients: number): ServiceRequest {
  const code = rng.pick(SR_CODES);
  return clean({
    resourceType: 'ServiceRequest' as const,
    id: serviceRequestId(n),
    identifier: [{ type: { coding: [{ system: V2_0203, code: 'PLAC', display: 'Placer Identifier' }] }, system: PLACER_SYSTEM, value: `PO-${pad(n, 5)}` }],
    status: rng.pick(SR_STATUSES),
    intent: 'order' as const,
    code: { concept: { coding: [code], text: rng.chance(0.5) ? code.display : undefined } },
    subject: { reference: `Patient/${patientId(rng.between(1, patients))}` },
    authoredOn: randomDateTime(rng),
  });
}

function study(rng: Rng, n: number, sizes: DataSetSizes): ImagingStudy {
  const modalities = rng.subset(MODALITIES, 1, 2);
  const uid = studyUid(n);
  const subject = rng.chance(0.95) ? `Patient/${patientId(((n * 3) % sizes.patients) + 1)}` : `${OTHER_BASE}/Patient/${patientId(((n * 3) % sizes.patients) + 1)}`;
  return clean({
    resourceType: 'ImagingStudy' as const,
    id: studyId(n),
    identifier: [
      { system: DICOM_UID_SYSTEM, value: `urn:oid:${uid}` },
      ...(rng.chance(0.6) ? [{ type: { coding: [{ system: V2_0203, code: 'ACSN' }] }, system: ACCESSION_SYSTEM, value: accession(n) }] : []),
    ],
    status: rng.pick(STUDY_STATUSES),
    subject: { reference: subject },
    started: rng.chance(0.9) ? randomDateTime(rng) : undefined,
    basedOn: rng.chance(0.5) ? [{ reference: `ServiceRequest/${serviceRequestId(rng.between(1, sizes.serviceRequests))}` }] : undefined,
    modality: modalities.map((m) => ({ coding: [{ system: DCM, code: m }] })),
    series: modalities.map((m, j) => ({ uid: `${uid}.${j + 1}`, number: j + 1, modality: { coding: [{ system: DCM, code: m }] } })),
  });
}

/** A reference to patient `p` in one of the forms the issue asks for. */
function subjectReference(rng: Rng, p: number, patients: number): Reference {
  const pid = patientId(p);
  return rng.weighted<Reference>([
    [70, { reference: `Patient/${pid}` }],
    [6, { reference: `${SELF_BASE}/Patient/${pid}` }],
    [6, { reference: `${OTHER_BASE}/Patient/${pid}` }],
    [2, { reference: `${OTHER_BASE}/Patient/ext-${pad(p, 4)}` }],
    [10, { type: 'Patient', identifier: { system: MRN_SYSTEM, value: mrn(p) } }],
    [2, { identifier: { type: { coding: [{ system: V2_0203, code: 'MR' }] }, system: MRN_SYSTEM, value: mrn(p) } }],
    [2, { reference: `Patient/${patientId(patients + 1 + (p % 3))}` }], // dangling: no such Patient is loaded
    [2, { reference: `Group/grp-${pad((p % 4) + 1, 4)}` }], // dangling Group
  ]);
}

function selection(rng: Rng, n: number, sizes: DataSetSizes, studies: ImagingStudy[], bodyStructures: BodyStructure[]): ImagingSelection {
  const st = rng.between(1, sizes.studies);
  const theStudy = studies[st - 1]!;
  const uid = studyUid(st);
  const seriesNo = rng.between(1, theStudy.series?.length ?? 1);
  const seriesUid = `${uid}.${seriesNo}`;
  const patientRef = theStudy.subject.reference!;
  const p = Number(/pat-(\d+)/.exec(patientRef)![1]);

  const codings = rng.weighted<{ system: string; code: string; display?: string }[]>([
    [5, [rng.pick(SELECTION_CODES)]],
    [3, [rng.pick(SELECTION_CODES), rng.pick(LOCAL_SELECTION_CODES)]],
    [1, [rng.pick(SELECTION_CODES), rng.pick(SCT_SELECTION_CODES), rng.pick(LOCAL_SELECTION_CODES)]],
    [1, [rng.pick(LOCAL_SELECTION_CODES)]],
    [1, []],
  ]).map((c) => (rng.chance(0.2) ? { system: c.system, code: c.code } : c));
  const uniqueCodings = codings.filter((c, i) => codings.findIndex((d) => d.system === c.system && d.code === c.code) === i);
  const codeText = uniqueCodings.length === 0 || rng.chance(0.4) ? rng.pick(CODE_TEXTS) : undefined;

  const identifier: NonNullable<ImagingSelection['identifier']> = [];
  if (rng.chance(0.7)) {
    identifier.push(clean({
      use: 'official' as const,
      type: rng.chance(0.8) ? { coding: [{ system: V2_0203, code: 'ACSN', display: 'Accession ID' }], text: 'Accession' } : undefined,
      system: ACCESSION_SYSTEM,
      value: accession(st),
    }));
  }
  if (rng.chance(0.35)) identifier.push({ system: DICOM_UID_SYSTEM, value: `urn:oid:2.25.${100000 + n}` });
  if (rng.chance(0.1)) identifier.push({ type: { coding: [{ system: V2_0203, code: 'FILL', display: 'Filler Identifier' }] }, value: `F${pad(n, 4)}` });

  const subject = rng.chance(0.93) ? subjectReference(rng, p, sizes.patients) : undefined;
  if (subject && rng.chance(0.25)) subject.display = `${rng.pick(GIVENS)} ${rng.pick(FAMILIES)}`;

  const derivedFrom = rng.weighted<Reference[]>([
    [70, [{ reference: `ImagingStudy/${studyId(st)}` }]],
    [8, [{ reference: `ImagingStudy/${studyId(st)}` }, { reference: `ImagingStudy/${studyId(rng.between(1, sizes.studies))}` }]],
    [5, [{ reference: `${SELF_BASE}/ImagingStudy/${studyId(st)}` }]],
    [4, [{ reference: `${OTHER_BASE}/ImagingStudy/${studyId(st)}` }]],
    [8, [{ type: 'ImagingStudy', identifier: { system: DICOM_UID_SYSTEM, value: `urn:oid:${uid}` } }]],
    [5, []],
  ]);

  const bs = bodyStructures[rng.int(bodyStructures.length)]!;
  const bodySite = rng.weighted<ImagingSelection['bodySite']>([
    [4, undefined],
    [3, { concept: { coding: [rng.pick(BODY_SITES)] } }],
    [1, { concept: { coding: [rng.pick(BODY_SITES)], text: rng.pick(BODY_SITE_TEXTS) } }],
    [1, { concept: { text: rng.pick(BODY_SITE_TEXTS) } }],
    [2, { reference: { reference: `BodyStructure/${bs.id}` } }],
  ]);

  const instances: NonNullable<ImagingSelection['instance']> = [];
  const instanceCount = rng.weighted([[3, 0], [4, 1], [2, 2], [1, 4]]);
  for (let i = 1; i <= instanceCount; i++) {
    const inst: NonNullable<ImagingSelection['instance']>[number] = { uid: `${seriesUid}.${i}`, number: i, sopClass: { system: 'urn:ietf:rfc:3986', code: rng.pick(SOP_CLASSES) } };
    if (rng.chance(0.2)) inst.subset = rng.subset(['1', '2', '3', '4', '5'], 1, 3);
    if (rng.chance(0.2)) {
      const regionType = rng.pick(REGION_2D);
      const pairs = regionType === 'point' ? 1 : regionType === 'circle' ? 2 : 4;
      inst.imageRegion2D = [{ regionType, coordinate: Array.from({ length: pairs * 2 }, () => rng.between(0, 512) / 2) }];
    }
    instances.push(inst);
  }
  const region3d = instanceCount === 0 && rng.chance(0.15);

  const tag = rng.chance(0.3) ? rng.subset(TAGS, 1, 2) : [];
  const security = rng.chance(0.25) ? [rng.pick(SECURITY)] : [];
  const profile = rng.weighted<string[]>([[6, []], [2, [PROFILE_KEY_IMAGES]], [1, [`${PROFILE_KEY_IMAGES}|1.0`]], [1, [PROFILE_REGION]]]);
  const source = rng.chance(0.5) ? rng.pick(SOURCES) : undefined;
  const meta = clean({ tag, security, profile, source });

  const words = rng.subset(NARRATIVE_WORDS, 2, 6);
  const narrative = rng.chance(0.85) ? `${rng.pick(['Key images', 'Selected frames', 'Region'])} of the ${words.join(' ')}` : undefined;

  return clean({
    resourceType: 'ImagingSelection' as const,
    id: selectionId(n),
    meta: Object.keys(meta).length > 0 ? meta : undefined,
    language: rng.chance(0.3) ? rng.pick(LANGUAGES) : undefined,
    text: narrative ? { status: 'generated' as const, div: div(narrative) } : undefined,
    identifier,
    status: rng.weighted<ImagingSelection['status']>([[14, 'available'], [3, 'unknown'], [3, 'entered-in-error']]),
    subject,
    issued: rng.chance(0.9) ? randomIssued(rng) : undefined,
    performer: rng.chance(0.3)
      ? [{ function: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'AUT', display: 'author' }] }, actor: { reference: `Practitioner/prac-${pad(rng.between(1, 20), 4)}` } }]
      : undefined,
    basedOn: rng.weighted<Reference[]>([
      [6, []],
      [3, [{ reference: `ServiceRequest/${serviceRequestId(rng.between(1, sizes.serviceRequests))}` }]],
      [1, [{ reference: `ServiceRequest/${serviceRequestId(rng.between(1, sizes.serviceRequests))}` }, { type: 'ServiceRequest', identifier: { system: PLACER_SYSTEM, value: `PO-${pad(rng.between(1, 999), 5)}` } }]],
    ]),
    category: rng.chance(0.2) ? [{ coding: [{ system: DCM, code: '121311', display: 'Localizer' }] }] : undefined,
    code: clean({ coding: uniqueCodings, text: codeText }),
    studyUid: region3d && rng.chance(0.5) ? undefined : rng.chance(0.92) ? uid : undefined,
    derivedFrom,
    seriesUid: instanceCount > 0 || rng.chance(0.5) ? seriesUid : undefined,
    seriesNumber: instanceCount > 0 ? seriesNo : undefined,
    frameOfReferenceUid: region3d || rng.chance(0.1) ? `${uid}.0.${seriesNo}` : undefined,
    bodySite,
    focus: n > 10 && rng.chance(0.1) ? [{ reference: `ImagingSelection/${selectionId(rng.between(1, n - 1))}` }] : undefined,
    instance: instances,
  });
}

/** The whole data set for `seed`; the same seed and sizes always give the same resources. */
export function generateDataSet(seed = 20240301, sizes: DataSetSizes = DEFAULT_SIZES): DataSet {
  const rng = new Rng(seed);
  const patients = Array.from({ length: sizes.patients }, (_, i) => patient(rng, i + 1));
  const bodyStructures = Array.from({ length: sizes.bodyStructures }, (_, i) => bodyStructure(rng, i + 1, sizes.patients));
  const serviceRequests = Array.from({ length: sizes.serviceRequests }, (_, i) => serviceRequest(rng, i + 1, sizes.patients));
  const studies = Array.from({ length: sizes.studies }, (_, i) => study(rng, i + 1, sizes));
  const selections = Array.from({ length: sizes.selections }, (_, i) => selection(rng, i + 1, sizes, studies, bodyStructures));
  return { patients, bodyStructures, serviceRequests, studies, selections: [...selections, CONTAINED_SUBJECT] };
}

/**
 * A selection whose subject is a contained Patient (`#p1`): HAPI counts such a reference as missing, the store
 * as present (deviation `hapi-contained-reference-missing`). Fixed, after the generated ones, so the seed
 * gives the same data otherwise.
 */
const CONTAINED_PATIENT: Patient = { resourceType: 'Patient', id: 'p1', name: [{ family: 'Contained', given: ['Probe'] }] };
export const CONTAINED_SUBJECT: ImagingSelection = {
  resourceType: 'ImagingSelection',
  id: 'is-contained-subject',
  contained: [CONTAINED_PATIENT],
  status: 'available',
  subject: { reference: '#p1' },
  code: { coding: [{ system: LOCAL_CODES, code: 'probe', display: 'Probe' }] },
};

/** Every resource in load order: the targets first, then the selections, each type in id order. */
export function allResources(data: DataSet): Resource[] {
  return [...data.patients, ...data.bodyStructures, ...data.serviceRequests, ...data.studies, ...data.selections];
}

/** A copy of `resources` with `SELF_BASE` replaced by the real base URL of the server they go to. */
export function withBase(resources: readonly Resource[], base: string): Resource[] {
  return JSON.parse(JSON.stringify(resources).split(SELF_BASE).join(base.replace(/\/$/, ''))) as Resource[];
}
