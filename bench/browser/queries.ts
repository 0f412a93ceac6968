/**
 * The reads of `npm run bench:browser`: each one as the store answers it (public API only: `store.search`,
 * `store.read`, `store.handle` for a next link) and as raw IndexedDB answers it with its four indexes, or, where
 * no index covers the criterion, with the honest raw equivalent (a cursor over every ImagingSelection). Both
 * sides return the ids of their answer (`Type/id`), which the driver compares: a different answer fails the run.
 * Runs in the page.
 * @module
 */
import type { Bundle } from 'fhir/r5';
import type { Store } from '../../src/index.js';
import { accession } from '../generate.js';
import { ACCESSION_SYSTEM, MRN_SYSTEM, RARE, mrn } from './data.js';
import type { MeasureInfo } from './protocol.js';
import type { RawReader, RawRow } from './raw.js';

const IS = 'ImagingSelection';

/** One read, both ways (its description is what the page tells the driver). */
export interface Measure extends MeasureInfo {
  store(): Promise<string[]>;
  raw(): Promise<string[]>;
}

/** What the reads need to know about the loaded data. */
export interface QueryContext {
  store: Store;
  reader: RawReader;
  /** ImagingSelections loaded in bulk. */
  n: number;
  /** Patients loaded. */
  patients: number;
}

const ref = (r: { resourceType?: string; id?: string } | undefined): string => `${r?.resourceType}/${r?.id}`;
const rowId = (r: RawRow): string => `${r.type}/${r.id}`;

/** The ids of a search answer; `whole`: fail when the store paged it (the comparison needs every row). */
function ids(bundle: Bundle, whole: boolean): string[] {
  if (whole && bundle.link?.some((l) => l.relation === 'next')) throw new Error(`the answer was paged (total ${bundle.total}); raise _count`);
  return (bundle.entry ?? []).map((e) => ref(e.resource));
}

/** The Patient ids that rows reference as subject, once each, in first-seen order. */
const subjects = (rows: RawRow[]): string[] => [...new Set(rows.flatMap((r) => (r.subject?.startsWith('Patient/') ? [r.subject.slice(8)] : [])))];

