import type { ImagingSelection } from 'fhir/r5';
import { describe, expect, it } from 'vitest';
import { annotationsFromSelection, AREA, CENTER, FINDING, LENGTH, NOTE_EXTENSION, selectionFromAnnotation, type CornerstoneAnnotation } from '../../src/imaging/index.js';
import { addImage, CT_IMAGE_STORAGE, cornerstoneContext, FRAME_OF_REFERENCE, make, obliquePlane, planeContext, SERIES, STUDY } from './fixtures.js';

/*
 * Each tool's annotation, made as Cornerstone makes it (handles placed by Cornerstone's imageToWorldCoords from
 * image points), maps to the R5 region its shape is, with its image points as R5 coordinates; and back.
 */
const plane = obliquePlane(0.4);
const single = addImage('1.2.826.0.1.3680043.8.498.1.2.10', plane);
const frame7 = addImage('1.2.826.0.1.3680043.8.498.1.2.11', plane, 7);
const subject = { reference: 'Patient/p1' };
const imagingStudy = { reference: 'ImagingStudy/s1' };

type P = [number, number];
const region = (s: ImagingSelection) => s.instance![0]!.imageRegion2D![0]!;
const pairs = (s: ImagingSelection): P[] => {
  const c = region(s).coordinate;
  return Array.from({ length: c.length / 2 }, (_, i) => [c[2 * i]!, c[2 * i + 1]!]);
};
const expectPairs = (actual: P[], expected: P[]): void => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((p, i) => {
    expect(p[0]).toBeCloseTo(expected[i]![0], 9);
    expect(p[1]).toBeCloseTo(expected[i]![1], 9);
  });
};

const tl: P = [40.25, 50.5];
const tr: P = [120.75, 50.5];
const bl: P = [40.25, 99.125];
const br: P = [120.75, 99.125];
const outline: P[] = [[10, 10], [60.5, 12.25], [70, 80], [15.5, 66]];

/** [tool, annotation, region type, expected image points (R5 order), code] */
const cases: [string, CornerstoneAnnotation, string, P[], typeof AREA][] = [
  ['Length', make.Length(single, 'u-length', [tl, br], 'diameter'), 'polyline', [tl, br], LENGTH],
  ['Probe', make.Probe(frame7, 'u-probe', [tr]), 'point', [tr], CENTER],
  ['ArrowAnnotate', make.ArrowAnnotate(single, 'u-arrow', [bl, tr], 'nodule', true), 'polyline', [bl, tr], FINDING],
  ['RectangleROI', make.RectangleROI(single, 'u-rect', [tl, tr, bl, br]), 'polyline', [tl, tr, br, bl, tl], AREA],
  // bottom, top (vertical axis, the shorter here), left, right: R5 wants the major (horizontal) axis first.
  ['EllipticalROI', make.EllipticalROI(single, 'u-ellipse', [[80, 99], [80, 51], [40, 75], [120, 75]]), 'ellipse', [[40, 75], [120, 75], [80, 99], [80, 51]], AREA],
  ['CircleROI', make.CircleROI(single, 'u-circle', [[100, 100], [100, 80]]), 'circle', [[100, 100], [100, 80]], AREA],
  ['CircleROI (5 handles)', make.CircleROI(single, 'u-circle5', [[100, 100], [100, 80], [100, 120], [80, 100], [120, 100]]), 'circle', [[100, 100], [100, 80]], AREA],
  ['PlanarFreehandROI (closed)', make.PlanarFreehandROI(single, 'u-free', outline), 'polyline', [...outline, outline[0]!], AREA],
  ['PlanarFreehandROI (open)', make.PlanarFreehandROI(single, 'u-open', outline, '', false), 'polyline', outline, LENGTH],
  ['SplineROI', make.SplineROI(single, 'u-spline', outline, 'lesion'), 'interpolated', [...outline, outline[0]!], AREA],
  ['SplineROI (linear)', make.SplineROI(single, 'u-linear', outline, '', 'LINEAR'), 'polyline', [...outline, outline[0]!], AREA],
];

describe('selectionFromAnnotation', () => {
  for (const [name, annotation, regionType, points, code] of cases) {
    it(`${name} → ${regionType}, through the image plane and through Cornerstone's utilities alike`, () => {
      for (const context of [planeContext({ subject, imagingStudy }), cornerstoneContext({ subject, imagingStudy })]) {
        const s = selectionFromAnnotation(annotation, context);
        expect(region(s).regionType).toBe(regionType);
        expectPairs(pairs(s), points);
        expect(s.code.coding).toEqual([code]);
        expect(s.status).toBe('available');
        expect(s.studyUid).toBe(STUDY);
        expect(s.seriesUid).toBe(SERIES);
        expect(s.frameOfReferenceUid).toBe(FRAME_OF_REFERENCE);
        expect(s.subject).toEqual(subject);
        expect(s.derivedFrom).toEqual([imagingStudy]);
        const instance = s.instance![0]!;
        expect(instance.uid).toBe(annotation.metadata!.referencedImageId === frame7 ? '1.2.826.0.1.3680043.8.498.1.2.11' : '1.2.826.0.1.3680043.8.498.1.2.10');
        expect(instance.sopClass?.code).toBe(`urn:oid:${CT_IMAGE_STORAGE}`);
        expect(instance.subset).toEqual(annotation.metadata!.referencedImageId === frame7 ? ['7'] : undefined);
        expect(s.identifier?.[0]?.value).toBe(annotation.annotationUID);
        const label = annotation.data.label;
        expect(s.extension?.find((e) => e.url === NOTE_EXTENSION)?.valueAnnotation?.text).toBe(label === '' ? undefined : label);
      }
    });
  }

  it('names the study by its Study Instance UID when the context gives no ImagingStudy', () => {
    const s = selectionFromAnnotation(cases[0]![1], planeContext());
    expect(s.derivedFrom).toEqual([{ type: 'ImagingStudy', identifier: { system: 'urn:dicom:uid', value: `urn:oid:${STUDY}` } }]);
    expect(s.subject).toBeUndefined();
  });

  it('leaves the annotation as it was', () => {
    const annotation = make.Length(single, 'u-frozen', [tl, br]);
    const before = structuredClone(annotation);
    selectionFromAnnotation(annotation, planeContext());
    expect(annotation).toEqual(before);
  });
});

