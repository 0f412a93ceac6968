import type { Coding, Extension, ImagingSelection, ImagingSelectionInstanceImageRegion2D } from 'fhir/r5';
import type { CornerstoneAnnotation, Point2, Point3 } from './annotation.js';
import { ANNOTATION_UID_SYSTEM, AREA, CENTER, concept, DICOM_UID_SYSTEM, FINDING, LENGTH, NOTE_EXTENSION, URI_SYSTEM } from './codes.js';
import { cannotMap, imageCoordinates, type ImageCoordinates, type ImagingContext } from './context.js';
import { cornerstoneExtension, type CornerstoneDetails } from './cornerstone-extension.js';
import { distance } from './image-plane.js';

/** The Cornerstone tools the bridge maps, by tool name. */
export const MAPPED_TOOLS = ['Length', 'Probe', 'RectangleROI', 'EllipticalROI', 'CircleROI', 'PlanarFreehandROI', 'SplineROI', 'ArrowAnnotate'] as const;

/** R5 `imageRegion2D.regionType` (imagingselection-2dgraphictype). */
export type RegionType = 'point' | 'polyline' | 'interpolated' | 'circle' | 'ellipse';

/** One tool's annotation as an R5 region, before it is put in a selection. */
interface Region {
  regionType: RegionType;
  /** Image `[column, row]` pairs. */
  points: Point2[];
  code: Coding;
  details: CornerstoneDetails;
}

/** The world handle points, exactly `count` of them (or at least `count` when `atLeast`). */
function handles(annotation: CornerstoneAnnotation, count: number, atLeast = false): Point3[] {
  const points = annotation.data.handles?.points ?? [];
  if (atLeast ? points.length < count : points.length !== count) {
    throw cannotMap(`a ${annotation.metadata?.toolName} annotation has ${points.length} handle points where ${atLeast ? 'at least ' : ''}${count} are expected`, 'data.handles.points');
  }
  return points;
}

const SPLINE_REGION: Record<string, RegionType | undefined> = { CATMULLROM: 'interpolated', CARDINAL: 'interpolated', LINEAR: 'polyline' };

/** A closed outline as R5 writes one: the first point again at the end (DICOM C.18.6.1.1, POLYLINE). */
const closeRing = (points: Point2[]): Point2[] => (points.length > 0 ? [...points, points[0]!] : points);

