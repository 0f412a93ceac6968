/**
 * The FHIR R5 side of the demo data: a Patient per study, an Endpoint (the demo origin's WADO-URI service),
 * the ImagingStudies with every series and instance UID, and a few ImagingSelections: two measurements made
 * from Cornerstone annotations with the library's own bridge (editable in the viewer) and a key-image
 * selection made "elsewhere" (no region: listed in the side panel, not drawn).
 */
import type { Endpoint, ImagingSelection, ImagingStudy, Patient, Resource } from 'fhir/r5';
import { imageToWorld, selectionFromAnnotation, type CornerstoneAnnotation, type ImagingContext } from '../../../src/imaging/index.js';
import { frameOfReferenceUid, seriesUid, slicePlane, sopClassUid, sopUid, STUDIES, studyUid, type SeriesSpec, type StudySpec } from './catalogue.js';
import { CHEST_NODULE, HEAD_LESION } from './phantom.js';
import { uuidFor } from './rng.js';

export const ENDPOINT_ID = 'wado-demo';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';

export const studyId = (study: StudySpec): string => `study-${study.key}`;

/** The WADO-URI request of one instance (PS3.18 chapter 9, `requestType=WADO`) on the demo's endpoint. */
export function wadoUri(address: string, study: StudySpec, series: SeriesSpec, index: number): string {
  return `${address}?requestType=WADO&studyUID=${studyUid(study)}&seriesUID=${seriesUid(study, series)}&objectUID=${sopUid(study, series, index)}&contentType=application%2Fdicom`;
}

function patient(study: StudySpec): Patient {
  const p = study.patient;
  return {
    resourceType: 'Patient',
    id: p.id,
    identifier: [{ system: 'urn:oid:2.16.840.1.113883.19.5', value: p.mrn }],
    name: [{ family: p.family, given: [p.given] }],
    gender: p.gender,
    birthDate: p.birthDate,
  };
}

function endpoint(address: string): Endpoint {
  return {
    resourceType: 'Endpoint',
    id: ENDPOINT_ID,
    status: 'active',
    name: 'Demo WADO-URI (the Vite dev server of npm run demo:web)',
    connectionType: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'dicom-wado-uri', display: 'DICOM WADO-URI' }] }],
    payload: [{ type: [{ text: 'DICOM' }], mimeType: ['application/dicom'] }],
    address,
  };
}

