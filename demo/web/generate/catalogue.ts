/**
 * The demo's data set, fixed: two patients, one study each (a chest CT of two series, a head MR of three), with
 * their geometry. Everything else (pixels, DICOM files, FHIR resources) is computed from this and the seeds, so
 * a run on any machine makes the same UIDs and the same bytes.
 */
import { uidFor } from './rng.js';

/** One series: how many slices, where they lie, what the phantom looks like and how to window it. */
export interface SeriesSpec {
  key: string;
  number: number;
  description: string;
  slices: number;
  /** Distance between slice centres, mm (also Slice Thickness). */
  sliceSpacing: number;
  /** Pixel Spacing, mm (square pixels). */
  pixelSpacing: number;
  /** Phantom contrast: which tissue values this series shows. */
  contrast: 'ct' | 't1' | 't2' | 'flair';
  windowCenter: number;
  windowWidth: number;
}

export interface StudySpec {
  key: string;
  modality: 'CT' | 'MR';
  phantom: 'chest' | 'head';
  description: string;
  /** ISO date-time of the study start. */
  started: string;
  accession: string;
  patient: { id: string; family: string; given: string; gender: 'female' | 'male'; birthDate: string; mrn: string };
  series: SeriesSpec[];
}

export const ROWS = 256;
export const COLUMNS = 256;

export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
export const MR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.4';

export const STUDIES: readonly StudySpec[] = [
  {
    key: 'chest-ct',
    modality: 'CT',
    phantom: 'chest',
    description: 'CT chest with contrast (phantom)',
    started: '2026-11-03T09:12:00Z',
    accession: 'ACC-2026-0001',
    patient: { id: 'pat-mueller', family: 'Müller', given: 'Anna', gender: 'female', birthDate: '1961-04-17', mrn: 'MRN-100234' },
    series: [
      { key: 'axial-soft', number: 1, description: 'Axial 2.5 mm soft tissue', slices: 40, sliceSpacing: 2.5, pixelSpacing: 0.8, contrast: 'ct', windowCenter: 40, windowWidth: 400 },
      { key: 'axial-lung', number: 2, description: 'Axial 4 mm lung', slices: 24, sliceSpacing: 4, pixelSpacing: 0.8, contrast: 'ct', windowCenter: -600, windowWidth: 1500 },
    ],
  },
  {
    key: 'head-mr',
    modality: 'MR',
    phantom: 'head',
    description: 'MR brain without contrast (phantom)',
    started: '2026-11-20T14:40:00Z',
    accession: 'ACC-2026-0002',
    patient: { id: 'pat-okafor', family: 'Okafor', given: 'Ben', gender: 'male', birthDate: '1978-09-02', mrn: 'MRN-100871' },
    series: [
      { key: 't1', number: 1, description: 'Axial T1', slices: 20, sliceSpacing: 5, pixelSpacing: 0.9, contrast: 't1', windowCenter: 500, windowWidth: 1000 },
      { key: 't2', number: 2, description: 'Axial T2', slices: 20, sliceSpacing: 5, pixelSpacing: 0.9, contrast: 't2', windowCenter: 800, windowWidth: 1600 },
      { key: 'flair', number: 3, description: 'Axial FLAIR', slices: 20, sliceSpacing: 5, pixelSpacing: 0.9, contrast: 'flair', windowCenter: 700, windowWidth: 1400 },
    ],
  },
];

/** The Study Instance UID of a study. */
export const studyUid = (study: StudySpec): string => uidFor(`study ${study.key}`);
/** The Series Instance UID of a series. */
export const seriesUid = (study: StudySpec, series: SeriesSpec): string => uidFor(`series ${study.key} ${series.key}`);
/** The SOP Instance UID of slice `index` (0-based) of a series. */
export const sopUid = (study: StudySpec, series: SeriesSpec, index: number): string => uidFor(`instance ${study.key} ${series.key} ${index}`);
/** One Frame of Reference per study: all its series share the patient's coordinate system. */
export const frameOfReferenceUid = (study: StudySpec): string => uidFor(`frame of reference ${study.key}`);
export const sopClassUid = (study: StudySpec): string => (study.modality === 'CT' ? CT_IMAGE_STORAGE : MR_IMAGE_STORAGE);

/**
 * Where slice `index` lies: axial, the image centred on the patient's z axis, slices centred on z = 0 mm.
 * Shaped as Cornerstone's `imagePlaneModule` (and the bridge's `ImagePlane`).
 */
export function slicePlane(series: SeriesSpec, index: number) {
  const fov = COLUMNS * series.pixelSpacing;
  const z = (index - (series.slices - 1) / 2) * series.sliceSpacing;
  return {
    imagePositionPatient: [-fov / 2 + series.pixelSpacing / 2, -fov / 2 + series.pixelSpacing / 2, round(z)] as [number, number, number],
    rowCosines: [1, 0, 0] as [number, number, number],
    columnCosines: [0, 1, 0] as [number, number, number],
    rowPixelSpacing: series.pixelSpacing,
    columnPixelSpacing: series.pixelSpacing,
    rows: ROWS,
    columns: COLUMNS,
  };
}

// DICOM decimal strings carry at most 16 characters: keep positions short and exact.
const round = (v: number): number => Math.round(v * 1000) / 1000;
