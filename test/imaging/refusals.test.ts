import type { ImagingSelection } from 'fhir/r5';
import { describe, expect, it } from 'vitest';
import { FhirError } from '../../src/errors/fhir-error.js';
import { annotationsFromSelection, selectionFromAnnotation, type CornerstoneAnnotation, type ImagingContext } from '../../src/imaging/index.js';
import { addImage, make, obliquePlane, planeContext } from './fixtures.js';

/* What cannot be mapped is refused with a 422 whose OperationOutcome says why (and where, when it can). */
const plane = obliquePlane(1.1);
const image = addImage('1.2.826.0.1.3680043.8.498.1.2.20', plane);

function refusal(run: () => unknown): FhirError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(FhirError);
    const error = e as FhirError;
    expect(error.status).toBe(422);
    expect(error.outcome.resourceType).toBe('OperationOutcome');
    expect(error.outcome.issue[0]?.code).toBe('not-supported');
    expect(error.outcome.issue[0]?.severity).toBe('error');
    return error;
  }
  throw new Error('expected a refusal');
}

const length = (): CornerstoneAnnotation => make.Length(image, 'u', [[10, 10], [20, 20]]);

describe('selectionFromAnnotation refuses', () => {
  it('a tool it does not map, naming the ones it does', () => {
    const a = length();
    a.metadata!.toolName = 'Bidirectional';
    const e = refusal(() => selectionFromAnnotation(a, planeContext()));
    expect(e.message).toMatch(/Bidirectional.*Length, Probe, RectangleROI, EllipticalROI, CircleROI, PlanarFreehandROI, SplineROI, ArrowAnnotate/);
    expect(e.outcome.issue[0]?.expression).toEqual(['metadata.toolName']);
  });

  it('an annotation on no image (a volume view off the acquired planes)', () => {
    const a = length();
    delete a.metadata!.referencedImageId;
    expect(refusal(() => selectionFromAnnotation(a, planeContext())).outcome.issue[0]?.expression).toEqual(['metadata.referencedImageId']);
  });

  it('an image the context does not know, and a context with no way to convert coordinates', () => {
    const a = length();
    a.metadata!.referencedImageId = 'wadors:https://elsewhere.test/x';
    expect(refusal(() => selectionFromAnnotation(a, planeContext())).message).toMatch(/no DICOM image/);
    const noPlane: ImagingContext = { image: (id) => ({ studyInstanceUid: '1.2', seriesInstanceUid: '1.2.3', sopInstanceUid: '1.2.3.4', ...(id ? {} : {}) }) };
    expect(refusal(() => selectionFromAnnotation(length(), noPlane)).message).toMatch(/no image plane/);
  });

  it('a handle off the image plane (drawn on another slice), and one outside the image', () => {
    const a = length();
    const normal = [
      plane.rowCosines[1]! * plane.columnCosines[2]! - plane.rowCosines[2]! * plane.columnCosines[1]!,
      plane.rowCosines[2]! * plane.columnCosines[0]! - plane.rowCosines[0]! * plane.columnCosines[2]!,
      plane.rowCosines[0]! * plane.columnCosines[1]! - plane.rowCosines[1]! * plane.columnCosines[0]!,
    ];
    a.data.handles!.points![1] = a.data.handles!.points![1]!.map((v, i) => v + 0.5 * normal[i]!) as [number, number, number];
    expect(refusal(() => selectionFromAnnotation(a, planeContext())).message).toMatch(/0\.500 mm off the plane/);
    expect(() => selectionFromAnnotation(a, planeContext({ planeTolerance: 1 }))).not.toThrow();
    const outside = make.Length(image, 'u', [[10, 10], [300, 20]]);
    expect(refusal(() => selectionFromAnnotation(outside, planeContext())).message).toMatch(/outside the 256×256 image/);
  });

  it('a frame of reference that is not its image’s', () => {
    const a = length();
    a.metadata!.FrameOfReferenceUID = '9.9.9';
    expect(refusal(() => selectionFromAnnotation(a, planeContext())).outcome.issue[0]?.expression).toEqual(['metadata.FrameOfReferenceUID']);
  });

  it('the wrong number of handles, and non-finite ones', () => {
    const a = length();
    a.data.handles!.points!.pop();
    expect(refusal(() => selectionFromAnnotation(a, planeContext())).outcome.issue[0]?.expression).toEqual(['data.handles.points']);
    const b = length();
    b.data.handles!.points![0] = [Number.NaN, 0, 0];
    expect(refusal(() => selectionFromAnnotation(b, planeContext())).message).toMatch(/not a finite world point/);
  });

  it('a B-spline (its curve does not pass through its control points, as R5 interpolated requires)', () => {
    const s = make.SplineROI(image, 'u', [[10, 10], [50, 12], [40, 60]], '', 'BSPLINE');
    expect(refusal(() => selectionFromAnnotation(s, planeContext())).outcome.issue[0]?.expression).toEqual(['data.spline.type']);
  });

  it('an open U-shaped freehand contour (its peak vector has no place in R5)', () => {
    const f = make.PlanarFreehandROI(image, 'u', [[10, 10], [50, 12], [40, 60]], '', false);
    f.data['isOpenUShapeContour'] = true;
    expect(refusal(() => selectionFromAnnotation(f, planeContext())).outcome.issue[0]?.expression).toEqual(['data.isOpenUShapeContour']);
  });

  it('a circle or an ellipse on non-square pixels (R5 draws them in pixel space)', () => {
    const wide = addImage('1.2.826.0.1.3680043.8.498.1.2.21', obliquePlane(0.3, [0, 0, 0], [0.5, 0.8]));
    expect(refusal(() => selectionFromAnnotation(make.CircleROI(wide, 'u', [[50, 50], [50, 40]]), planeContext())).message).toMatch(/non-square pixels/);
    expect(refusal(() => selectionFromAnnotation(make.EllipticalROI(wide, 'u', [[50, 60], [50, 40], [40, 50], [60, 50]]), planeContext())).message).toMatch(/non-square pixels/);
    // Other tools are fine there: a polyline is a polyline on any pixels.
    expect(selectionFromAnnotation(make.Length(wide, 'u', [[10, 10], [20, 20]]), planeContext()).instance![0]!.imageRegion2D![0]!.regionType).toBe('polyline');
  });
});

