/**
 * The saved figures of one `npm run bench:browser` run at one size: bench/browser/results/<n>.json.
 * @module
 */

/** Medians of one read, both ways. */
export interface QueryFigure {
  name: string;
  query: string;
  note?: string;
  rawPlan: string;
  /** Rows (or the total, for `_count=0`) in the answer, the same on both sides. */
  answer: number;
  /** Median ms per call. */
  store: number;
  raw: number;
  storeRuns: number[];
  rawRuns: number[];
}

/** Store and raw, ms per resource. */
export interface PairFigure {
  store: number;
  raw: number;
}

export interface BrowserResult {
  /** ImagingSelections loaded in bulk. */
  n: number;
  patients: number;
  /** Resources per transaction (a transaction Bundle for the store). */
  chunk: number;
  commit: string;
  date: string;
  chromium: string;
  cpus: number;
  /** Wall time of the whole run at this size, seconds. */
  seconds: number;
  load: {
    /** ImagingSelections, ms per resource over the whole load. */
    selections: PairFigure;
    /** Patients, ms per resource. */
    patients: PairFigure;
    /** ms per resource over the first and the last slice of `sliceSize` selections. */
    first: PairFigure;
    last: PairFigure;
    sliceSize: number;
    /**
     * The whole load with the full-text postings the store writes after it (`flushIndex`, timed right after the
     * load) added to the store's side, ms per resource: the work the background writer does later, counted.
     */
    withPostings?: PairFigure;
    /** Per transaction of `chunk` selections: [store ms, raw ms]. */
    chunks: [number, number][];
  };
  /** Single creates (`store.create`; raw: one put and a history row in one transaction): median ms. */
  create: PairFigure & { count: number };
  queries: QueryFigure[];
  /** Bytes per resource on disk (storage bucket usage over every resource written), when measured. */
  disk?: PairFigure & { resources: number; storeBytes: number; rawBytes: number };
  /** Size of the profile's directory after the run (both sides), bytes. */
  profileBytes: number;
}
