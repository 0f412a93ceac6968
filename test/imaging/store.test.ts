import type { ImagingSelection } from 'fhir/r5';
import { afterEach, expect, it } from 'vitest';
import type { Store } from '../../src/index.js';
import { annotationsFromSelection, AREA, LENGTH, MAPPED_TOOLS, selectionFromAnnotation, type CornerstoneAnnotation } from '../../src/imaging/index.js';
import { openTestStore } from '../helpers.js';
import { addImage, make, obliquePlane, planeContext } from './fixtures.js';

/*
 * A selection made from an annotation is a valid ImagingSelection for this store: it is created through a real
 * store (validation included), found again by code, subject and derived-from, and read back into the annotation.
 */
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

const plane = obliquePlane(-0.7);
const image = addImage('1.2.826.0.1.3680043.8.498.1.2.30', plane);
const frame = addImage('1.2.826.0.1.3680043.8.498.1.2.31', plane, 3);
const outline: [number, number][] = [[10, 10], [60, 12], [70, 80], [15, 66]];

/** One annotation of every mapped tool: two of them on patient p1 / study s1, the rest on p2 / s2. */
const annotations: [CornerstoneAnnotation, string, string][] = [
  [make.Length(image, 'a-length', [[10, 10], [100, 120]], 'diameter'), 'p1', 's1'],
  [make.EllipticalROI(frame, 'a-ellipse', [[80, 99], [80, 51], [40, 75], [120, 75]], 'lesion 1'), 'p1', 's1'],
  [make.Probe(image, 'a-probe', [[33, 44]]), 'p2', 's2'],
  [make.ArrowAnnotate(image, 'a-arrow', [[5, 5], [50, 50]], 'here'), 'p2', 's2'],
  [make.RectangleROI(image, 'a-rect', [[10, 10], [60, 10], [10, 40], [60, 40]]), 'p2', 's2'],
  [make.CircleROI(image, 'a-circle', [[100, 100], [100, 80], [100, 120], [80, 100], [120, 100]]), 'p2', 's2'],
  [make.PlanarFreehandROI(image, 'a-free', outline), 'p2', 's2'],
  [make.SplineROI(image, 'a-spline', outline), 'p2', 's2'],
];

it('stores a selection of every tool, finds them by code, subject and derived-from, and reads them back', async () => {
  expect(new Set(annotations.map(([a]) => a.metadata!.toolName))).toEqual(new Set(MAPPED_TOOLS));
  store = await openTestStore();
  const stored = new Map<string, ImagingSelection>();
  for (const [annotation, patient, study] of annotations) {
    const context = planeContext({ subject: { reference: `Patient/${patient}` }, imagingStudy: { reference: `ImagingStudy/${study}` } });
    const created = await store.create(selectionFromAnnotation(annotation, context));
    stored.set(annotation.annotationUID!, created);
  }
  const ids = async (params: Record<string, string>): Promise<string[]> =>
    ((await store!.search('ImagingSelection', params)).entry ?? []).map((e) => (e.resource as ImagingSelection).identifier![0]!.value!).sort();

  const areas = annotations.filter(([a]) => !['Length', 'Probe', 'ArrowAnnotate'].includes(a.metadata!.toolName)).map(([a]) => a.annotationUID!);
  expect(await ids({ code: `${AREA.system}|${AREA.code}` })).toEqual(areas.sort());
  expect(await ids({ code: `${LENGTH.system}|${LENGTH.code}` })).toEqual(['a-length']);
  expect(await ids({ subject: 'Patient/p1' })).toEqual(['a-ellipse', 'a-length']);
  expect(await ids({ 'derived-from': 'ImagingStudy/s1', code: `${AREA.system}|${AREA.code}` })).toEqual(['a-ellipse']);
  expect(await ids({ 'derived-from': 'ImagingStudy/s2' })).toHaveLength(6);

  for (const [annotation] of annotations) {
    const read = await store.read('ImagingSelection', stored.get(annotation.annotationUID!)!.id!);
    const [back] = annotationsFromSelection(read, planeContext());
    expect(back!.annotationUID).toBe(annotation.annotationUID);
    expect(back!.metadata?.referencedImageId).toBe(annotation.metadata!.referencedImageId);
    expect(back!.data.handles?.points?.length).toBe(annotation.data.handles?.points?.length);
  }
});
