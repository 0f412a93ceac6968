import type { Resource } from 'fhir/r5';
import { frozenExample } from '../helpers.js';

/*
 * Fixtures of the PATCH tests (JSON Patch and FHIRPath Patch): the official R5 ImagingSelection examples,
 * deep-frozen so that any mutation of an input throws, and `edited` for writing an expected result.
 */

/** 2D region: one identifier (urn:dicom:uid), one instance with imageRegion2D[0].coordinate (8 decimals). */
export const region2d = frozenExample('2d-image-region-selection');
/** Two instances, no subset. */
export const basic = frozenExample('basic-image-selection');
/** One instance with subset ["1", "2", "3", "4"]. */
export const multiframe = frozenExample('multiframe-image-selection');

/**
 * A draft of an expected result: loose JSON on purpose, the tests write FHIR JSON shapes (`_subset`, choice
 * keys) that the R5 types make verbose.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Draft = any;
/** The expected result, written by hand as an edit of a copy of the input. */
export const edited =
  (edit: (draft: Draft) => void) =>
  (input: Resource): Resource => {
    const draft = structuredClone(input) as Draft;
    edit(draft);
    return draft as Resource;
  };
