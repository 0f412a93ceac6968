import type { ImagingSelection, Resource } from 'fhir/r5';
import { expect } from 'vitest';
import { FhirError } from '../../src/errors/fhir-error.js';
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

/** A row of a PATCH table: the expected result, or the expected error status. */
export interface PatchRow {
  name: string;
  input: ImagingSelection;
  patch: unknown;
  /** The expected resulting resource, built from the input. */
  expected?: (input: Resource) => Resource;
  /** Or the expected error status. */
  status?: 400 | 422;
  /** Text the diagnostics must contain. */
  diagnostics?: string;
}

/** A PATCH function under test. */
export type ApplyPatch = (resource: Resource, patch: unknown) => Resource;

/**
 * Applies a row's patch and checks the common part: the expected result, a new object; or a FhirError with the
 * row's status and the issue code of that status (returned, for the checks of each format). The input must be
 * unchanged afterwards.
 */
export function checkPatchRow(apply: ApplyPatch, row: PatchRow): FhirError | undefined {
  const pristine = structuredClone(row.input);
  let error: FhirError | undefined;
  if (row.expected) {
    const result = apply(row.input, row.patch);
    expect(result).toEqual(row.expected(row.input));
    expect(result).not.toBe(row.input);
  } else {
    let thrown: unknown;
    try {
      apply(row.input, row.patch);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(FhirError);
    error = thrown as FhirError;
    expect(error.status).toBe(row.status);
    expect(error.outcome.issue[0]?.code).toBe(row.status === 400 ? 'invalid' : 'processing');
    if (row.diagnostics) expect(error.outcome.issue[0]?.diagnostics).toContain(row.diagnostics);
  }
  // Inputs are deep-frozen (a write would have thrown) and still equal to what they were.
  expect(row.input).toEqual(pristine);
  return error;
}

/** Applies every row, refused ones too, so that a test can then look at Object.prototype. */
export function applyEveryRow(apply: ApplyPatch, rows: readonly PatchRow[]): void {
  for (const row of rows) {
    try {
      apply(row.input, row.patch);
    } catch {
      // errors are expected for the refused rows
    }
  }
}
