import type { Point2, Point3 } from './annotation.js';

/**
 * Where an image lies in the patient: the DICOM Image Plane module, named as Cornerstone's `imagePlaneModule`
 * metadata names it (so `metaData.get('imagePlaneModule', imageId)` can be passed as it is).
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.6.2.html
 */
export interface ImagePlane {
  /** Image Position (Patient) (0020,0032): the centre of the first transmitted (top left) pixel, in mm. */
  imagePositionPatient: readonly number[];
  /** The first three values of Image Orientation (Patient): the direction of a row (increasing column). */
  rowCosines: readonly number[];
  /** The last three values of Image Orientation (Patient): the direction of a column (increasing row). */
  columnCosines: readonly number[];
  /** Pixel Spacing[0]: the distance between the centres of adjacent rows (vertical), mm. */
  rowPixelSpacing?: number | null;
  /** Pixel Spacing[1]: the distance between the centres of adjacent columns (horizontal), mm. */
  columnPixelSpacing?: number | null;
  /** Rows (0028,0010): when known, coordinates outside the image are refused (R5 keeps them within it). */
  rows?: number | null;
  /** Columns (0028,0011). */
  columns?: number | null;
}

/**
 * Converts between world and image coordinates for one image id. `@cornerstonejs/core`'s `utilities` object
 * satisfies it (`worldToImageCoords`, `imageToWorldCoords`), so an app can pass `utilities` itself.
 */
export interface CoordinateConverter {
  /** World (mm) → image `[column, row]`, or `undefined` when the image is unknown. */
  worldToImageCoords(imageId: string, worldCoords: Point3): readonly number[] | undefined;
  /** Image `[column, row]` → world (mm), or `undefined` when the image is unknown. */
  imageToWorldCoords(imageId: string, imageCoords: Point2): readonly number[] | undefined;
}

const dot = (a: readonly number[], b: readonly number[]): number => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;

/** A missing or zero spacing counts as 1 mm, as Cornerstone does for images without Pixel Spacing. */
const spacing = (value: number | null | undefined): number => (value && value > 0 ? value : 1);

/**
 * World → image coordinates on a plane, by the DICOM equation of C.7.6.2.1.1 solved for the pixel: the distance
 * from the first pixel's centre along the row direction over the column spacing is the column index, and the
 * same along the column direction over the row spacing is the row index; +0.5 moves the origin from the centre
 * of the first pixel to its top left corner, where R5's `imageRegion2D.coordinate` has it.
 * @see https://hl7.org/fhir/R5/imagingselection-definitions.html#ImagingSelection.instance.imageRegion2D.coordinate
 */
export function worldToImage(plane: ImagePlane, world: readonly number[]): Point2 {
  const d = [world[0]! - plane.imagePositionPatient[0]!, world[1]! - plane.imagePositionPatient[1]!, world[2]! - plane.imagePositionPatient[2]!];
  return [dot(d, plane.rowCosines) / spacing(plane.columnPixelSpacing) + 0.5, dot(d, plane.columnCosines) / spacing(plane.rowPixelSpacing) + 0.5];
}

/** Image `[column, row]` → world coordinates on a plane: the inverse of {@link worldToImage}. */
export function imageToWorld(plane: ImagePlane, image: Point2): Point3 {
  const c = (image[0] - 0.5) * spacing(plane.columnPixelSpacing);
  const r = (image[1] - 0.5) * spacing(plane.rowPixelSpacing);
  const p = plane.imagePositionPatient;
  return [
    p[0]! + plane.rowCosines[0]! * c + plane.columnCosines[0]! * r,
    p[1]! + plane.rowCosines[1]! * c + plane.columnCosines[1]! * r,
    p[2]! + plane.rowCosines[2]! * c + plane.columnCosines[2]! * r,
  ];
}

/** A converter over planes looked up by image id (e.g. from the app's own metadata). */
export function planeConverter(planeOf: (imageId: string) => ImagePlane | undefined): CoordinateConverter {
  return {
    worldToImageCoords: (imageId, world) => {
      const plane = planeOf(imageId);
      return plane ? worldToImage(plane, world) : undefined;
    },
    imageToWorldCoords: (imageId, image) => {
      const plane = planeOf(imageId);
      return plane ? imageToWorld(plane, image) : undefined;
    },
  };
}

/** The Euclidean distance between two points of the same dimension. */
export const distance = (a: readonly number[], b: readonly number[]): number => Math.hypot(...a.map((v, i) => v - (b[i] ?? 0)));
