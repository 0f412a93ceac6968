import { metaData, utilities } from '@cornerstonejs/core';
import type { Types } from '@cornerstonejs/tools';
import { glMatrix } from 'gl-matrix';
import type { DicomImage, ImagePlane, ImagingContext, SelectedImage } from '../../src/imaging/index.js';

/*
 * Annotations shaped exactly as Cornerstone3D 5.x's tools make them (each tool's `hydrate` and
 * `addNewAnnotation`: the same fields, the same handle order), typed with Cornerstone's own annotation types, on
 * images whose planes Cornerstone's metadata registry knows, so its `utilities.imageToWorldCoords` places the
 * handles: the world points are Cornerstone's, not this package's.
 */
type Point3 = [number, number, number];

export const STUDY = '1.2.826.0.1.3680043.8.498.1';
export const SERIES = '1.2.826.0.1.3680043.8.498.1.2';
export const FRAME_OF_REFERENCE = '1.2.826.0.1.3680043.8.498.1.3';
export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

/** A Cornerstone image id for a DICOMweb instance (and frame), as the dicom-image-loader names them. */
export const imageIdOf = (image: SelectedImage & { studyInstanceUid: string; seriesInstanceUid: string }): string =>
  `wadors:https://pacs.test/dicom-web/studies/${image.studyInstanceUid}/series/${image.seriesInstanceUid}/instances/${image.sopInstanceUid}/frames/${image.frameNumber ?? 1}`;

const IMAGE_ID = /^wadors:https:\/\/pacs\.test\/dicom-web\/studies\/([\d.]+)\/series\/([\d.]+)\/instances\/([\d.]+)\/frames\/(\d+)$/;

/** The planes Cornerstone's metadata provider answers, by image id. */
export const planes = new Map<string, ImagePlane>();
/** Which image ids are frames of a multi-frame instance (frame numbers go into `instance.subset`). */
export const multiframe = new Set<string>();

// Cornerstone computes with gl-matrix, whose vectors are Float32Array by default: a world point then carries
// ~1e-5 px of rounding, more than the round trip's 1e-6 px (docs/imaging.md, "Cornerstone limitations"). The
// fixtures switch gl-matrix to plain (double) arrays, as an app that stores annotations should.
glMatrix.setMatrixArrayType(Array);

metaData.addProvider((type: string, imageId: string) => (type === 'imagePlaneModule' ? planes.get(imageId) : undefined), 10_000);

/** A plane with orthonormal cosines turned by `angle` about an oblique axis, `spacing` mm square pixels, 256². */
export function obliquePlane(angle: number, origin: Point3 = [-120.5, 80.25, 33.75], spacing: [number, number] = [0.7, 0.7]): ImagePlane {
  // Rotate the axial row (1,0,0) and column (0,1,0) directions about the unit axis (1,2,2)/3 by `angle`.
  const k = [1 / 3, 2 / 3, 2 / 3];
  const rot = (v: number[]): number[] => {
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    const kv = k[0]! * v[0]! + k[1]! * v[1]! + k[2]! * v[2]!;
    const cross = [k[1]! * v[2]! - k[2]! * v[1]!, k[2]! * v[0]! - k[0]! * v[2]!, k[0]! * v[1]! - k[1]! * v[0]!];
    return v.map((x, i) => x * c + cross[i]! * s + k[i]! * kv * (1 - c));
  };
  return { imagePositionPatient: origin, rowCosines: rot([1, 0, 0]), columnCosines: rot([0, 1, 0]), rowPixelSpacing: spacing[0], columnPixelSpacing: spacing[1], rows: 256, columns: 256 };
}

/** Registers an image (its plane in Cornerstone's metadata) and returns its image id. */
export function addImage(sopInstanceUid: string, plane: ImagePlane, frameNumber?: number, studyInstanceUid = STUDY, seriesInstanceUid = SERIES): string {
  const imageId = imageIdOf({ studyInstanceUid, seriesInstanceUid, sopInstanceUid, ...(frameNumber !== undefined ? { frameNumber } : {}) });
  planes.set(imageId, plane);
  if (frameNumber !== undefined) multiframe.add(imageId);
  return imageId;
}

/** The DICOM identity of a test image id. */
export function dicomImage(imageId: string, withPlane: boolean): DicomImage | undefined {
  const m = IMAGE_ID.exec(imageId);
  const plane = planes.get(imageId);
  if (!m || !plane) return undefined;
  return {
    studyInstanceUid: m[1]!,
    seriesInstanceUid: m[2]!,
    sopInstanceUid: m[3]!,
    sopClassUid: CT_IMAGE_STORAGE,
    ...(multiframe.has(imageId) ? { frameNumber: Number(m[4]) } : {}),
    frameOfReferenceUid: FRAME_OF_REFERENCE,
    ...(withPlane ? { imagePlane: plane } : {}),
  };
}

/** A context that converts through the image planes (this package's DICOM equation). */
export const planeContext = (extra: Partial<ImagingContext> = {}): ImagingContext => ({
  image: (id) => dicomImage(id, true),
  imageId: (image) => {
    const id = imageIdOf({ studyInstanceUid: STUDY, seriesInstanceUid: SERIES, ...image });
    return planes.has(id) ? id : undefined;
  },
  imagePlane: (id) => planes.get(id),
  ...extra,
});

