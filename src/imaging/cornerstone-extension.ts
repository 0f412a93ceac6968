import type { Extension } from 'fhir/r5';
import { CORNERSTONE_EXTENSION } from './codes.js';

/**
 * What the `cornerstone-annotation` extension carries (docs/imaging.md): everything a Cornerstone3D annotation
 * needs beyond the R5 region to come back as the same annotation.
 */
export interface CornerstoneDetails {
  /** The Cornerstone tool name (`Length`, `EllipticalROI`, …). */
  toolName: string;
  /** For each coordinate pair of the region, the index of the Cornerstone handle it holds; absent: 0, 1, 2, … */
  handleOrder?: number[];
  /**
   * Handles Cornerstone keeps that the region does not hold, and how to make them again: `circle-5` (CircleROI's
   * top, bottom, left, right points around the centre), `circle-5-mirrored` (the same on a flipped view),
   * `contour-ends` (an open freehand contour's first and last points).
   */
  derivedHandles?: string;
  /** ArrowAnnotate: the arrow head is at the first point. */
  arrowFirst?: boolean;
  /**
   * PlanarFreehandROI, SplineROI: whether the contour is closed. R5 reads a polyline whose last point repeats its
   * first as closed; this says so outright, so an open path that happens to end where it began stays open.
   */
  closed?: boolean;
  /** SplineROI: Cornerstone's spline type (`CATMULLROM`, `CARDINAL`, `LINEAR`). */
  splineType?: string;
}

/** The extension for `details`. */
export function cornerstoneExtension(details: CornerstoneDetails): Extension {
  const parts: Extension[] = [{ url: 'toolName', valueString: details.toolName }];
  if (details.handleOrder) parts.push({ url: 'handleOrder', valueString: details.handleOrder.join(',') });
  if (details.derivedHandles) parts.push({ url: 'derivedHandles', valueCode: details.derivedHandles });
  if (details.arrowFirst !== undefined) parts.push({ url: 'arrowFirst', valueBoolean: details.arrowFirst });
  if (details.splineType) parts.push({ url: 'splineType', valueCode: details.splineType });
  if (details.closed !== undefined) parts.push({ url: 'closed', valueBoolean: details.closed });
  return { url: CORNERSTONE_EXTENSION, extension: parts };
}

/** Reads the extension back; `undefined` when the resource has none (a selection made elsewhere). */
export function readCornerstoneExtension(extensions: Extension[] | undefined): CornerstoneDetails | undefined {
  const ext = extensions?.find((e) => e.url === CORNERSTONE_EXTENSION);
  if (!ext) return undefined;
  const part = (url: string): Extension | undefined => ext.extension?.find((e) => e.url === url);
  const toolName = part('toolName')?.valueString;
  if (!toolName) return undefined;
  const order = part('handleOrder')?.valueString;
  const details: CornerstoneDetails = { toolName };
  if (order) details.handleOrder = order.split(',').map(Number);
  const derived = part('derivedHandles')?.valueCode;
  if (derived) details.derivedHandles = derived;
  const arrowFirst = part('arrowFirst')?.valueBoolean;
  if (arrowFirst !== undefined) details.arrowFirst = arrowFirst;
  const splineType = part('splineType')?.valueCode;
  if (splineType) details.splineType = splineType;
  const closed = part('closed')?.valueBoolean;
  if (closed !== undefined) details.closed = closed;
  return details;
}