function imagingStudy(study: StudySpec): ImagingStudy {
  const modality = { coding: [{ system: DCM, code: study.modality }] };
  return {
    resourceType: 'ImagingStudy',
    id: studyId(study),
    identifier: [
      { system: 'urn:dicom:uid', value: `urn:oid:${studyUid(study)}` },
      { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN' }] }, value: study.accession },
    ],
    status: 'available',
    modality: [modality],
    subject: { reference: `Patient/${study.patient.id}`, display: `${study.patient.family}, ${study.patient.given}` },
    started: study.started,
    endpoint: [{ reference: `Endpoint/${ENDPOINT_ID}` }],
    numberOfSeries: study.series.length,
    numberOfInstances: study.series.reduce((n, s) => n + s.slices, 0),
    description: study.description,
    series: study.series.map((series) => ({
      uid: seriesUid(study, series),
      number: series.number,
      modality,
      description: series.description,
      numberOfInstances: series.slices,
      endpoint: [{ reference: `Endpoint/${ENDPOINT_ID}` }],
      instance: Array.from({ length: series.slices }, (_, i) => ({
        uid: sopUid(study, series, i),
        sopClass: { system: 'urn:ietf:rfc:3986', code: `urn:oid:${sopClassUid(study)}` },
        number: i + 1,
      })),
    })),
  };
}

/** A mapping context for the seeded annotations: image ids `seed:<study>:<series>:<index>`, planes from the catalogue. */
function seedContext(study: StudySpec): ImagingContext {
  return {
    image: (imageId) => {
      const [, , seriesKey, index] = imageId.split(':');
      const series = study.series.find((s) => s.key === seriesKey);
      if (!series || index === undefined) return undefined;
      const i = Number(index);
      return { studyInstanceUid: studyUid(study), seriesInstanceUid: seriesUid(study, series), sopInstanceUid: sopUid(study, series, i), sopClassUid: sopClassUid(study), frameOfReferenceUid: frameOfReferenceUid(study), imagePlane: slicePlane(series, i) };
    },
    subject: { reference: `Patient/${study.patient.id}` },
    imagingStudy: { reference: `ImagingStudy/${studyId(study)}` },
  };
}

/** The slice of a series nearest to z (mm). */
const sliceAt = (series: SeriesSpec, z: number): number => Math.round(z / series.sliceSpacing + (series.slices - 1) / 2);

/** An annotation as Cornerstone's tool would leave it, its handles given in image pixels of slice `index`. */
function annotation(study: StudySpec, series: SeriesSpec, index: number, toolName: string, name: string, label: string, pixels: [number, number][]): CornerstoneAnnotation {
  const plane = slicePlane(series, index);
  return {
    annotationUID: uuidFor(name),
    metadata: { toolName, referencedImageId: `seed:${study.key}:${series.key}:${index}`, FrameOfReferenceUID: frameOfReferenceUid(study) },
    data: { handles: { points: pixels.map((p) => imageToWorld(plane, p)) }, label },
  };
}

/** Image [column, row] of a world (x, y) on an axial slice of this series. */
const pixelOf = (series: SeriesSpec, x: number, y: number): [number, number] => {
  const plane = slicePlane(series, 0);
  return [(x - plane.imagePositionPatient[0]) / series.pixelSpacing + 0.5, (y - plane.imagePositionPatient[1]) / series.pixelSpacing + 0.5];
};

function seededSelections(): ImagingSelection[] {
  const [chest, headMr] = STUDIES as [StudySpec, StudySpec];
  const soft = chest.series[0]!;
  const n = CHEST_NODULE;
  const nodule = sliceAt(soft, n.z);
  const [cx, cy] = pixelOf(soft, n.x, n.y);
  const rPx = n.r / soft.pixelSpacing;
  // EllipticalROI's handles: top, bottom, left, right (Cornerstone's order).
  const ellipse = annotation(chest, soft, nodule, 'EllipticalROI', 'chest nodule ellipse', 'RUL nodule', [
    [cx, cy - rPx],
    [cx, cy + rPx],
    [cx - rPx, cy],
    [cx + rPx, cy],
  ]);
  const t2 = headMr.series[1]!;
  const l = HEAD_LESION;
  const [lx, ly] = pixelOf(t2, l.x, l.y);
  const lr = l.r / t2.pixelSpacing;
  const length = annotation(headMr, t2, sliceAt(t2, l.z), 'Length', 'head lesion length', 'lesion diameter', [
    [lx - lr, ly],
    [lx + lr, ly],
  ]);
  const made = [
    { study: chest, a: ellipse },
    { study: headMr, a: length },
  ].map(({ study, a }) => ({ ...selectionFromAnnotation(a, seedContext(study)), id: a.annotationUID!, issued: study.started.replace(/T.*/, 'T12:00:00Z') }));

  // Key images of the chest study, as a PACS would send them: instances only, no region, no annotation.
  const keyImages: ImagingSelection = {
    resourceType: 'ImagingSelection',
    id: 'key-images-chest',
    status: 'available',
    subject: { reference: `Patient/${chest.patient.id}` },
    issued: '2026-11-03T11:00:00Z',
    code: { coding: [{ system: DCM, code: '113000', display: 'Of Interest' }], text: 'Key images' },
    studyUid: studyUid(chest),
    seriesUid: seriesUid(chest, soft),
    derivedFrom: [{ reference: `ImagingStudy/${studyId(chest)}` }],
    instance: [nodule - 2, nodule, nodule + 2].map((i) => ({ uid: sopUid(chest, soft, i), sopClass: { system: 'urn:ietf:rfc:3986', code: `urn:oid:${sopClassUid(chest)}` } })),
  };
  return [...made, keyImages];
}

/** Every FHIR resource of the demo, in load order (referenced before referencing). */
export function demoResources(wadoAddress: string): Resource[] {
  return [...STUDIES.map(patient), endpoint(wadoAddress), ...STUDIES.map(imagingStudy), ...seededSelections()];
}