/** A context that converts through Cornerstone's own `utilities.worldToImageCoords` / `imageToWorldCoords`. */
export const cornerstoneContext = (extra: Partial<ImagingContext> = {}): ImagingContext => ({
  image: (id) => dicomImage(id, false),
  imageId: planeContext().imageId!,
  coordinates: utilities,
  ...extra,
});

/** Image `[column, row]` → world, by Cornerstone. */
export const world = (imageId: string, p: [number, number]): Point3 => utilities.imageToWorldCoords(imageId, p) as Point3;

const textBox = () => ({
  hasMoved: false,
  worldPosition: [0, 0, 0] as Point3,
  worldBoundingBox: { topLeft: [0, 0, 0] as Point3, topRight: [0, 0, 0] as Point3, bottomLeft: [0, 0, 0] as Point3, bottomRight: [0, 0, 0] as Point3 },
});

const base = (toolName: string, imageId: string, uid: string) => ({
  annotationUID: uid,
  highlighted: false,
  autoGenerated: false,
  invalidated: true,
  isLocked: false,
  isVisible: true,
  metadata: { toolName, viewPlaneNormal: [0, 0, 1] as Point3, FrameOfReferenceUID: FRAME_OF_REFERENCE, referencedImageId: imageId },
});

/** The annotations of every mapped tool, from their handles in image coordinates. */
export const make = {
  Length: (imageId: string, uid: string, p: [number, number][], label = ''): Types.ToolSpecificAnnotationTypes.LengthAnnotation => ({
    ...base('Length', imageId, uid),
    data: { handles: { points: p.map((q) => world(imageId, q)), activeHandleIndex: null, textBox: textBox() }, label, cachedStats: {} },
  }),
  Probe: (imageId: string, uid: string, p: [number, number][], label = ''): Types.ToolSpecificAnnotationTypes.ProbeAnnotation => ({
    ...base('Probe', imageId, uid),
    data: { handles: { points: p.map((q) => world(imageId, q)) }, label, cachedStats: {} },
  }),
  ArrowAnnotate: (imageId: string, uid: string, p: [number, number][], label = 'look here', arrowFirst = true): Types.ToolSpecificAnnotationTypes.ArrowAnnotation => ({
    ...base('ArrowAnnotate', imageId, uid),
    data: { label, handles: { points: p.map((q) => world(imageId, q)), arrowFirst, activeHandleIndex: null, textBox: textBox() } },
  }),
  /** Corners top left, top right, bottom left, bottom right, as RectangleROITool keeps them. */
  RectangleROI: (imageId: string, uid: string, p: [number, number][], label = ''): Types.ToolSpecificAnnotationTypes.RectangleROIAnnotation => ({
    ...base('RectangleROI', imageId, uid),
    data: { handles: { points: p.map((q) => world(imageId, q)), activeHandleIndex: null, textBox: textBox() }, label, cachedStats: {} },
  }),
  /** Handles bottom, top, left, right, as EllipticalROITool keeps them. */
  EllipticalROI: (imageId: string, uid: string, p: [number, number][], label = ''): Types.ToolSpecificAnnotationTypes.EllipticalROIAnnotation => ({
    ...base('EllipticalROI', imageId, uid),
    data: {
      handles: { points: p.map((q) => world(imageId, q)) as [Point3, Point3, Point3, Point3], activeHandleIndex: null, textBox: textBox() },
      label,
      cachedStats: {},
      initialRotation: 0,
    },
  }),
  /** Centre and edge (simplified), or centre, top, bottom, left, right (the default 5-handle form). */
  CircleROI: (imageId: string, uid: string, p: [number, number][], label = ''): Types.ToolSpecificAnnotationTypes.CircleROIAnnotation => ({
    ...base('CircleROI', imageId, uid),
    data: { handles: { points: p.map((q) => world(imageId, q)), activeHandleIndex: null, textBox: textBox() }, label, cachedStats: {} },
  }),
  /** A freehand contour: closed (no handles) or open (handles: its two ends), as drawLoop.js leaves it. */
  PlanarFreehandROI: (imageId: string, uid: string, p: [number, number][], label = '', closed = true): Types.ToolSpecificAnnotationTypes.PlanarFreehandROIAnnotation => {
    const polyline = p.map((q) => world(imageId, q));
    return {
      ...base('PlanarFreehandROI', imageId, uid),
      data: {
        handles: { points: closed ? [] : [polyline[0]!, polyline[polyline.length - 1]!], activeHandleIndex: null, textBox: textBox() },
        contour: { polyline, closed },
        label,
        cachedStats: {},
      },
    };
  },
  /** A spline's control points, as SplineROITool.hydrate sets them (`spline.instance` made on first render). */
  SplineROI: (imageId: string, uid: string, p: [number, number][], label = '', type = 'CATMULLROM'): Types.ToolSpecificAnnotationTypes.SplineROIAnnotation => ({
    ...base('SplineROI', imageId, uid),
    data: {
      handles: { points: p.map((q) => world(imageId, q)) },
      label,
      cachedStats: {},
      spline: { type, instance: undefined as unknown as Types.ISpline, resolution: 20 },
      contour: { closed: true, polyline: [] },
    },
  }),
};
