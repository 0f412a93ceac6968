/**
 * Deterministic test data for the search benchmark: Patients and ImagingSelections shaped like the official
 * R5 examples (~2.25 KB of JSON each), with value distributions chosen so that the benchmark's queries select
 * known fractions of the rows at any scale.
 *
 * Distributions (n = number of ImagingSelections, p = number of Patients):
 * - `identifier` accession number (`http://bench.example.org/accession|ACC…`): n / 50 values, each on exactly
 *   50 selections of the first n (a token search returning 50 rows);
 * - `identifier` DICOM UID (`urn:dicom:uid|urn:oid:2.25.…`): unique;
 * - `issued`: uniform over 2023-01-01 … 2024-12-31 (730 days): a 10-day range selects ~1.4%;
 * - `subject`: `Patient/p…`, uniform over the p Patients;
 * - Patient `family`: p / 10 six-letter names (none a prefix of another), 10 Patients each, so a chained
 *   `subject:Patient.family=` selects ~0.2% of the selections at any scale;
 * - `code`: one of 20 DICOM codes, uniform (~5% each);
 * - narrative: `Finding: <adjective> <noun> in the <region>`: 50 nouns, so `_text=<noun>` selects ~2%.
 * @module
 */
import type { ImagingSelection, Patient } from 'fhir/r5';

/** mulberry32: a tiny seeded PRNG, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const digits = (rnd: () => number, n: number): string => {
  let s = String(1 + Math.floor(rnd() * 9));
  for (let i = 1; i < n; i++) s += String(Math.floor(rnd() * 10));
  return s;
};

const CONSONANTS = 'bcdfghjklmnprstvz';
const VOWELS = 'aeiou';
const GIVEN = ['Anna', 'Ben', 'Carla', 'David', 'Eva', 'Farid', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Kira', 'Leon', 'Mara', 'Nils', 'Olga', 'Paul', 'Rosa', 'Sami', 'Tara', 'Umar'];

/**
 * The i-th family name: three consonant-vowel syllables (six letters), distinct for i < 17³·5³ and all of the
 * same length, so none is a prefix of another (string search is starts-with).
 */
export function familyName(i: number): string {
  let s = '';
  let x = i;
  for (let k = 0; k < 3; k++) {
    s += CONSONANTS[x % CONSONANTS.length]! + VOWELS[Math.floor(x / CONSONANTS.length) % VOWELS.length]!;
    x = Math.floor(x / (CONSONANTS.length * VOWELS.length));
  }
  return s[0]!.toUpperCase() + s.slice(1);
}

/** Number of distinct family names for p Patients (10 Patients per name). */
export const familyCount = (patients: number): number => Math.max(1, Math.floor(patients / 10));

export function patient(i: number, patients: number): Patient {
  const rnd = prng(0x9e3779b9 ^ (i * 2654435761));
  const family = familyName(i % familyCount(patients));
  const gender = rnd() < 0.5 ? 'female' : 'male';
  const birth = new Date(Date.UTC(1930, 0, 1) + Math.floor(rnd() * 80 * 365.25) * 86_400_000).toISOString().slice(0, 10);
  const given = pick(rnd, GIVEN);
  return {
    resourceType: 'Patient',
    id: `p${i}`,
    text: {
      status: 'generated',
      div: `<div xmlns="http://www.w3.org/1999/xhtml"><p>${given} ${family}, ${gender}, born ${birth}</p></div>`,
    },
    identifier: [{ system: 'http://bench.example.org/mrn', value: `MRN${String(i).padStart(7, '0')}` }],
    active: true,
    name: [{ use: 'official', family, given: [given] }],
    gender,
    birthDate: birth,
  };
}

/** 20 DICOM codes for `code` (uniform). */
export const CODES: readonly { code: string; display: string }[] = [
  ['113000', 'Of Interest'], ['113001', 'Rejected for Quality Reasons'], ['113002', 'For Referring Provider'],
  ['113003', 'For Surgery'], ['113004', 'For Teaching'], ['113005', 'For Conference'], ['113006', 'For Therapy'],
  ['113007', 'For Patient'], ['113008', 'For Peer Review'], ['113009', 'For Research'], ['113010', 'Quality Issue'],
  ['113013', 'Best In Set'], ['113018', 'For Printing'], ['113020', 'For Report Attachment'], ['113021', 'For Litigation'],
  ['113030', 'Manifest'], ['113031', 'Signed Manifest'], ['113032', 'Complete Study Content'], ['113033', 'Signed Complete Study Content'],
  ['113037', 'Rejected for Patient Safety Reasons'],
].map(([code, display]) => ({ code: code!, display: display! }));

