/**
 * `npm run bench:encryption`: the cost of encryption at rest in Node (fake-indexeddb), against the same store
 * without encryption measured in the same run on the same generated data (bench/generate.ts).
 *
 * - Bulk load: N ImagingSelections (and N / 20 Patients) in transaction Bundles of 500, then `flushIndex()` (the
 *   full-text postings), each mode into its own fresh database; the modes alternate over `BENCH_ENC_ROUNDS`.
 * - Searches, timed in pairs (plain, encrypted, plain, …): a token equality (`identifier=` a DICOM UID, one hit),
 *   a reference (`patient=`, ~20 hits), the chain `patient.identifier=`, and a date range (`issued=` one week),
 *   which an encrypted store answers by decrypting every row of the type (docs/security.md).
 *
 * Environment: `BENCH_ENC_N` (default 5000), `BENCH_ENC_ROUNDS` (default 2). Speed is never asserted: the
 * figures are medians, and the ratios are what to trust on a noisy machine.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import type { Bundle, Resource } from 'fhir/r5';
import { openStore, sequentialIds, steppingClock, type EncryptionOptions, type Store } from '../src/index.js';
import { imagingSelection, patient } from './generate.js';
import { fmtMs, median, now, ratio, timePair } from './measure.js';

const N = Number(process.env.BENCH_ENC_N ?? '5000');
const ROUNDS = Number(process.env.BENCH_ENC_ROUNDS ?? '2');
const PATIENTS = Math.max(1, Math.floor(N / 20));
const CHUNK = 500;

const resources: Resource[] = [...Array.from({ length: PATIENTS }, (_, i) => patient(i, PATIENTS)), ...Array.from({ length: N }, (_, i) => imagingSelection(i, N, PATIENTS))];

const open = (name: string, encryption?: EncryptionOptions): Promise<Store> =>
  openStore({ name, indexedDB: new IDBFactory(), IDBKeyRange, clock: steppingClock(), idGenerator: sequentialIds(), ...(encryption ? { encryption } : {}) });

async function load(store: Store): Promise<number> {
  const t = now();
  for (let i = 0; i < resources.length; i += CHUNK) {
    const entry = resources.slice(i, i + CHUNK).map((r) => ({ resource: r, request: { method: 'PUT' as const, url: `${r.resourceType}/${r.id!}` } }));
    await store.transaction({ resourceType: 'Bundle', type: 'transaction', entry } as Bundle);
  }
  await store.flushIndex();
  return now() - t;
}

async function main(): Promise<void> {
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const loads = { plain: [] as number[], encrypted: [] as number[] };
  let plain: Store | undefined;
  let sealed: Store | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    plain?.close();
    sealed?.close();
    plain = await open(`plain${round}`);
    loads.plain.push(await load(plain));
    sealed = await open(`sealed${round}`, { key });
    loads.encrypted.push(await load(sealed));
    console.error(`round ${round + 1}: plain ${fmtMs(loads.plain.at(-1)!)} ms, encrypted ${fmtMs(loads.encrypted.at(-1)!)} ms`);
  }
  const a = plain!;
  const b = sealed!;
  const sel = (i: number) => imagingSelection(i, N, PATIENTS);
  let q = 0;
  const uid = () => sel((q++ * 7919) % N).identifier![0]!.value!;
  const queries: [string, () => string][] = [
    ['token: identifier= (1 hit)', () => `identifier=urn:dicom:uid|${uid()}`],
    ['reference: patient= (~20 hits)', () => `patient=Patient/p${q++ % PATIENTS}`],
    ['chain: patient.identifier=', () => `patient.identifier=${patient(q++ % PATIENTS, PATIENTS).identifier![0]!.value!}`],
    ['date range: issued= one week (decrypt-and-scan)', () => `issued=ge2024-03-0${1 + (q++ % 5)}&issued=lt2024-03-1${q % 5}`],
  ];
  const rows: string[] = [];
  rows.push(`| N = ${N} ImagingSelections + ${PATIENTS} Patients, Node ${process.version} | without encryption | encrypted | ratio |`, '|---|---|---|---|');
  const lp = median(loads.plain);
  const le = median(loads.encrypted);
  rows.push(`| bulk load (transaction Bundles of ${CHUNK} + flushIndex), ms | ${fmtMs(lp)} | ${fmtMs(le)} | ${ratio(le, lp)} |`);
  rows.push(`| bulk load per resource, ms | ${fmtMs(lp / resources.length)} | ${fmtMs(le / resources.length)} | |`);
  for (const [label, make] of queries) {
    let qs = make();
    const pa = await a.search('ImagingSelection', qs);
    const pb = await b.search('ImagingSelection', qs);
    if (pa.total !== pb.total) throw new Error(`${label}: ${pa.total} vs ${pb.total} hits`);
    const t = await timePair(
      () => a.search('ImagingSelection', qs),
      async () => {
        await b.search('ImagingSelection', qs);
        qs = make();
      },
      { budgetMs: label.startsWith('date') ? 20_000 : 4_000, minRuns: label.startsWith('date') ? 3 : 7 },
    );
    rows.push(`| ${label}, ms | ${fmtMs(t.a.median)} | ${fmtMs(t.b.median)} | ${ratio(t.b.median, t.a.median)} |`);
  }
  a.close();
  b.close();
  console.log(rows.join('\n'));
}

await main();
