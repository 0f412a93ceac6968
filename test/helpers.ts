import { readdirSync, readFileSync } from 'node:fs';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import type { ImagingSelection } from 'fhir/r5';
import { openStore, sequentialIds, steppingClock, type Store, type StoreOptions } from '../src/index.js';
import { storeDatabase } from '../src/store.js';

/** The HL7 FHIR R5 content kept in the repository (CC0, see its README). */
export const R5_DATA = new URL('../data/hl7-fhir-r5/', import.meta.url);
export const EXAMPLES_DIR = new URL('examples/', R5_DATA);

/** The 7 official R5 ImagingSelection examples, by file name. */
export function loadExamples(): ImagingSelection[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(new URL(f, EXAMPLES_DIR), 'utf8')) as ImagingSelection);
}

/** One official example by id, e.g. `example-basic-image-selection`. */
export function example(id: string): ImagingSelection {
  const found = loadExamples().find((e) => e.id === id);
  if (!found) throw new Error(`no example ${id}`);
  return structuredClone(found);
}

/** Freezes a value and everything in it, so a test proves its input was not mutated. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** An official example by file name suffix (e.g. `2d-image-region-selection`), deep-frozen. */
export const frozenExample = (name: string): ImagingSelection =>
  deepFreeze(JSON.parse(readFileSync(new URL(`ImagingSelection-example-${name}.json`, EXAMPLES_DIR), 'utf8')) as ImagingSelection);

/** A store on its own fresh in-memory IndexedDB, with a stepping clock and sequential ids. */
export function openTestStore(options: StoreOptions = {}): Promise<Store> {
  return openStore({
    name: 'test',
    indexedDB: new IDBFactory(),
    IDBKeyRange,
    clock: steppingClock('2025-01-01T00:00:00.000Z', 1000),
    idGenerator: sequentialIds('id'),
    ...options,
  });
}

/**
 * Every row of every table, by table name: two equal snapshots mean the store did not change. The tables are
 * read from the Dexie instance (`db.tables`), so a table added to the schema is covered without editing this.
 */
export async function snapshot(store: Store): Promise<Record<string, unknown[]>> {
  // Full-text postings are written in the background once the store is quiet: write them first, so a snapshot
  // taken before and one after an interaction differ only by what the interaction did.
  await store.flushIndex();
  const db = storeDatabase(store);
  const out: Record<string, unknown[]> = {};
  for (const table of [...db.tables].sort((a, b) => a.name.localeCompare(b.name))) out[table.name] = await table.toArray();
  return out;
}

/** A minimal valid ImagingSelection. */
export function selection(overrides: Partial<ImagingSelection> = {}): ImagingSelection {
  return {
    resourceType: 'ImagingSelection',
    status: 'available',
    code: { text: 'Key Images' },
    ...overrides,
  };
}

/** POSTs a transaction Bundle of `entry` to the store (loose JSON: tests send invalid entries on purpose). */
export const postTransaction = (store: Store, entry: unknown[]) =>
  store.handle({ method: 'POST', url: '', body: { resourceType: 'Bundle', type: 'transaction', entry } });
