/**
 * What the page of `npm run bench:browser` offers the driver (bench/browser/run.ts) as `globalThis.bench`. Every
 * time is measured in the page (`performance.now()`), so the driver's round trips to Chromium are not in it.
 * @module
 */

/** The side a call measures. */
export type Side = 'store' | 'raw';

/** A read as the page describes it. */
export interface MeasureInfo {
  /** Short name, the row of the results table. */
  name: string;
  /** The FHIR search the store answers (or what it calls). */
  query: string;
  /** What to know about the query's data. */
  note?: string;
  /** How raw IndexedDB answers it. */
  rawPlan: string;
  /** Whether the answer's order is part of it (sorted pages). */
  ordered: boolean;
  /** Calls per timed run (the time reported is per call). */
  reps: number;
}

/** One timed call: its time (per rep) and the ids of its answer. */
export interface Timed {
  ms: number;
  ids: string[];
}

/** Bytes a side's storage bucket holds (`StorageBucket.estimate().usage`), when the browser has storage buckets. */
export interface DiskUsage {
  store: number;
  raw: number;
}

/** The page's API. */
export interface BenchApi {
  /** Opens the store and the raw database, each in its own storage bucket, for n ImagingSelections. */
  open(n: number): Promise<{ userAgent: string; buckets: boolean; isolated: boolean }>;
  /** Writes resources [from, to) of a kind in one transaction (a transaction Bundle for the store); ms. */
  load(side: Side, kind: 'Patient' | 'ImagingSelection', from: number, to: number): Promise<number>;
  /** Writes the store's pending full-text postings now (`store.flushIndex()`); ms. */
  flushIndex(): Promise<number>;
  /** Creates the k-th extra ImagingSelection (the store first: its id is the raw side's); ms. */
  create(side: Side, k: number): Promise<number>;
  measures(): Promise<MeasureInfo[]>;
  run(name: string, side: Side): Promise<Timed>;
  /** Bytes on disk per side, or undefined without storage buckets. */
  disk(): Promise<DiskUsage | undefined>;
}
