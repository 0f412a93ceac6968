import type { Observation } from 'fhir/r5';
import { afterEach, expect, it } from 'vitest';
import type { Store } from '../../src/index.js';
import { OBSERVATION_DERIVED_FROM, observationsFromAnnotation, selectionFromAnnotation } from '../../src/imaging/index.js';
import { openTestStore } from '../helpers.js';
import { addImage, make, obliquePlane, planeContext } from './fixtures.js';

/* Cornerstone's cachedStats become Observations derivedFrom the selection, stored and found through it. */
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

const image = addImage('1.2.826.0.1.3680043.8.498.1.2.60', obliquePlane(0.1));

it('an ellipse’s area and statistics become Observations derived from its selection, found by derived-from', async () => {
  const ellipse = make.EllipticalROI(image, 'm-ellipse', [[80, 99], [80, 51], [40, 75], [120, 75]]);
  // As EllipticalROITool._calculateCachedStats leaves them for a CT image (null before computed are skipped).
  const stats = { Modality: 'CT', area: 1507.96, mean: 41.5, max: 180, min: -20, stdDev: 12.25, areaUnit: 'mm\u00b2', modalityUnit: 'HU', statsArray: [] };
  // Another target first (a volume view of the same annotation): the image's own stats are the ones taken.
  ellipse.data.cachedStats = { 'volumeId:other': { area: 1 } as unknown as typeof stats, [`imageId:${image}`]: stats };
  store = await openTestStore();
  const selection = await store.create(selectionFromAnnotation(ellipse, planeContext()));
  const reference = { reference: `ImagingSelection/${selection.id}` };
  const observations = observationsFromAnnotation(ellipse, reference, { reference: 'Patient/p1' });
  const byCode = new Map(observations.map((o) => [o.code.coding![0]!.display, o.valueQuantity]));
  expect([...byCode.keys()].sort()).toEqual(['Area', 'Maximum', 'Mean', 'Minimum', 'Standard Deviation']);
  expect(byCode.get('Area')).toEqual({ value: stats.area, unit: 'mm\u00b2', system: 'http://unitsofmeasure.org', code: 'mm2' });
  expect(byCode.get('Mean')).toEqual({ value: stats.mean, unit: 'HU', system: 'http://unitsofmeasure.org', code: "[hnsf'U]" });
  for (const o of observations) await store.create(o);
  await store.registerSearchParameter(OBSERVATION_DERIVED_FROM);
  const found = await store.search('Observation', { 'derived-from': reference.reference });
  expect((found.entry ?? []).map((e) => (e.resource as Observation).valueQuantity?.value).sort((a, b) => a! - b!)).toEqual([stats.min, stats.stdDev, stats.mean, stats.max, stats.area]);
});

it('a length without computed stats (Cornerstone’s nulls) gives no Observation; pixel units stay text', () => {
  const length = make.Length(image, 'm-length', [[1, 1], [9, 9]]);
  // Cornerstone's placeholder before it computes (its types say number, its code writes null).
  length.data.cachedStats = { [`imageId:${image}`]: { length: null, unit: null } as unknown as { length: number; unit: string } };
  expect(observationsFromAnnotation(length, { reference: 'ImagingSelection/x' })).toEqual([]);
  length.data.cachedStats = { [`imageId:${image}`]: { length: 11.3, unit: 'px' } };
  expect(observationsFromAnnotation(length, { reference: 'ImagingSelection/x' }).map((o) => o.valueQuantity)).toEqual([{ value: 11.3, unit: 'px' }]);
});