describe('annotationsFromSelection refuses', () => {
  const made = (): ImagingSelection => selectionFromAnnotation(length(), planeContext());

  it('a selection with no 2D region (a whole-image or 3D selection)', () => {
    const s = made();
    delete s.instance![0]!.imageRegion2D;
    expect(refusal(() => annotationsFromSelection(s, planeContext())).message).toMatch(/no 2D image region/);
  });

  it('odd or non-numeric coordinates, and a region its tool cannot draw', () => {
    const s = made();
    s.instance![0]!.imageRegion2D![0]!.coordinate.pop();
    expect(refusal(() => annotationsFromSelection(s, planeContext())).outcome.issue[0]?.expression).toEqual(['ImagingSelection.instance[0].imageRegion2D[0].coordinate']);
    const t = made();
    t.instance![0]!.imageRegion2D![0]!.regionType = 'circle';
    expect(refusal(() => annotationsFromSelection(t, planeContext())).message).toMatch(/a Length cannot draw the circle/);
  });

  it('a subset that is no frame number, and an image the context cannot name', () => {
    const s = made();
    s.instance![0]!.subset = ['1.2.3.4.5'];
    expect(refusal(() => annotationsFromSelection(s, planeContext())).message).toMatch(/not a frame number/);
    const t = made();
    t.instance![0]!.uid = '1.2.826.0.1.3680043.8.498.1.2.999';
    expect(refusal(() => annotationsFromSelection(t, planeContext())).message).toMatch(/no image id for SOP instance/);
  });
});
