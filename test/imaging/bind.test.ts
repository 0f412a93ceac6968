import type { ImagingSelection } from 'fhir/r5';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { FhirError } from '../../src/errors/fhir-error.js';
import type { Store } from '../../src/index.js';
import { ANNOTATION_EVENTS, bindAnnotations, selectionFromAnnotation, worldToImage, type AnnotationBinding, type AnnotationStateLike, type CornerstoneAnnotation } from '../../src/imaging/index.js';
import { openTestStore } from '../helpers.js';
import { addImage, make, obliquePlane, planeContext, world } from './fixtures.js';

/*
 * bindAnnotations against Cornerstone3D's own annotation state and event target (@cornerstonejs/tools and core,
 * in Node), with the event sequences its tools send: ADDED when a drawing starts, MODIFIED on every mouse move,
 * COMPLETED when the drawing ends, MODIFIED alone for a later drag of a handle, REMOVED on delete.
 */
type Cornerstone = {
  eventTarget: EventTarget;
  triggerEvent: (target: EventTarget, type: string, detail: unknown) => boolean;
  state: AnnotationStateLike;
};
let cs: Cornerstone;
beforeAll(async () => {
  // Cornerstone's addAnnotation checks `instanceof HTMLDivElement`, which Node lacks: any class answers false.
  (globalThis as { HTMLDivElement?: unknown }).HTMLDivElement ??= class {};
  const core = await import('@cornerstonejs/core');
  const tools = await import('@cornerstonejs/tools');
  cs = { eventTarget: core.eventTarget as unknown as EventTarget, triggerEvent: core.triggerEvent as Cornerstone['triggerEvent'], state: tools.annotation.state as unknown as AnnotationStateLike };
});

const plane = obliquePlane(0.25);
const image = addImage('1.2.826.0.1.3680043.8.498.1.2.50', plane);
const uid = (n: number): string => `0b6f3f0e-5d1c-4c1e-9a3e-00000000000${n}`;

let store: Store | undefined;
let binding: AnnotationBinding | undefined;
afterEach(async () => {
  await binding?.unbind();
  binding = undefined;
  await store?.close();
  store = undefined;
});

/** Timers the test runs by hand: a settle spell passes when the test says so. */
function manualTimers() {
  const queue = new Map<number, () => void>();
  let next = 0;
  return {
    setTimeout: (fn: () => void): unknown => (queue.set(++next, fn), next),
    clearTimeout: (h: unknown): void => void queue.delete(h as number),
    runAll: (): void => {
      const fns = [...queue.values()];
      queue.clear();
      fns.forEach((f) => f());
    },
    get size(): number {
      return queue.size;
    },
  };
}

async function setup() {
  store = await openTestStore();
  const timers = manualTimers();
  let renders = 0;
  const waiters: (() => void)[] = [];
  binding = bindAnnotations(store, {
    annotationState: cs.state,
    eventTarget: cs.eventTarget,
    context: planeContext({ subject: { reference: 'Patient/p1' }, imagingStudy: { reference: 'ImagingStudy/s1' } }),
    query: { 'derived-from': 'ImagingStudy/s1' },
    timers,
    render: () => {
      renders += 1;
      waiters.splice(0).forEach((w) => w());
    },
    onError: (e) => {
      throw e;
    },
  });
  /** Resolves after the binding next applies store changes onto the annotation state. */
  const rendered = (): Promise<void> => new Promise((resolve) => waiters.push(resolve));
  return { store, binding, timers, rendered, renders: () => renders };
}

const fire = (type: string, annotation: CornerstoneAnnotation): void => void cs.triggerEvent(cs.eventTarget, type, { annotation });
const version = async (s: Store, id: string): Promise<string | undefined> => (await s.read('ImagingSelection', id)).meta?.versionId;
const imagePoints = (a: CornerstoneAnnotation) => (a.data.handles?.points ?? []).map((p) => worldToImage(plane, p));

/** Draws a Length as the tool does: added, modified on each move, completed. */
function draw(id: string, from: [number, number], to: [number, number], moves = 25): CornerstoneAnnotation {
  const a = make.Length(image, id, [from, from]);
  cs.state.addAnnotation(a);
  fire(ANNOTATION_EVENTS.added, a);
  for (let i = 1; i <= moves; i += 1) {
    a.data.handles!.points![1] = world(image, [from[0] + ((to[0] - from[0]) * i) / moves, from[1] + ((to[1] - from[1]) * i) / moves]);
    fire(ANNOTATION_EVENTS.modified, a);
  }
  fire(ANNOTATION_EVENTS.completed, a);
  return a;
}

