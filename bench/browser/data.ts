/**
 * The data of `npm run bench:browser`: bench/generate.ts's seeded Patients and ImagingSelections (the Node
 * benchmark's), with one change that keeps the answers of the selective queries the same size at every N: a rare
 * DICOM code on exactly {@link RARE_COUNT} of the n selections (generate.ts spreads 20 codes uniformly, so a code
 * selects 5% of any database, which grows with it). Runs in the page and in Node.
 * @module
 */
import type { ImagingSelection, Patient } from 'fhir/r5';
import { imagingSelection, patient } from '../generate.js';

export const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
export const ACCESSION_SYSTEM = 'http://bench.example.org/accession';
export const MRN_SYSTEM = 'http://bench.example.org/mrn';
/** A DICOM code generate.ts never uses (DCM 121181, "DICOM Object Catalog"). */
export const RARE = { system: DCM, code: '121181', display: 'DICOM Object Catalog' } as const;
/** Selections with the rare code, at any n. */
export const RARE_COUNT = 80;

/** Patients for n selections: one per 20 selections (as the Node benchmark), so a Patient has ~20 of them. */
export const patientCount = (n: number): number => Math.max(20, Math.round(n / 20));

/** Whether selection i < n has the rare code: 6151 is prime and coprime with n, so i ↦ i·6151 mod n permutes 0…n-1. */
export const isRare = (i: number, n: number): boolean => i < n && (i * 6151) % n < RARE_COUNT;

/** The i-th ImagingSelection of n (i ≥ n: an extra one, never rare). */
export function selection(i: number, n: number): ImagingSelection {
  const s = imagingSelection(i, n, patientCount(n));
  if (!isRare(i, n)) return s;
  return { ...s, code: { coding: [{ ...RARE }], text: RARE.display } };
}

export const patientAt = (i: number, n: number): Patient => patient(i, patientCount(n));

/** The MRN identifier value of Patient i (generate.ts: `MRN` and seven digits). */
export const mrn = (i: number): string => `MRN${String(i).padStart(7, '0')}`;
