import fc from 'fast-check';
import { expect, it } from 'vitest';
import { annotationsFromSelection, selectionFromAnnotation, worldToImage, type CornerstoneAnnotation, type ImagePlane } from '../../src/imaging/index.js';
import { circleHandles } from '../../src/imaging/to-selection.js';
import { addImage, cornerstoneContext, make, obliquePlane, planeContext } from './fixtures.js';

/*
 * annotation → selection → annotation keeps every handle (and contour) point within 1e-6 pixel, the annotation
 * UID, the image (study, series, SOP instance, frame) and the frame of reference, for every mapped tool, on
 * random oblique planes, through the image plane and through Cornerstone's own utilities.
 */
type P = [number, number];
const uid = fc.array(fc.integer({ min: 1, max: 99999 }), { minLength: 2, maxLength: 8 }).map((parts) => `1.2.826.0.1.${parts.join('.')}`);
const coord = fc.double({ min: 0, max: 256, noNaN: true });
const point: fc.Arbitrary<P> = fc.tuple(coord, coord);
const points = (min: number, max: number) => fc.array(point, { minLength: min, maxLength: max });
const label = fc.oneof(fc.constant(''), fc.string({ minLength: 1, maxLength: 20 }));

const tool = fc.oneof(
  fc.record({ tool: fc.constant('Length'), p: points(2, 2) }),
  fc.record({ tool: fc.constant('Probe'), p: points(1, 1) }),
  fc.record({ tool: fc.constant('ArrowAnnotate'), p: points(2, 2), arrowFirst: fc.boolean() }),
  fc.record({ tool: fc.constant('RectangleROI'), p: points(4, 4) }),
  fc.record({ tool: fc.constant('EllipticalROI'), p: points(4, 4) }),
  fc.record({ tool: fc.constant('CircleROI'), p: points(2, 2) }),
  fc.record({
    tool: fc.constant('CircleROI5'),
    center: fc.tuple(fc.double({ min: 64, max: 192, noNaN: true }), fc.double({ min: 64, max: 192, noNaN: true })),
    offset: fc.tuple(fc.double({ min: -60, max: 60, noNaN: true }), fc.double({ min: -60, max: 60, noNaN: true })),
    mirrored: fc.boolean(),
  }),
  fc.record({ tool: fc.constant('PlanarFreehandROI'), p: points(3, 30), closed: fc.boolean() }),
  fc.record({ tool: fc.constant('SplineROI'), p: points(3, 12), type: fc.constantFrom('CATMULLROM', 'CARDINAL', 'LINEAR') }),
);

type Drawn = { tool: string; p?: P[]; arrowFirst?: boolean; center?: P; offset?: P; mirrored?: boolean; closed?: boolean; type?: string };

function annotationOf(d: Drawn, imageId: string, annotationUID: string, text: string): CornerstoneAnnotation {
  switch (d.tool) {
    case 'CircleROI5': {
      const top: P = [d.center![0] + d.offset![0], d.center![1] + d.offset![1]];
      return make.CircleROI(imageId, annotationUID, circleHandles(d.center!, top, d.mirrored!), text);
    }
    case 'ArrowAnnotate':
      return make.ArrowAnnotate(imageId, annotationUID, d.p!, text, d.arrowFirst);
    case 'PlanarFreehandROI':
      return make.PlanarFreehandROI(imageId, annotationUID, d.p!, text, d.closed);
    case 'SplineROI':
      return make.SplineROI(imageId, annotationUID, d.p!, text, d.type);
    default:
      return make[d.tool as 'Length'](imageId, annotationUID, d.p!, text);
  }
}

/** The largest distance, in pixels, between two lists of world points on `plane`. */
function pixelDrift(plane: ImagePlane, a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number {
  expect(b).toHaveLength(a.length);
  return Math.max(0, ...a.map((p, i) => {
    const x = worldToImage(plane, p);
    const y = worldToImage(plane, b[i]!);
    return Math.hypot(x[0] - y[0], x[1] - y[1]);
  }));
}

it('annotation → selection → annotation keeps every point within 1e-6 px and every UID', () => {
  fc.assert(
    fc.property(
      tool,
      fc.record({ angle: fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }), spacing: fc.double({ min: 0.1, max: 3, noNaN: true }) }),
      fc.record({ study: uid, series: uid, sop: uid, frame: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }) }),
      fc.uuid(),
      label,
      fc.boolean(),
      (drawn, geometry, dicom, annotationUID, text, throughCornerstone) => {
        const plane = obliquePlane(geometry.angle, [-100 * Math.sin(geometry.angle), 42.5, 17 * geometry.spacing], [geometry.spacing, geometry.spacing]);
        const imageId = addImage(dicom.sop, plane, dicom.frame, dicom.study, dicom.series);
        const annotation = annotationOf(drawn, imageId, annotationUID, text);
        const context = throughCornerstone ? cornerstoneContext() : planeContext();
        const selection = selectionFromAnnotation(annotation, context);
        expect(selection.studyUid).toBe(dicom.study);
        expect(selection.seriesUid).toBe(dicom.series);
        expect(selection.instance?.[0]?.uid).toBe(dicom.sop);
        expect(selection.instance?.[0]?.subset).toEqual(dicom.frame === undefined ? undefined : [String(dicom.frame)]);
        const back = annotationsFromSelection(selection, context);
        expect(back).toHaveLength(1);
        const [b] = back as [CornerstoneAnnotation];
        expect(b.annotationUID).toBe(annotationUID);
        expect(b.metadata?.toolName).toBe(annotation.metadata!.toolName);
        expect(b.metadata?.referencedImageId).toBe(imageId);
        expect(b.metadata?.FrameOfReferenceUID).toBe(annotation.metadata!.FrameOfReferenceUID);
        expect(b.data.label).toBe(text);
        expect(pixelDrift(plane, annotation.data.handles?.points ?? [], b.data.handles?.points ?? [])).toBeLessThanOrEqual(1e-6);
        expect(pixelDrift(plane, annotation.data.contour?.polyline ?? [], annotation.data.contour?.polyline ? (b.data.contour?.polyline ?? []) : [])).toBeLessThanOrEqual(1e-6);
      },
    ),
    { numRuns: 500 },
  );
});
