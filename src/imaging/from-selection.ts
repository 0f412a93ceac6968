import type { Extension, ImagingSelection, ImagingSelectionInstanceImageRegion2D } from 'fhir/r5';
import type { AnnotationData, CornerstoneAnnotation, Point2, Point3 } from './annotation.js';
import { ANNOTATION_UID_SYSTEM, NOTE_EXTENSION } from './codes.js';
import { cannotMap, imageCoordinates, type ImageCoordinates, type ImagingContext } from './context.js';
import { readCornerstoneExtension, type CornerstoneDetails } from './cornerstone-extension.js';
import { circleHandles, type RegionType } from './to-selection.js';

/** The tool a region becomes when the selection does not say (one made elsewhere). */
function inferTool(regionType: string, pairs: number): string {
  switch (regionType) {
    case 'point':
      return 'Probe';
    case 'polyline':
      return pairs === 2 ? 'Length' : 'PlanarFreehandROI';
    case 'interpolated':
      return 'SplineROI';
    case 'circle':
      return 'CircleROI';
    case 'ellipse':
      return 'EllipticalROI';
    default:
      throw cannotMap(`the region type ${regionType} is not an R5 2D region type`);
  }
}

/** The region types each tool reads, with the number of coordinate pairs (or the least, when `min`). */
const SHAPES: Record<string, { types: RegionType[]; pairs: number; min?: boolean }> = {
  Probe: { types: ['point'], pairs: 1 },
  Length: { types: ['polyline'], pairs: 2 },
  ArrowAnnotate: { types: ['polyline'], pairs: 2 },
  RectangleROI: { types: ['polyline'], pairs: 5 },
  EllipticalROI: { types: ['ellipse'], pairs: 4 },
  CircleROI: { types: ['circle'], pairs: 2 },
  PlanarFreehandROI: { types: ['polyline'], pairs: 2, min: true },
  SplineROI: { types: ['interpolated', 'polyline'], pairs: 3, min: true },
};

const isClosed = (p: Point2[]): boolean => p.length > 2 && p[0]![0] === p[p.length - 1]![0] && p[0]![1] === p[p.length - 1]![1];

/** The handles and data of one tool from the region's image points. */
function toolData(details: CornerstoneDetails, p: Point2[], c: ImageCoordinates): AnnotationData {
  const world = (q: Point2): Point3 => c.toWorld(q);
  const ordered = (): Point3[] => {
    const order = details.handleOrder ?? p.map((_, i) => i);
    const out: Point3[] = [];
    order.forEach((handle, k) => {
      if (!Number.isInteger(handle) || handle < 0 || handle >= p.length) throw cannotMap(`handleOrder ${order.join(',')} names no handle of the ${p.length} points`);
      if (out[handle] === undefined) out[handle] = world(p[k]!);
    });
    if (out.length !== new Set(order).size || out.some((h) => h === undefined)) throw cannotMap(`handleOrder ${order.join(',')} leaves a handle out`);
    return out;
  };
  switch (details.toolName) {
    case 'ArrowAnnotate':
      return { handles: { points: ordered(), arrowFirst: details.arrowFirst === true, activeHandleIndex: null } };
    case 'CircleROI':
      if (details.derivedHandles === 'circle-5' || details.derivedHandles === 'circle-5-mirrored') {
        return { handles: { points: circleHandles(p[0]!, p[1]!, details.derivedHandles === 'circle-5-mirrored').map(world), activeHandleIndex: null } };
      }
      return { handles: { points: ordered(), activeHandleIndex: null } };
    case 'PlanarFreehandROI': {
      const closed = details.closed ?? isClosed(p);
      const ring = (closed ? p.slice(0, -1) : p).map(world);
      const ends = details.derivedHandles === 'contour-ends' && !closed ? [ring[0]!, ring[ring.length - 1]!] : [];
      return { handles: { points: ends, activeHandleIndex: null }, contour: { polyline: ring, closed } };
    }
    case 'SplineROI': {
      const closed = details.closed ?? isClosed(p);
      const controls = (closed ? p.slice(0, -1) : p).map(world);
      return { handles: { points: controls, activeHandleIndex: null }, contour: { polyline: [], closed }, spline: { type: details.splineType ?? 'CATMULLROM' } };
    }
    case 'EllipticalROI':
      return { handles: { points: ordered(), activeHandleIndex: null }, initialRotation: 0 };
    default:
      return { handles: { points: ordered(), activeHandleIndex: null } };
  }
}

