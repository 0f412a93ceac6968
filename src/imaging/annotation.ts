/**
 * The shape of a Cornerstone3D tool annotation, as far as the bridge reads and writes it. These are structural
 * copies of `@cornerstonejs/tools`' `Types.Annotation` (5.x): the bridge imports nothing from Cornerstone, so an
 * app that never loads Cornerstone (or loads another major version of it) can still type-check against this
 * entry. A test checks that Cornerstone's own annotation types are assignable to these.
 * @see https://hl7.org/fhir/R5/imagingselection.html
 */

/** A point in world (patient LPS, millimetre) coordinates, Cornerstone's `Types.Point3`. */
export type Point3 = [number, number, number];

/** A point in image coordinates `[column, row]` (pixel units, 0,0 at the top left corner of the top left pixel). */
export type Point2 = [number, number];

/** Cornerstone's `annotation.metadata`: the view the annotation was drawn on. */
export interface AnnotationMetadata {
  /** The tool that owns the annotation: `Length`, `Probe`, `RectangleROI`, … */
  toolName: string;
  /** The Cornerstone image id of the image (frame) the annotation was drawn on. */
  referencedImageId?: string;
  /** The DICOM Frame of Reference UID of the view. */
  FrameOfReferenceUID?: string;
  /** The normal of the view plane, world coordinates. */
  viewPlaneNormal?: Point3;
  /** The up direction of the view, world coordinates. */
  viewUp?: Point3;
  /** Anything else Cornerstone keeps there (camera, slice index, volume id, …). */
  [key: string]: unknown;
}

/** Cornerstone's `annotation.data.handles`. */
export interface AnnotationHandles {
  /** The handle points in world coordinates. */
  points?: Point3[];
  /** ArrowAnnotate: the arrow head is at the first point (`true`) or the last. */
  arrowFirst?: boolean;
  [key: string]: unknown;
}

/** Cornerstone's `annotation.data.contour` (PlanarFreehandROI, SplineROI, livewire …). */
export interface AnnotationContour {
  /** The contour's points in world coordinates. */
  polyline?: Point3[];
  /** Whether the contour is closed (the last point joins the first). */
  closed?: boolean;
  [key: string]: unknown;
}

/** Cornerstone's `annotation.data`. */
export interface AnnotationData {
  handles?: AnnotationHandles;
  /** The user's label (ArrowAnnotate's text since Cornerstone3D 1.x). */
  label?: string;
  /** ArrowAnnotate's text in Cornerstone3D before it moved to `label`. */
  text?: string;
  contour?: AnnotationContour;
  /** SplineROI: the spline type (`CATMULLROM`, `CARDINAL`, `LINEAR`, `BSPLINE`) and its runtime instance. */
  spline?: { type?: string; [key: string]: unknown };
  /** EllipticalROI: the viewport rotation when it was drawn. */
  initialRotation?: number;
  /** The measurements Cornerstone computed, per target (`imageId:…` or a volume id). */
  cachedStats?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A Cornerstone3D annotation (`Types.Annotation` of `@cornerstonejs/tools`). */
export interface CornerstoneAnnotation {
  annotationUID?: string;
  metadata?: AnnotationMetadata;
  data: AnnotationData;
  [key: string]: unknown;
}
