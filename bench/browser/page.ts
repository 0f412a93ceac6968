/**
 * The page of `npm run bench:browser` (bundled by esbuild, loaded in Chromium): the store, opened through its
 * public API only, and the raw-IndexedDB baseline, each in a storage bucket of its own so that the disk each
 * one uses can be read apart (`StorageBucket.estimate()`); the same origin, page and renderer for both.
 * @module
 */
import type { Bundle, FhirResource } from 'fhir/r5';
import { openStore, type Store } from '../../src/index.js';
import { patientAt, patientCount, selection } from './data.js';
import type { BenchApi, DiskUsage, MeasureInfo, Side, Timed } from './protocol.js';
import { measures, type Measure } from './queries.js';
import { openRaw, RawReader, rawPut } from './raw.js';

/** The Storage Buckets API (Chromium 122+), not yet in TypeScript's DOM types. */
interface StorageBucket {
  readonly indexedDB: IDBFactory;
  estimate(): Promise<StorageEstimate>;
}
interface StorageBuckets {
  open(name: string, options?: { durability?: 'strict' | 'relaxed'; persisted?: boolean }): Promise<StorageBucket>;
}

interface State {
  n: number;
  store: Store;
  raw: IDBDatabase;
  measures: Measure[];
  buckets?: { store: StorageBucket; raw: StorageBucket };
  /** Ids the store gave the extra selections, which the raw side then writes under the same id. */
  created: string[];
}

let state: State | undefined;
const current = (): State => {
  if (!state) throw new Error('bench.open() first');
  return state;
};

const resources = (kind: 'Patient' | 'ImagingSelection', from: number, to: number, n: number): FhirResource[] => {
  const out: FhirResource[] = [];
  for (let i = from; i < to; i++) out.push(kind === 'Patient' ? patientAt(i, n) : selection(i, n));
  return out;
};

const transactionBundle = (rs: FhirResource[]): Bundle => ({
  resourceType: 'Bundle',
  type: 'transaction',
  entry: rs.map((resource) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id!}` } })),
});

/** The k-th extra selection: past the n loaded, without `issued` (what `:missing` finds) and without an id. */
function extra(k: number, n: number): FhirResource {
  const { id: _id, issued: _issued, ...rest } = selection(n + k, n);
  return rest;
}

const api: BenchApi = {
  async open(n) {
    const sb = (navigator as Navigator & { storageBuckets?: StorageBuckets }).storageBuckets;
    // The same durability for both sides.
    const buckets = sb ? { store: await sb.open('store', { durability: 'relaxed' }), raw: await sb.open('raw', { durability: 'relaxed' }) } : undefined;
    const store = await openStore({ name: 'bench-store', indexedDB: buckets?.store.indexedDB ?? indexedDB, IDBKeyRange, persistence: 'required' });
    const raw = await openRaw(buckets?.raw.indexedDB ?? indexedDB);
    const s: State = { n, store, raw, measures: [], created: [] };
    if (buckets) s.buckets = buckets;
    s.measures = measures({ store, reader: new RawReader(raw), n, patients: patientCount(n) });
    state = s;
    return { userAgent: navigator.userAgent, buckets: !!buckets, isolated: crossOriginIsolated };
  },

  async load(side: Side, kind, from, to) {
    const s = current();
    const rs = resources(kind, from, to, s.n);
    if (side === 'raw') {
      const t = performance.now();
      await rawPut(s.raw, rs, new Date().toISOString());
      return performance.now() - t;
    }
    const bundle = transactionBundle(rs);
    const t = performance.now();
    const res = await s.store.transaction(bundle);
    const ms = performance.now() - t;
    const bad = (res.entry ?? []).filter((e) => !/^20[01]/.test(e.response?.status ?? ''));
    if ((res.entry?.length ?? 0) !== rs.length || bad.length > 0) throw new Error(`the transaction Bundle answered ${res.entry?.length} entries, ${bad.length} not 200/201`);
    return ms;
  },

  async flushIndex() {
    const t = performance.now();
    await current().store.flushIndex();
    return performance.now() - t;
  },

  async create(side: Side, k) {
    const s = current();
    const r = extra(k, s.n);
    if (side === 'store') {
      const t = performance.now();
      const created = await s.store.create(r);
      const ms = performance.now() - t;
      s.created[k] = created.id!;
      return ms;
    }
    const id = s.created[k];
    if (id === undefined) throw new Error(`extra selection ${k}: the store has not created it yet`);
    const t = performance.now();
    await rawPut(s.raw, [{ ...r, id } as FhirResource], new Date().toISOString());
    return performance.now() - t;
  },

  async measures(): Promise<MeasureInfo[]> {
    return current().measures.map(({ name, query, note, rawPlan, ordered, reps }) => ({ name, query, ...(note ? { note } : {}), rawPlan, ordered, reps }));
  },

  async run(name, side): Promise<Timed> {
    const m = current().measures.find((x) => x.name === name);
    if (!m) throw new Error(`no measure ${name}`);
    const t = performance.now();
    const ids = await m[side]();
    return { ms: (performance.now() - t) / m.reps, ids };
  },

  async disk(): Promise<DiskUsage | undefined> {
    const b = current().buckets;
    if (!b) return undefined;
    const [store, raw] = await Promise.all([b.store.estimate(), b.raw.estimate()]);
    return { store: store.usage ?? 0, raw: raw.usage ?? 0 };
  },
};

(globalThis as unknown as { bench: BenchApi }).bench = api;
