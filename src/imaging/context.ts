import type { Reference } from 'fhir/r5';
import { FhirError } from '../errors/fhir-error.js';
import type { Point2, Point3 } from './annotation.js';
import { distance, imageToWorld, worldToImage, type CoordinateConverter, type ImagePlane } from './image-plane.js';

/**
 * What DICOM says about the image (frame) behind a Cornerstone image id.
 * @see https://hl7.org/fhir/R5/imagingselection.html#ImagingSelection.instance
 */
export interface DicomImage {
  /** Study Instance UID (0020,000D). */
  studyInstanceUid: string;
  /** Series Instance UID (0020,000E). */
  seriesInstanceUid: string;
  /** SOP Instance UID (0008,0018). */
  sopInstanceUid: string;
  /** SOP Class UID (0008,0016), when known: becomes `instance.sopClass`. */
  sopClassUid?: string;
  /** The frame (1-based, as DICOM numbers frames) of a multi-frame instance: becomes `instance.subset`. */
  frameNumber?: number;
  /** Frame of Reference UID (0020,0052), when the annotation does not carry it. */
  frameOfReferenceUid?: string;
  /** Where the image lies: when given, world ↔ image coordinates are computed from it (see `ImagingContext`). */
  imagePlane?: ImagePlane;
}

/** The DICOM identity of an image as a selection names it, to find the Cornerstone image id for it. */
export interface SelectedImage {
  /** `ImagingSelection.studyUid`. */
  studyInstanceUid?: string;
  /** `ImagingSelection.seriesUid`. */
  seriesInstanceUid?: string;
  /** `ImagingSelection.instance.uid`. */
  sopInstanceUid: string;
  /** 1-based frame number, from `instance.subset`. */
  frameNumber?: number;
}

/**
 * What the mapping needs from the app. Either the image's `imagePlane` (from `image`, or `imagePlane` by image
 * id), or `coordinates` (Cornerstone's own `utilities` from `@cornerstonejs/core`, which read the
 * `imagePlaneModule` metadata), converts between world and image coordinates; a plane wins when both are there.
 */
export interface ImagingContext {
  /** The DICOM identity of a Cornerstone image id (needed to make a selection). */
  image?: (imageId: string) => DicomImage | undefined;
  /** The Cornerstone image id of a selected image or frame (needed to make annotations). */
  imageId?: (image: SelectedImage) => string | undefined;
  /** The plane of an image id, when `image` does not give one (e.g. `id => metaData.get('imagePlaneModule', id)`). */
  imagePlane?: (imageId: string) => ImagePlane | undefined;
  /** World ↔ image conversion, e.g. `utilities` of `@cornerstonejs/core`. */
  coordinates?: CoordinateConverter;
  /** `ImagingSelection.subject`: the patient. */
  subject?: Reference;
  /** The ImagingStudy the selection is made from (`derivedFrom`); default: the study by its Study Instance UID. */
  imagingStudy?: Reference;
  /**
   * How far (mm) a handle may lie off the image plane and still be taken as on it. Default 0.01 mm: a point a
   * stack viewport places is on the plane up to rounding; one further off was drawn on another slice or an
   * oblique reformat, and its image coordinates would not say where it is.
   */
  planeTolerance?: number;
}

/** Refuses an annotation or selection that cannot be mapped: 422 with an OperationOutcome naming the element. */
export const cannotMap = (diagnostics: string, expression?: string): FhirError =>
  new FhirError(422, { code: 'not-supported', diagnostics, ...(expression ? { expression: [expression] } : {}) });

/** World ↔ image conversion for one image id, with the checks the mapping needs. */
export interface ImageCoordinates {
  toImage(world: readonly number[], what: string): Point2;
  toWorld(image: Point2): Point3;
  /** The pixel aspect: world length of one column step over one row step (1 for square pixels). */
  aspect(): number;
}

const finite = (p: readonly number[], n: number): boolean => p.length === n && p.every((v) => Number.isFinite(v));

/** Picks the conversion for `imageId`: its plane when known, else the converter; refuses when there is neither. */
export function imageCoordinates(context: ImagingContext, imageId: string, plane: ImagePlane | undefined): ImageCoordinates {
  const tolerance = context.planeTolerance ?? 0.01;
  const resolved = plane ?? context.imagePlane?.(imageId);
  let toImage: (w: Point3) => readonly number[] | undefined;
  let toWorld: (i: Point2) => readonly number[] | undefined;
  if (resolved) {
    toImage = (w) => worldToImage(resolved, w);
    toWorld = (i) => imageToWorld(resolved, i);
  } else if (context.coordinates) {
    const c = context.coordinates;
    toImage = (w) => c.worldToImageCoords(imageId, w);
    toWorld = (i) => c.imageToWorldCoords(imageId, i);
  } else {
    throw cannotMap(`no image plane for ${imageId}: give the context an imagePlane or Cornerstone's coordinate utilities`);
  }
  const world = (i: Point2): Point3 => {
    const w = toWorld(i);
    if (!w || !finite(w, 3)) throw cannotMap(`image point ${JSON.stringify(i)} of ${imageId} has no world position`);
    return [w[0]!, w[1]!, w[2]!];
  };
  return {
    toImage(w, what) {
      if (!finite(w, 3)) throw cannotMap(`${what} is not a finite world point: ${JSON.stringify(w)}`);
      const i = toImage([w[0]!, w[1]!, w[2]!]);
      if (!i || !finite(i.slice(0, 2), 2)) throw cannotMap(`${what} has no image position on ${imageId}`);
      const p: Point2 = [i[0]!, i[1]!];
      // The image coordinates drop the distance from the plane: a point that is off it is refused, not flattened.
      const off = distance(world(p), w);
      if (off > tolerance) throw cannotMap(`${what} lies ${off.toPrecision(3)} mm off the plane of ${imageId} (tolerance ${tolerance} mm)`);
      const rows = resolved?.rows;
      const columns = resolved?.columns;
      const eps = 1e-9;
      if (columns && rows && (p[0] < -eps || p[1] < -eps || p[0] > columns + eps || p[1] > rows + eps)) {
        throw cannotMap(`${what} (${p[0]}, ${p[1]}) is outside the ${columns}×${rows} image ${imageId}; R5 keeps coordinates within the image`);
      }
      return p;
    },
    toWorld: world,
    aspect() {
      const o = world([0, 0]);
      return distance(world([1, 0]), o) / distance(world([0, 1]), o);
    },
  };
}