const TOOLS: Record<string, (a: CornerstoneAnnotation, c: ImageCoordinates) => Region> = {
  Probe: (a, c) => ({ regionType: 'point', points: [c.toImage(handles(a, 1)[0]!, 'the probe point')], code: CENTER, details: { toolName: 'Probe' } }),
  Length: (a, c) => ({ regionType: 'polyline', points: handles(a, 2).map((p, i) => c.toImage(p, `length handle ${i}`)), code: LENGTH, details: { toolName: 'Length' } }),
  ArrowAnnotate: (a, c) => ({
    regionType: 'polyline',
    points: handles(a, 2).map((p, i) => c.toImage(p, `arrow handle ${i}`)),
    code: FINDING,
    details: { toolName: 'ArrowAnnotate', arrowFirst: a.data.handles?.arrowFirst === true },
  }),
  // Cornerstone's corners are top left, top right, bottom left, bottom right: the outline goes 0, 1, 3, 2, 0.
  RectangleROI: (a, c) => {
    const corners = handles(a, 4).map((p, i) => c.toImage(p, `rectangle corner ${i}`));
    const order = [0, 1, 3, 2, 0];
    return { regionType: 'polyline', points: order.map((i) => corners[i]!), code: AREA, details: { toolName: 'RectangleROI', handleOrder: order } };
  },
  // Cornerstone's handles are the ends of its vertical axis (bottom, top) then of its horizontal one (left,
  // right); R5 wants the major axis first, so the longer pair goes first and handleOrder remembers the swap.
  EllipticalROI: (a, c) => {
    squarePixels(c, 'EllipticalROI');
    const p = handles(a, 4).map((w, i) => c.toImage(w, `ellipse handle ${i}`));
    const order = distance(p[0]!, p[1]!) >= distance(p[2]!, p[3]!) ? [0, 1, 2, 3] : [2, 3, 0, 1];
    return { regionType: 'ellipse', points: order.map((i) => p[i]!), code: AREA, details: { toolName: 'EllipticalROI', handleOrder: order } };
  },
  // Handle 0 is the centre and handle 1 a point on the circle, R5's circle exactly. The 5-handle form (the
  // default since 3.x) adds the points opposite and across, which follow from those two and the view's handedness.
  CircleROI: (a, c) => {
    squarePixels(c, 'CircleROI');
    const points = handles(a, 2, true);
    if (points.length !== 2 && points.length !== 5) throw cannotMap(`a CircleROI annotation has ${points.length} handle points where 2 or 5 are expected`, 'data.handles.points');
    const p = points.map((w, i) => c.toImage(w, `circle handle ${i}`));
    const details: CornerstoneDetails = { toolName: 'CircleROI' };
    if (p.length === 5) {
      const plain = circleHandles(p[0]!, p[1]!, false);
      const mirrored = circleHandles(p[0]!, p[1]!, true);
      const off = (q: Point2[]): number => Math.max(...q.map((x, i) => distance(x, p[i]!)));
      details.derivedHandles = off(plain) <= off(mirrored) ? 'circle-5' : 'circle-5-mirrored';
    }
    return { regionType: 'circle', points: [p[0]!, p[1]!], code: AREA, details };
  },
  PlanarFreehandROI: (a, c) => {
    const polyline = a.data.contour?.polyline ?? [];
    if (a.data['isOpenUShapeContour']) throw cannotMap('an open U-shaped PlanarFreehandROI carries a peak vector that no R5 region can hold', 'data.isOpenUShapeContour');
    const closed = a.data.contour?.closed !== false;
    if (polyline.length < (closed ? 3 : 2)) throw cannotMap(`a ${closed ? 'closed' : 'open'} PlanarFreehandROI contour needs at least ${closed ? 3 : 2} points, it has ${polyline.length}`, 'data.contour.polyline');
    const p = polyline.map((w, i) => c.toImage(w, `contour point ${i}`));
    const details: CornerstoneDetails = { toolName: 'PlanarFreehandROI', closed };
    if (!closed && (a.data.handles?.points?.length ?? 0) > 0) details.derivedHandles = 'contour-ends';
    return { regionType: 'polyline', points: closed ? closeRing(p) : p, code: closed ? AREA : LENGTH, details };
  },
  // The control points are the handles; the rendered curve passes through them for Catmull-Rom and cardinal
  // splines (R5 `interpolated`) and is straight between them for a linear one (`polyline`). A B-spline does not
  // pass through its control points, which `interpolated` requires, so it is refused.
  SplineROI: (a, c) => {
    const type = a.data.spline?.type ?? 'CATMULLROM';
    const regionType = SPLINE_REGION[type];
    if (!regionType) throw cannotMap(`a ${type} SplineROI does not pass through its control points, as an R5 interpolated region must`, 'data.spline.type');
    const p = handles(a, 3, true).map((w, i) => c.toImage(w, `spline control point ${i}`));
    const closed = a.data.contour?.closed !== false;
    return { regionType, points: closed ? closeRing(p) : p, code: closed ? AREA : LENGTH, details: { toolName: 'SplineROI', splineType: type, closed } };
  },
};

/** CircleROI's five handles from its centre and top: bottom opposite top, left and right a quarter turn away. */
export function circleHandles(center: Point2, top: Point2, mirrored: boolean): Point2[] {
  const v: Point2 = [top[0] - center[0], top[1] - center[1]];
  // On an unflipped view the left point is the top point turned a quarter turn anticlockwise on screen.
  const s = mirrored ? -1 : 1;
  const perp: Point2 = [s * v[1], -s * v[0]];
  return [center, top, [center[0] - v[0], center[1] - v[1]], [center[0] + perp[0], center[1] + perp[1]], [center[0] - perp[0], center[1] - perp[1]]];
}

/** R5 circles and ellipses are drawn in pixel space: on non-square pixels a world circle is no pixel circle. */
function squarePixels(c: ImageCoordinates, tool: string): void {
  const aspect = c.aspect();
  if (Math.abs(aspect - 1) > 1e-6) throw cannotMap(`a ${tool} on non-square pixels (aspect ${aspect.toPrecision(4)}) is no R5 ${tool === 'CircleROI' ? 'circle' : 'ellipse'} in image coordinates`);
}