const labelOf = (extensions: Extension[] | undefined): string =>
  extensions?.find((e) => e.url === NOTE_EXTENSION)?.valueAnnotation?.text ?? '';

/**
 * Maps an R5 ImagingSelection to the Cornerstone3D annotations that draw it: one per 2D region and selected frame
 * (an `instance.subset` of frame numbers applies the region to each frame), on the image id the context gives for
 * each instance and frame, with handles in world coordinates. A selection made from an annotation comes back as
 * that annotation (tool, UID, label, handle order); one made elsewhere becomes the tool that draws its region
 * type. Throws a FhirError (422) for a selection with no 2D region, or an image the context cannot name.
 * @see https://hl7.org/fhir/R5/imagingselection.html
 */
export function annotationsFromSelection(selection: ImagingSelection, context: ImagingContext): CornerstoneAnnotation[] {
  const details = readCornerstoneExtension(selection.extension);
  const uid = selection.identifier?.find((i) => i.system === ANNOTATION_UID_SYSTEM)?.value ?? selection.id;
  const label = labelOf(selection.extension);
  const out: CornerstoneAnnotation[] = [];
  const instances = selection.instance ?? [];
  instances.forEach((instance, i) => {
    const regions: ImagingSelectionInstanceImageRegion2D[] = instance.imageRegion2D ?? [];
    const frames = instance.subset && instance.subset.length > 0 ? instance.subset.map((s) => frameNumber(s, i)) : [undefined];
    regions.forEach((region, r) => {
      const where = `ImagingSelection.instance[${i}].imageRegion2D[${r}]`;
      const coords = region.coordinate ?? [];
      if (coords.length === 0 || coords.length % 2 !== 0 || !coords.every((v) => Number.isFinite(v))) {
        throw cannotMap(`${where} needs (column, row) pairs of numbers, it has ${coords.length} values`, `${where}.coordinate`);
      }
      const p: Point2[] = [];
      for (let k = 0; k < coords.length; k += 2) p.push([coords[k]!, coords[k + 1]!]);
      const tool = details ?? { toolName: inferTool(region.regionType, p.length) };
      const shape = SHAPES[tool.toolName];
      if (!shape) throw cannotMap(`the Cornerstone tool ${tool.toolName} of ${where} is not one this bridge maps`);
      if (!shape.types.includes(region.regionType as RegionType) || (shape.min ? p.length < shape.pairs : p.length !== shape.pairs)) {
        throw cannotMap(`a ${tool.toolName} cannot draw the ${region.regionType} of ${where} with ${p.length} points`, `${where}.regionType`);
      }
      for (const frame of frames) {
        if (!context.imageId) throw cannotMap('the context cannot name the image id of a selected image (context.imageId)');
        const imageId = context.imageId({
          ...(selection.studyUid ? { studyInstanceUid: selection.studyUid } : {}),
          ...(selection.seriesUid ? { seriesInstanceUid: selection.seriesUid } : {}),
          sopInstanceUid: instance.uid,
          ...(frame !== undefined ? { frameNumber: frame } : {}),
        });
        if (!imageId) throw cannotMap(`the context knows no image id for SOP instance ${instance.uid}${frame !== undefined ? ` frame ${frame}` : ''}`, `ImagingSelection.instance[${i}].uid`);
        const data = toolData(tool, p, imageCoordinates(context, imageId, context.image?.(imageId)?.imagePlane));
        data.label = label;
        data.cachedStats = {};
        const many = instances.length > 1 || regions.length > 1 || frames.length > 1;
        out.push({
          ...(uid ? { annotationUID: many ? `${uid}.${i}.${r}${frame !== undefined ? `.${frame}` : ''}` : uid } : {}),
          highlighted: false,
          isLocked: false,
          isVisible: true,
          invalidated: true,
          autoGenerated: false,
          metadata: {
            toolName: tool.toolName,
            referencedImageId: imageId,
            ...(selection.frameOfReferenceUid ? { FrameOfReferenceUID: selection.frameOfReferenceUid } : {}),
          },
          data,
        });
      }
    });
  });
  if (out.length === 0) throw cannotMap('the ImagingSelection has no 2D image region to draw', 'ImagingSelection.instance.imageRegion2D');
  return out;
}

/** A frame number of `instance.subset` (a positive integer for a multi-frame image). */
function frameNumber(subset: string, i: number): number {
  if (!/^[1-9]\d*$/.test(subset)) throw cannotMap(`instance[${i}].subset ${subset} is not a frame number`, `ImagingSelection.instance[${i}].subset`);
  return Number(subset);
}
