/**
 * `fhir-offline-store/imaging`: Cornerstone3D tool annotations ↔ FHIR R5 ImagingSelection. Imports nothing from
 * Cornerstone (its packages are optional peers): an app passes its annotations and, for world ↔ image
 * coordinates, either the image planes or Cornerstone's own `utilities`. Not exported from the main entry.
 * @see https://hl7.org/fhir/R5/imagingselection.html
 * @packageDocumentation
 */
export { selectionFromAnnotation, MAPPED_TOOLS } from './to-selection.js';
export type { RegionType } from './to-selection.js';
export { annotationsFromSelection } from './from-selection.js';
export type { AnnotationContour, AnnotationData, AnnotationHandles, AnnotationMetadata, CornerstoneAnnotation, Point2, Point3 } from './annotation.js';
export type { DicomImage, ImagingContext, SelectedImage } from './context.js';
export { imageToWorld, planeConverter, worldToImage } from './image-plane.js';
export type { CoordinateConverter, ImagePlane } from './image-plane.js';
export { ANNOTATION_UID_SYSTEM, AREA, CENTER, CORNERSTONE_EXTENSION, DCM, FINDING, LENGTH, NOTE_EXTENSION, SNOMED } from './codes.js';
export { ANNOTATION_EVENTS, bindAnnotations } from './bind.js';
export type { AnnotationBinding, AnnotationStateLike, BindOptions, EventTargetLike } from './bind.js';
export { OBSERVATION_DERIVED_FROM, observationsFromAnnotation } from './measurements.js';