/** The annotation's label: `data.label`, or `data.text` as ArrowAnnotate kept it before Cornerstone3D 1.x. */
const labelOf = (a: CornerstoneAnnotation): string | undefined => {
  const label = typeof a.data.label === 'string' && a.data.label !== '' ? a.data.label : typeof a.data.text === 'string' ? a.data.text : undefined;
  return label === '' ? undefined : label;
};

/**
 * Maps one Cornerstone3D annotation (Length, Probe, RectangleROI, EllipticalROI, CircleROI, PlanarFreehandROI,
 * SplineROI, ArrowAnnotate) to an R5 ImagingSelection of the image it was drawn on: the study, series and SOP
 * instance UIDs and frame number of its `referencedImageId`, its Frame of Reference UID, one `imageRegion2D` in
 * image columns and rows, a `code` naming the measurement, the label (core `note` extension) and what the
 * annotation needs to come back (`cornerstone-annotation` extension; its UID as an identifier). Throws a
 * FhirError (422) for what cannot be mapped: another tool, no image, a point off the image plane or outside it.
 * @see https://hl7.org/fhir/R5/imagingselection.html
 */
export function selectionFromAnnotation(annotation: CornerstoneAnnotation, context: ImagingContext): ImagingSelection {
  const toolName = annotation.metadata?.toolName;
  const mapper = toolName ? TOOLS[toolName] : undefined;
  if (!toolName || !mapper) {
    throw cannotMap(`the Cornerstone tool ${toolName ?? '(none)'} is not mapped to an ImagingSelection; mapped tools: ${MAPPED_TOOLS.join(', ')}`, 'metadata.toolName');
  }
  const imageId = annotation.metadata?.referencedImageId;
  if (!imageId) {
    throw cannotMap(`the ${toolName} annotation names no image (metadata.referencedImageId): one drawn on a volume view off the acquired planes has no image to select`, 'metadata.referencedImageId');
  }
  if (!context.image) throw cannotMap('the context cannot name the DICOM image of an image id (context.image)');
  const image = context.image(imageId);
  if (!image) throw cannotMap(`the context knows no DICOM image for ${imageId}`, 'metadata.referencedImageId');
  const frameOfReference = annotation.metadata?.FrameOfReferenceUID ?? image.frameOfReferenceUid;
  if (annotation.metadata?.FrameOfReferenceUID && image.frameOfReferenceUid && annotation.metadata.FrameOfReferenceUID !== image.frameOfReferenceUid) {
    throw cannotMap(`the annotation's Frame of Reference ${annotation.metadata.FrameOfReferenceUID} is not its image's (${image.frameOfReferenceUid})`, 'metadata.FrameOfReferenceUID');
  }
  const region = mapper(annotation, imageCoordinates(context, imageId, image.imagePlane));
  const imageRegion2D: ImagingSelectionInstanceImageRegion2D = { regionType: region.regionType, coordinate: region.points.flat() };
  const extension: Extension[] = [cornerstoneExtension(region.details)];
  const label = labelOf(annotation);
  if (label !== undefined) extension.push({ url: NOTE_EXTENSION, valueAnnotation: { text: label } });
  return {
    resourceType: 'ImagingSelection',
    extension,
    ...(annotation.annotationUID ? { identifier: [{ system: ANNOTATION_UID_SYSTEM, value: annotation.annotationUID }] } : {}),
    status: 'available',
    ...(context.subject ? { subject: { ...context.subject } } : {}),
    code: concept(region.code),
    studyUid: image.studyInstanceUid,
    derivedFrom: [context.imagingStudy ? { ...context.imagingStudy } : { type: 'ImagingStudy', identifier: { system: DICOM_UID_SYSTEM, value: `urn:oid:${image.studyInstanceUid}` } }],
    seriesUid: image.seriesInstanceUid,
    ...(frameOfReference ? { frameOfReferenceUid: frameOfReference } : {}),
    instance: [
      {
        uid: image.sopInstanceUid,
        ...(image.sopClassUid ? { sopClass: { system: URI_SYSTEM, code: `urn:oid:${image.sopClassUid}` } } : {}),
        ...(image.frameNumber !== undefined ? { subset: [String(image.frameNumber)] } : {}),
        imageRegion2D: [imageRegion2D],
      },
    ],
  };
}