/** Every measure, in the order they run. */
export function measures(ctx: QueryContext): Measure[] {
  const { store, reader, n } = ctx;
  const search = async (type: string, q: string, whole = true): Promise<string[]> => ids(await store.search(type as typeof IS, q), whole);
  const acc = accession(123, n);
  const accToken = `${ACCESSION_SYSTEM}|${acc}`;
  // ~100 selections: issued is uniform over 730 days, so 730·24·100/n hours hold ~100 of n.
  const hours = Math.max(1, Math.round((730 * 24 * 100) / n));
  const from = '2024-03-01T00:00:00.000Z';
  const to = new Date(Date.parse(from) + hours * 3_600_000).toISOString();
  const chainPatient = 7 % ctx.patients;
  const revPatient = 11 % ctx.patients;
  const textAcc = accession(456, n);
  const readIds = Array.from({ length: 20 }, (_, k) => `is${(k * 997 + 13) % n}`);
  let nextUrl: string | undefined;
  let rawLastIssued: string | undefined;
  const pageOne = async (): Promise<string[]> => {
    const b = await store.search(IS, '_sort=-issued&_count=20');
    nextUrl = b.link?.find((l) => l.relation === 'next')?.url;
    return ids(b, false);
  };
  const rawPageOne = async (): Promise<RawRow[]> => {
    const rows = await reader.newest(20);
    rawLastIssued = rows.at(-1)?.issued;
    return rows;
  };
  const byIssuedDesc = (a: RawRow, b: RawRow): number => ((a.issued ?? '') < (b.issued ?? '') ? 1 : (a.issued ?? '') > (b.issued ?? '') ? -1 : 0);
  const status = (r: RawRow): string => (r.resource as { status?: string }).status ?? '';

  return [
    {
      name: 'read by id',
      query: `store.read('${IS}', id)`,
      note: '20 ids in turn, time per read',
      rawPlan: 'get by primary key',
      ordered: true,
      reps: 20,
      store: async () => {
        const out: string[] = [];
        for (const id of readIds) out.push(ref(await store.read(IS, id)));
        return out;
      },
      raw: async () => {
        const out: string[] = [];
        for (const id of readIds) out.push(ref((await reader.get(IS, id))?.resource));
        return out;
      },
    },
    {
      name: 'identifier=system|value',
      query: `${IS}?identifier=${accToken}&_count=1000`,
      rawPlan: 'identifier index',
      ordered: false,
      reps: 1,
      store: () => search(IS, `identifier=${accToken}&_count=1000`),
      raw: async () => (await reader.byIndex('identifier', accToken)).map(rowId),
    },
    {
      name: 'code=…&status=available',
      query: `${IS}?code=${RARE.system}|${RARE.code}&status=available&_count=1000`,
      rawPlan: 'code index, status checked on the rows',
      ordered: false,
      reps: 1,
      store: () => search(IS, `code=${RARE.system}|${RARE.code}&status=available&_count=1000`),
      raw: async () => (await reader.byIndex('code', `${RARE.system}|${RARE.code}`)).filter((r) => status(r) === 'available').map(rowId),
    },
    {
      name: 'issued=ge…&issued=lt… (~100 rows)',
      query: `${IS}?issued=ge${from}&issued=lt${to}&_count=1000`,
      rawPlan: 'issued index, one key range',
      ordered: false,
      reps: 1,
      store: () => search(IS, `issued=ge${from}&issued=lt${to}&_count=1000`),
      raw: async () => (await reader.byIndex('issued', IDBKeyRange.bound(from, to, false, true))).map(rowId),
    },
    {
      name: '_sort=-issued&_count=20, page 1',
      query: `${IS}?_sort=-issued&_count=20`,
      rawPlan: 'issued index, cursor backwards, stops at 20',
      ordered: true,
      reps: 1,
      store: pageOne,
      raw: async () => (await rawPageOne()).map(rowId),
    },
    {
      name: '_sort=-issued&_count=20, next link',
      query: 'GET <the next link of page 1>',
      rawPlan: 'issued index, cursor backwards from the last key of page 1, stops at 20',
      ordered: true,
      reps: 1,
      store: async () => {
        if (nextUrl === undefined) await pageOne();
        if (nextUrl === undefined) throw new Error('page 1 of _sort=-issued has no next link');
        const res = await store.handle({ method: 'GET', url: nextUrl });
        if (res.status !== 200) throw new Error(`the next link answered ${res.status}`);
        return ids(res.body as Bundle, false);
      },
      raw: async () => {
        if (rawLastIssued === undefined) await rawPageOne();
        return (await reader.newest(20, rawLastIssued)).map(rowId);
      },
    },
    {
      name: 'subject:Patient.identifier=… chain',
      query: `${IS}?subject:Patient.identifier=${MRN_SYSTEM}|${mrn(chainPatient)}&_count=1000`,
      rawPlan: 'identifier index for the Patient, then subject index',
      ordered: false,
      reps: 1,
      store: () => search(IS, `subject:Patient.identifier=${MRN_SYSTEM}|${mrn(chainPatient)}&_count=1000`),
      raw: async () => {
        const pats = (await reader.byIndex('identifier', `${MRN_SYSTEM}|${mrn(chainPatient)}`)).filter((r) => r.type === 'Patient');
        const rows = await Promise.all(pats.map((p) => reader.byIndex('subject', `Patient/${p.id}`)));
        return rows.flat().map(rowId);
      },
    },
    {
      name: '_count=0 without criteria',
      query: `${IS}?_count=0`,
      rawPlan: 'count over the primary key range of the type',
      ordered: true,
      reps: 1,
      store: async () => [`total=${(await store.search(IS, '_count=0')).total}`],
      raw: async () => [`total=${await reader.count(IS)}`],
    },
    {
      name: '_include',
      query: `${IS}?identifier=${accToken}&_include=ImagingSelection:subject&_count=1000`,
      rawPlan: 'identifier index, then the subjects by primary key',
      ordered: false,
      reps: 1,
      store: () => search(IS, `identifier=${accToken}&_include=ImagingSelection:subject&_count=1000`),
      raw: async () => {
        const rows = await reader.byIndex('identifier', accToken);
        const pats = await reader.getMany('Patient', subjects(rows));
        return [...rows.map(rowId), ...pats.flatMap((p) => (p ? [rowId(p)] : []))];
      },
    },
    {
      name: '_revinclude',
      query: `Patient?identifier=${MRN_SYSTEM}|${mrn(revPatient)}&_revinclude=ImagingSelection:subject&_count=1000`,
      rawPlan: 'identifier index for the Patient, then subject index',
      ordered: false,
      reps: 1,
      store: () => search('Patient', `identifier=${MRN_SYSTEM}|${mrn(revPatient)}&_revinclude=ImagingSelection:subject&_count=1000`),
      raw: async () => {
        const pats = (await reader.byIndex('identifier', `${MRN_SYSTEM}|${mrn(revPatient)}`)).filter((r) => r.type === 'Patient');
        const rows = await Promise.all(pats.map((p) => reader.byIndex('subject', `Patient/${p.id}`)));
        return [...pats.map(rowId), ...rows.flat().map(rowId)];
      },
    },
    {
      name: '_text',
      query: `${IS}?_text=${textAcc}&_count=1000`,
      note: 'an accession number, which the narrative names: ~50 rows at any N',
      rawPlan: 'no index: every ImagingSelection read (getAll in pages of 500), word match in the narrative',
      ordered: false,
      reps: 1,
      store: () => search(IS, `_text=${textAcc}&_count=1000`),
      raw: async () => {
        const word = new RegExp(`\\b${textAcc}\\b`, 'i');
        return (await reader.scan(IS, (r) => word.test((r.resource as { text?: { div?: string } }).text?.div ?? ''))).map(rowId);
      },
    },
    {
      name: ':missing',
      query: `${IS}?issued:missing=true&_count=1000`,
      note: 'the selections created one by one have no issued',
      rawPlan: 'no index holds a missing value: every ImagingSelection read (getAll in pages of 500)',
      ordered: false,
      reps: 1,
      store: () => search(IS, 'issued:missing=true&_count=1000'),
      raw: async () => (await reader.scan(IS, (r) => r.issued === undefined)).map(rowId),
    },
    {
      name: '_has',
      query: `Patient?_has:ImagingSelection:subject:identifier=${accToken}&_count=1000`,
      rawPlan: 'identifier index, then the subjects by primary key',
      ordered: false,
      reps: 1,
      store: () => search('Patient', `_has:ImagingSelection:subject:identifier=${accToken}&_count=1000`),
      raw: async () => {
        const pats = await reader.getMany('Patient', subjects(await reader.byIndex('identifier', accToken)));
        return pats.flatMap((p) => (p ? [rowId(p)] : []));
      },
    },
    {
      name: 'two-key sort with criteria',
      query: `${IS}?code=${RARE.system}|${RARE.code}&_sort=status,-issued&_count=20`,
      rawPlan: 'code index, sorted in memory, first 20',
      ordered: true,
      reps: 1,
      store: () => search(IS, `code=${RARE.system}|${RARE.code}&_sort=status,-issued&_count=20`, false),
      raw: async () => {
        const rows = await reader.byIndex('code', `${RARE.system}|${RARE.code}`);
        rows.sort((a, b) => (status(a) < status(b) ? -1 : status(a) > status(b) ? 1 : byIssuedDesc(a, b)));
        return rows.slice(0, 20).map(rowId);
      },
    },
  ];
}