it('a drawing is one create when it completes, not one write per mouse move', async () => {
  const { store, binding, timers } = await setup();
  draw(uid(1), [10, 10], [80, 90]);
  await binding.settled();
  expect(timers.size).toBe(0);
  const stored = await store.read('ImagingSelection', uid(1));
  expect(stored.meta?.versionId).toBe('1');
  expect(stored.instance?.[0]?.imageRegion2D?.[0]?.coordinate.slice(2).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([80, 90]);
  expect((await store.history('ImagingSelection', uid(1))).entry).toHaveLength(1);
});

it('a handle drag is one update once the edit settles', async () => {
  const { store, binding, timers } = await setup();
  const a = draw(uid(2), [10, 10], [80, 90]);
  await binding.settled();
  for (let i = 0; i < 15; i += 1) {
    a.data.handles!.points![0] = world(image, [10 + i, 12]);
    fire(ANNOTATION_EVENTS.modified, a);
  }
  await binding.settled();
  expect(await version(store, uid(2))).toBe('1'); // still dragging: nothing written
  timers.runAll();
  await binding.settled();
  expect(await version(store, uid(2))).toBe('2');
  const region = (await store.read('ImagingSelection', uid(2))).instance![0]!.imageRegion2D![0]!;
  expect(region.coordinate[0]).toBeCloseTo(24, 9);
  expect(region.coordinate[1]).toBeCloseTo(12, 9);
});

it('a modification that changes nothing (Cornerstone recomputing statistics) writes no new version', async () => {
  const { store, binding, timers } = await setup();
  const a = draw(uid(9), [10, 10], [80, 90]);
  await binding.settled();
  fire(ANNOTATION_EVENTS.modified, a);
  timers.runAll();
  await binding.settled();
  expect(await version(store, uid(9))).toBe('1');
  // A real edit after it still is one.
  a.data.handles!.points![0] = world(image, [11, 10]);
  fire(ANNOTATION_EVENTS.modified, a);
  timers.runAll();
  await binding.settled();
  expect(await version(store, uid(9))).toBe('2');
});

it('an edit keeps the elements the annotation does not map (issued, performer, basedOn) from the stored version', async () => {
  const { store, binding, timers } = await setup();
  const a = draw(uid(8), [10, 10], [80, 90]);
  await binding.settled();
  const stored = await store.read<ImagingSelection>('ImagingSelection', uid(8));
  await store.update<ImagingSelection>({ ...stored, issued: '2026-11-03T12:00:00Z', performer: [{ actor: { reference: 'Practitioner/r1' } }], basedOn: [{ reference: 'ServiceRequest/o1' }] });
  // Shown again (statistics recomputed): nothing the annotation holds changed, so nothing is written.
  fire(ANNOTATION_EVENTS.modified, a);
  timers.runAll();
  await binding.settled();
  expect(await version(store, uid(8))).toBe('2');
  // A drag: the region changes, and what the annotation does not hold stays.
  a.data.handles!.points![0] = world(image, [20, 10]);
  fire(ANNOTATION_EVENTS.modified, a);
  timers.runAll();
  await binding.settled();
  const edited = await store.read<ImagingSelection>('ImagingSelection', uid(8));
  expect(edited.meta?.versionId).toBe('3');
  expect(edited.instance?.[0]?.imageRegion2D?.[0]?.coordinate[0]).toBeCloseTo(20, 9);
  expect(edited).toMatchObject({ issued: '2026-11-03T12:00:00Z', performer: [{ actor: { reference: 'Practitioner/r1' } }], basedOn: [{ reference: 'ServiceRequest/o1' }] });
});

it('a removal deletes the selection', async () => {
  const { store, binding } = await setup();
  draw(uid(3), [10, 10], [30, 30]);
  await binding.settled();
  cs.state.removeAnnotation(uid(3));
  await binding.settled();
  await expect(store.read('ImagingSelection', uid(3))).rejects.toSatisfy((e: unknown) => e instanceof FhirError && e.status === 410);
});

it('a change from the store is not overwritten by a modification here that edits nothing (statistics recomputed)', async () => {
  const { store, binding, timers, rendered } = await setup();
  const context = planeContext({ subject: { reference: 'Patient/p1' }, imagingStudy: { reference: 'ImagingStudy/s1' } });
  const a = draw(uid(7), [10, 10], [80, 90]);
  await binding.settled();
  // Cornerstone recomputes statistics: a modification waits for its quiet spell, changing nothing.
  fire(ANNOTATION_EVENTS.modified, a);
  expect(timers.size).toBe(1);
  // Meanwhile another workstation's edit of the same length arrives (a pull).
  const moved = make.Length(image, uid(7), [[30, 40], [70, 60]]);
  const shown = rendered();
  await store.update({ ...selectionFromAnnotation(moved, context), id: uid(7) } as ImagingSelection);
  await shown;
  expect(imagePoints(cs.state.getAnnotation(uid(7))!)[0]![0]).toBeCloseTo(30, 6);
  timers.runAll();
  await binding.settled();
  // The old state was not written over it.
  expect(await version(store, uid(7))).toBe('2');
  expect((await store.read('ImagingSelection', uid(7))).instance![0]!.imageRegion2D![0]!.coordinate[0]).toBeCloseTo(30, 6);
});

it('selections written elsewhere appear, change and disappear on the annotation state', async () => {
  const { store, rendered } = await setup();
  const context = planeContext({ imagingStudy: { reference: 'ImagingStudy/s1' } });
  // Another workstation's annotation, arriving in the store (a pull, another tab).
  const remote = make.CircleROI(image, uid(4), [[100, 100], [100, 80]], 'from afar');
  let shown = rendered();
  await store.update({ ...selectionFromAnnotation(remote, context), id: uid(4) } as ImagingSelection);
  await shown;
  const local = cs.state.getAnnotation(uid(4))!;
  expect(local.metadata?.toolName).toBe('CircleROI');
  expect(local.data.label).toBe('from afar');
  imagePoints(local).forEach((p, i) => expect(Math.hypot(p[0] - imagePoints(remote)[i]![0], p[1] - imagePoints(remote)[i]![1])).toBeLessThan(1e-6));

  const moved = make.CircleROI(image, uid(4), [[120, 110], [120, 95]], 'from afar');
  shown = rendered();
  await store.update({ ...selectionFromAnnotation(moved, context), id: uid(4) } as ImagingSelection);
  await shown;
  expect(cs.state.getAnnotation(uid(4))).toBe(local); // the same object, updated in place
  expect(imagePoints(local)[0]![0]).toBeCloseTo(120, 6);

  shown = rendered();
  await store.delete('ImagingSelection', uid(4));
  await shown;
  expect(cs.state.getAnnotation(uid(4))).toBeUndefined();
  // Its removal from the state was the binding's own: no second delete was written.
  expect((await store.history('ImagingSelection', uid(4))).entry).toHaveLength(3);
});

it('a selection made elsewhere is shown read-only, as the annotations it draws, and taken off when deleted', async () => {
  const { store, rendered } = await setup();
  const foreign: ImagingSelection = {
    resourceType: 'ImagingSelection',
    id: 'foreign-1',
    status: 'available',
    code: { text: 'Region selected from image' },
    derivedFrom: [{ reference: 'ImagingStudy/s1' }],
    studyUid: '1.2.826.0.1.3680043.8.498.1',
    seriesUid: '1.2.826.0.1.3680043.8.498.1.2',
    instance: [{ uid: '1.2.826.0.1.3680043.8.498.1.2.50', imageRegion2D: [
      { regionType: 'point', coordinate: [3, 4] },
      { regionType: 'polyline', coordinate: [10, 10, 20, 10, 20, 20, 10, 10] },
    ] }],
  };
  let shown = rendered();
  await store.update(foreign);
  await shown;
  const parts = ['foreign-1.0.0', 'foreign-1.0.1'].map((u) => cs.state.getAnnotation(u));
  expect(parts.map((a) => a?.metadata?.toolName)).toEqual(['Probe', 'PlanarFreehandROI']);
  // Dragging one of them writes nothing: the selection is not this viewer's to rewrite.
  fire(ANNOTATION_EVENTS.modified, parts[0]!);
  await binding!.settled();
  expect(await version(store, 'foreign-1')).toBe('1');
  shown = rendered();
  await store.delete('ImagingSelection', 'foreign-1');
  await shown;
  expect(['foreign-1.0.0', 'foreign-1.0.1'].map((u) => cs.state.getAnnotation(u))).toEqual([undefined, undefined]);
});

it('unbind detaches every listener and the watch', async () => {
  const { store, binding, renders } = await setup();
  await binding.unbind();
  draw(uid(5), [10, 10], [40, 40]);
  await binding.settled(); // a listener still attached would have queued its write: this waits for it
  await expect(store.read('ImagingSelection', uid(5))).rejects.toBeInstanceOf(FhirError);
  const before = renders();
  const context = planeContext({ imagingStudy: { reference: 'ImagingStudy/s1' } });
  await store.update({ ...selectionFromAnnotation(make.Probe(image, uid(6), [[5, 5]]), context), id: uid(6) } as ImagingSelection);
  // A second watch of the same search has seen the write: the binding's, were it still there, would have too.
  await firstValueFrom(store.watch('ImagingSelection', { 'derived-from': 'ImagingStudy/s1' }).pipe(filter((b) => (b.entry ?? []).some((e) => e.resource?.id === uid(6)))));
  expect(cs.state.getAnnotation(uid(6))).toBeUndefined();
  expect(renders()).toBe(before);
  cs.state.removeAnnotation(uid(5));
});
