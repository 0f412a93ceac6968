// A consumer's code, typechecked against the packed package by scripts/check-types.mjs (copied into each fixture
// as index.ts). Every type below is asserted exactly, and the @ts-expect-error lines must fail: a result that
// silently became `any` (an unresolved `fhir/r5`, a declaration file the resolution mode cannot read) breaks
// the check instead of passing it. `fhir/r5.js`, not `fhir/r5`: @types/fhir has no `exports` map, so an ES
// module under node16/nodenext must name the file (the name resolves under every other mode too).
import type { Bundle, FhirResource, ImagingSelection, Patient } from 'fhir/r5.js';
import { FhirError, openStore, type ResourceOf, type ResourceType, type Store, type StoreChange } from 'fhir-offline-store';
import { startServer, type RunningServer } from 'fhir-offline-store/server';
import { annotationsFromSelection, selectionFromAnnotation, type CornerstoneAnnotation, type ImagingContext } from 'fhir-offline-store/imaging';

/** True when A and B are the same type (`any` equals nothing but `any`). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | undefined {
  return undefined;
}

export async function main(): Promise<void> {
  const store: Store = await openStore({ name: 'consumer' });

  const created = await store.create({ resourceType: 'ImagingSelection', status: 'available', code: { text: 'Key images' } });
  expectType<Equal<typeof created, ImagingSelection>>();

  const selection = await store.read('ImagingSelection', created.id ?? '');
  expectType<Equal<typeof selection, ImagingSelection>>();
  // @ts-expect-error an ImagingSelection has no birthDate: read must not return `any`
  void selection.birthDate;
  // @ts-expect-error not an R5 resource type
  await store.read('ImagingSelectoin', 'x');

  const patient = await store.read<Patient>('Patient', 'p1');
  expectType<Equal<typeof patient, Patient>>();
  // @ts-expect-error the type name must be the type argument's resourceType
  await store.read<Patient>('ImagingSelection', 'p1');

  const v1 = await store.vread('ImagingSelection', selection.id ?? '', '1');
  expectType<Equal<typeof v1, ImagingSelection>>();
  const updated = await store.update({ ...selection, status: 'unknown' }, { ifMatch: 'W/"1"' });
  expectType<Equal<typeof updated, ImagingSelection>>();
  const patched = await store.patch('ImagingSelection', selection.id ?? '', [{ op: 'replace', path: '/status', value: 'available' }]);
  expectType<Equal<typeof patched, ImagingSelection>>();

  const page = await store.search('ImagingSelection', { status: 'available', _sort: '-issued' });
  expectType<Equal<typeof page, Bundle<ImagingSelection>>>();
  const match = page.entry?.[0]?.resource;
  expectType<Equal<typeof match, ImagingSelection | undefined>>();
  // @ts-expect-error search must not return `any`
  void match?.birthDate;

  const withSubjects = await store.search('ImagingSelection', { _include: 'ImagingSelection:subject' });
  expectType<Equal<typeof withSubjects, Bundle<FhirResource>>>();
  const fromString = await store.search('ImagingSelection', 'status=available&_count=10');
  expectType<Equal<typeof fromString, Bundle<ImagingSelection>>>();

  const history = await store.history('ImagingSelection', selection.id);
  expectType<Equal<typeof history, Bundle<ImagingSelection>>>();
  const everything = await store.history();
  expectType<Equal<typeof everything, Bundle<FhirResource>>>();

  const name: ResourceType = 'ImagingSelection';
  const same: ResourceOf<typeof name> = selection;
  const subscription = store.changes$.subscribe((change: StoreChange) => void change.op);
  store.watch('ImagingSelection', { status: 'available' }).subscribe((bundle) => {
    expectType<Equal<typeof bundle, Bundle<ImagingSelection>>>();
  });
  subscription.unsubscribe();

  try {
    await store.read('ImagingSelection', 'missing');
  } catch (e) {
    if (e instanceof FhirError) void e.outcome.issue[0]?.diagnostics;
  }

  // The imaging subpath: its results are R5 types, not `any`.
  const context: ImagingContext = { image: () => undefined, imageId: () => undefined };
  const annotation: CornerstoneAnnotation = { metadata: { toolName: 'Probe', referencedImageId: 'x' }, data: { handles: { points: [[0, 0, 0]] } } };
  const fromAnnotation = (): ImagingSelection => selectionFromAnnotation(annotation, context);
  expectType<Equal<ReturnType<typeof selectionFromAnnotation>, ImagingSelection>>();
  expectType<Equal<ReturnType<typeof annotationsFromSelection>, CornerstoneAnnotation[]>>();
  void fromAnnotation;

  const server: RunningServer = await startServer({ store, port: 0 });
  void same;
  await server.close();
  store.close();
}