describe('annotationsFromSelection', () => {
  for (const [name, annotation] of cases) {
    it(`${name} comes back as the same tool, handles, UIDs and label`, () => {
      const context = planeContext({ subject });
      const [back, ...rest] = annotationsFromSelection(selectionFromAnnotation(annotation, context), context);
      expect(rest).toEqual([]);
      expect(back!.annotationUID).toBe(annotation.annotationUID);
      expect(back!.metadata?.toolName).toBe(annotation.metadata!.toolName);
      expect(back!.metadata?.referencedImageId).toBe(annotation.metadata!.referencedImageId);
      expect(back!.metadata?.FrameOfReferenceUID).toBe(FRAME_OF_REFERENCE);
      expect(back!.data.label).toBe(annotation.data.label ?? '');
      const handles = annotation.data.handles?.points ?? [];
      expect(back!.data.handles?.points).toHaveLength(handles.length);
      back!.data.handles!.points!.forEach((p, i) => p.forEach((v, k) => expect(v).toBeCloseTo(handles[i]![k]!, 6)));
      const contour = annotation.data.contour?.polyline;
      if (annotation.metadata!.toolName === 'PlanarFreehandROI') {
        expect(back!.data.contour?.closed).toBe(annotation.data.contour!.closed);
        back!.data.contour!.polyline!.forEach((p, i) => p.forEach((v, k) => expect(v).toBeCloseTo(contour![i]![k]!, 6)));
      }
      if (annotation.metadata!.toolName === 'SplineROI') expect(back!.data.spline?.type).toBe(annotation.data.spline!.type);
      if (annotation.metadata!.toolName === 'ArrowAnnotate') expect(back!.data.handles?.arrowFirst).toBe(annotation.data.handles!.arrowFirst);
    });
  }

  it('draws a selection made elsewhere (the R5 example region, no extension) with the tool of its region type', () => {
    const context = planeContext();
    const foreign: ImagingSelection = {
      resourceType: 'ImagingSelection',
      status: 'available',
      code: { text: 'Region selected from image' },
      studyUid: STUDY,
      seriesUid: SERIES,
      instance: [{ uid: '1.2.826.0.1.3680043.8.498.1.2.10', imageRegion2D: [
        { regionType: 'polyline', coordinate: [0.25, 0.25, 0.75, 0.25, 0.75, 0.75, 0.25, 0.75] },
        { regionType: 'point', coordinate: [3, 4] },
        { regionType: 'ellipse', coordinate: [10, 20, 30, 20, 20, 15, 20, 25] },
      ] }],
    };
    const out = annotationsFromSelection(foreign, context);
    expect(out.map((a) => a.metadata?.toolName)).toEqual(['PlanarFreehandROI', 'Probe', 'EllipticalROI']);
    expect(out[0]!.data.contour?.closed).toBe(false);
    expect(out[0]!.data.contour?.polyline).toHaveLength(4);
    expect(new Set(out.map((a) => a.annotationUID)).size).toBe(1); // no id, no identifier: no UID at all
    expect(out[0]!.annotationUID).toBeUndefined();
  });

  it('converts back through the plane that context.image gives, with no other source of planes', () => {
    const onlyImage = planeContext();
    delete onlyImage.imagePlane;
    const annotation = cases[3]![1];
    const [back] = annotationsFromSelection(selectionFromAnnotation(annotation, onlyImage), onlyImage);
    back!.data.handles!.points!.forEach((p, i) => p.forEach((v, k) => expect(v).toBeCloseTo(annotation.data.handles!.points![i]![k]!, 6)));
  });

  it('a region over several frames is one annotation per frame, each with its own UID', () => {
    const f1 = addImage('1.2.826.0.1.3680043.8.498.1.2.12', plane, 1);
    const f2 = addImage('1.2.826.0.1.3680043.8.498.1.2.12', plane, 2);
    const context = planeContext();
    const s = selectionFromAnnotation(make.Probe(f1, 'u-frames', [[5, 6]]), context);
    s.instance![0]!.subset = ['1', '2'];
    const out = annotationsFromSelection(s, context);
    expect(out.map((a) => a.metadata?.referencedImageId)).toEqual([f1, f2]);
    expect(new Set(out.map((a) => a.annotationUID)).size).toBe(2);
  });
});