const ADJECTIVES = ['small', 'large', 'irregular', 'smooth', 'dense', 'faint', 'calcified', 'cystic', 'solid', 'diffuse', 'focal', 'linear', 'nodular', 'patchy', 'round', 'spiculated', 'stable', 'subtle', 'tiny', 'welldefined'];
/** 50 nouns; `_text` on one of them selects ~2% of the selections. */
export const NOUNS = [
  'nodule', 'lesion', 'opacity', 'effusion', 'fracture', 'mass', 'cyst', 'calcification', 'consolidation', 'atelectasis',
  'pneumothorax', 'edema', 'hemorrhage', 'infarct', 'aneurysm', 'stenosis', 'thrombus', 'embolism', 'abscess', 'hernia',
  'polyp', 'tumor', 'adenoma', 'lipoma', 'hematoma', 'granuloma', 'fibrosis', 'emphysema', 'bronchiectasis', 'cardiomegaly',
  'scoliosis', 'osteophyte', 'spondylosis', 'meniscus', 'ligament', 'tendon', 'bursitis', 'synovitis', 'osteopenia', 'sclerosis',
  'diverticulum', 'appendicitis', 'cholelithiasis', 'nephrolithiasis', 'hydronephrosis', 'splenomegaly', 'hepatomegaly', 'ascites', 'lymphadenopathy', 'goiter',
];
const REGIONS = ['left upper lobe', 'right lower lobe', 'liver', 'left kidney', 'right kidney', 'spleen', 'pancreas', 'thyroid', 'lumbar spine', 'cervical spine', 'left knee', 'right shoulder', 'brain', 'pelvis'];
const SOP_CLASSES = ['1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.5.1.4.1.1.4', '1.2.840.10008.5.1.4.1.1.1.2', '1.2.840.10008.5.1.4.1.1.128', '1.2.840.10008.5.1.4.1.1.6.1'];
const STATUSES = ['available', 'available', 'available', 'available', 'available', 'available', 'available', 'available', 'unknown', 'entered-in-error'] as const;

export const ISSUED_FROM = Date.UTC(2023, 0, 1);
export const ISSUED_SPAN_MS = 730 * 86_400_000;

/** Accession number of selection i (n / 50 values, 50 selections each among the first n). */
export const accessionCount = (n: number): number => Math.max(1, Math.floor(n / 50));
export const accession = (i: number, n: number): string => `ACC${String((i * 7919) % accessionCount(n)).padStart(7, '0')}`;

/** The i-th ImagingSelection of a data set of n selections over p Patients. */
export function imagingSelection(i: number, n: number, patients: number): ImagingSelection {
  const rnd = prng(0x85ebca6b ^ (i * 2246822519));
  const uid = (): string => `2.25.${digits(rnd, 38)}`;
  const studyUid = uid();
  const seriesUid = `${studyUid}.${1 + Math.floor(rnd() * 9)}`;
  const frameUid = uid();
  const selUid = uid();
  const c = pick(rnd, CODES);
  const subject = Math.floor(rnd() * patients);
  const issued = new Date(ISSUED_FROM + Math.floor(rnd() * ISSUED_SPAN_MS)).toISOString();
  const adj = pick(rnd, ADJECTIVES);
  const noun = pick(rnd, NOUNS);
  const region = pick(rnd, REGIONS);
  const instances = [0, 1, 2].map((k) => ({ uid: `${seriesUid}.${k + 1}.${digits(rnd, 6)}`, number: k + 1, sop: pick(rnd, SOP_CLASSES) }));
  const acc = accession(i, n);
  const instanceRows = instances
    .map((x) => `<blockquote><p><b>instance</b></p><p><b>uid</b>: ${x.uid}</p><p><b>sopClass</b>: urn:oid:${x.sop}</p></blockquote>`)
    .join('');
  const div =
    `<div xmlns="http://www.w3.org/1999/xhtml"><p><b>Generated Narrative: ImagingSelection</b></p>` +
    `<p><b>code</b>: ${c.display}</p><p><b>Finding</b>: ${adj} ${noun} in the ${region}</p>` +
    `<p><b>accession</b>: ${acc}</p><p><b>studyUid</b>: ${studyUid}</p><p><b>seriesUid</b>: ${seriesUid}</p>` +
    `<p><b>frameOfReferenceUid</b>: ${frameUid}</p>${instanceRows}</div>`;
  return {
    resourceType: 'ImagingSelection',
    id: `is${i}`,
    text: { status: 'generated', div },
    identifier: [
      { system: 'urn:dicom:uid', value: `urn:oid:${selUid}` },
      { system: 'http://bench.example.org/accession', value: acc },
    ],
    status: pick(rnd, STATUSES),
    subject: { reference: `Patient/p${subject}` },
    issued,
    code: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: c.code, display: c.display }], text: c.display },
    studyUid,
    derivedFrom: [{ reference: `ImagingStudy/st${Math.floor(i / 4)}` }],
    seriesUid,
    frameOfReferenceUid: frameUid,
    instance: instances.map((x) => ({
      uid: x.uid,
      number: x.number,
      sopClass: { system: 'urn:ietf:rfc:3986', code: `urn:oid:${x.sop}` },
    })),
  };
}
