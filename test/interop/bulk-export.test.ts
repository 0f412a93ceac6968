import type { Bundle, Group, ImagingSelection, Patient, Resource } from 'fhir/r5';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/index.js';
import { storeDatabase } from '../../src/store.js';
import { openTestStore, selection } from '../helpers.js';

/*
 * The first sync by Bulk Data $export against HAPI FHIR R5 (fhir-test-server/ registers HAPI's
 * BulkDataExportProvider: a Batch2 job writes each NDJSON file as a Binary, read back at [base]/Binary/[id]).
 * What HAPI does its own way: every "in progress" answer asks `Retry-After: 120` (the client backs off from its
 * poll interval up to that), the manifest says `requiresAccessToken: true` (the client sends its own
 * authorisation, here none), `transactionTime` is when the job started, not when it was asked for.
 *
 * A store replicates with `bulkExport` on; every request it makes is recorded by a fetch wrapper, which also
 * changes HAPI while the export's files are downloaded: the `_history` catch-up must bring that change.
 * System level: the store ends with exactly HAPI's ImagingSelections, at HAPI's versions. Patient level: the
 * same (HAPI exports every resource of the type there, in a Patient compartment or not); a type without a Patient
 * compartment makes HAPI fail the job (500, `processing`), and the client then pages `_history`. Group level:
 * the selections of the Group's patients, plus what the catch-up brings.
 *
 * Runs in the interop suite (`npm run test:interop`, in a vitest run of its own after the others: it compares
 * with everything HAPI holds, so nothing else may write meanwhile); skipped without HAPI_BASE_URL / FHIR_BASE_URL.
 */

const REMOTE = process.env['HAPI_BASE_URL'] ?? process.env['FHIR_BASE_URL'];
const IS = 'ImagingSelection';
const json = { 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json' };

/** A request the store made, with the manifest when it was one. */
interface Seen {
  method: string;
  url: string;
  headers: Record<string, string>;
  status: number;
  manifest?: { transactionTime: string; requiresAccessToken?: boolean; output: { type: string; url: string }[] };
}

/**
 * A `fetch` that records every request and answer; `beforeFile` runs (once) before the first export file is
 * requested, i.e. after the job started and its transactionTime was taken.
 */
function recordingFetch(beforeFile: () => Promise<void>): { fetch: typeof fetch; seen: Seen[] } {
  const seen: Seen[] = [];
  let changed = false;
  const recording: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? 'GET').toUpperCase();
    const isFile = seen.some((s) => s.manifest?.output.some((o) => o.url === url));
    if (isFile && !changed) {
      changed = true;
      await beforeFile();
    }
    const res = await fetch(input, init);
    const entry: Seen = { method, url: decodeURIComponent(url), headers: { ...(init?.headers as Record<string, string>) }, status: res.status };
    if (url.includes('$export-poll-status') && res.status === 200) entry.manifest = (await res.clone().json()) as Seen['manifest'];
    seen.push(entry);
    return res;
  };
  return { fetch: recording, seen };
}

async function hapi<T = Resource>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(/^https?:/.test(path) ? path : `${base}/${path}`, { method, headers: json, ...(body ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** Every resource a search on HAPI finds, following its pages. */
async function hapiSearch<T extends Resource>(base: string, query: string): Promise<T[]> {
  const out: T[] = [];
  let next: string | undefined = `${query}${query.includes('?') ? '&' : '?'}_count=1000`;
  while (next) {
    const page: Bundle = await hapi<Bundle>(base, 'GET', next);
    for (const e of page.entry ?? []) if (e.search?.mode !== 'include' && e.resource) out.push(e.resource as T);
    next = page.link?.find((l) => l.relation === 'next')?.url;
  }
  return out;
}

const versionOf = (r: Resource): string => `${r.id}@${r.meta?.versionId}`;

/** `id@versionId` of every resource a search on HAPI finds. */
async function hapiVersions(base: string, query: string): Promise<string[]> {
  return (await hapiSearch(base, query)).map(versionOf).sort();
}

/** `id@server version` of every ImagingSelection the store holds (not deleted), and how many it finds by search. */
async function storeVersions(store: Store): Promise<{ versions: string[]; total: number | undefined }> {
  const rows = await storeDatabase(store).remote.toArray();
  const versions = rows.filter((r) => r.type === IS && !r.deleted).map((r) => `${r.id}@${r.version}`).sort();
  const total = (await store.search(IS, { _summary: 'count' })).total;
  return { versions, total };
}

/** Patients and two selections each, written to HAPI in one transaction. */
async function seed(base: string, run: string, patients: number): Promise<{ patients: string[]; selections: ImagingSelection[] }> {
  const ids = Array.from({ length: patients }, (_, i) => `bx-${run}-p${i}`);
  const selections = ids.flatMap((p, i) =>
    [0, 1].map((k) => selection({ id: `bx-${run}-s${i}-${k}`, subject: { reference: `Patient/${p}` }, code: { text: `bulk ${i}.${k}` } })),
  );
  const entry = [...ids.map((id): Patient => ({ resourceType: 'Patient', id, active: true })), ...selections].map((resource) => ({
    resource,
    request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
  }));
  await hapi(base, 'POST', '', { resourceType: 'Bundle', type: 'transaction', entry });
  return { patients: ids, selections };
}

/** The requests of a first sync by $export, in the order the Bulk Data spec has them. */
function exportFlow(seen: Seen[], kickOffPath: string) {
  const kickOffs = seen.filter((s) => s.method === 'GET' && new URL(s.url).pathname.endsWith(kickOffPath));
  const statuses = seen.filter((s) => s.url.includes('$export-poll-status'));
  const manifest = statuses.find((s) => s.manifest)?.manifest;
  const files = seen.filter((s) => manifest?.output.some((o) => decodeURIComponent(o.url) === s.url));
  const history = seen.filter((s) => /\/_history\?/.test(s.url));
  return { kickOffs, statuses, manifest, files, history };
}

describe.skipIf(REMOTE === undefined)('first sync by $export from HAPI FHIR R5', () => {
  const base = (REMOTE ?? '').replace(/\/+$/, '');

  it('system level: every file downloaded, the store holds exactly HAPI\'s ImagingSelections, a change during the export arrives by _history', { timeout: 180_000 }, async () => {
    const run = Date.now().toString(36);
    const { selections } = await seed(base, run, 3);
    const changed = { ...selections[0]!, code: { text: 'changed while the export was downloaded' } };
    const created = selection({ id: `bx-${run}-late`, code: { text: 'created while the export was downloaded' } });
    const { fetch: recording, seen } = recordingFetch(async () => {
      await hapi(base, 'PUT', `${IS}/${changed.id}`, changed);
      await hapi(base, 'PUT', `${IS}/${created.id}`, created);
    });
    const store = await openTestStore();
    try {
      const report = await store
        .replicate({ baseUrl: base, fetch: recording, bulkExport: { pollInterval: 250 }, retry: { initialDelay: 250, maxDelay: 2000 } })
        .syncOnce();
      const flow = exportFlow(seen, '/$export');
      // One kick-off, asynchronous, for the synced type; status polled until the manifest came.
      expect(flow.kickOffs.map((k) => [new URL(k.url).searchParams.get('_type'), k.headers['Prefer'], k.status])).toEqual([[IS, 'respond-async', 202]]);
      expect(flow.statuses.at(-1)?.status).toBe(200);
      expect(flow.manifest?.requiresAccessToken).toBe(true);
      // Every file of the manifest downloaded once (HAPI serves them as Binary reads), and nothing else exported.
      expect(flow.manifest?.output.length).toBeGreaterThan(0);
      expect(flow.manifest?.output.every((o) => o.type === IS && new URL(o.url).pathname.includes('/Binary/'))).toBe(true);
      expect(flow.files.map((f) => [f.url, f.status]).sort()).toEqual(flow.manifest!.output.map((o) => [decodeURIComponent(o.url), 200]).sort());
      // Asked as NDJSON: HAPI then answers the Binary's content itself, not a Binary resource.
      expect(flow.files.map((f) => f.headers['Accept'])).toEqual(flow.files.map(() => 'application/fhir+ndjson'));
      // Then the catch-up: _history since the export's transactionTime (less the margin), after the files.
      expect(flow.history.length).toBeGreaterThan(0);
      const since = new URL(flow.history[0]!.url).searchParams.get('_since');
      expect(Date.parse(since!)).toBe(Date.parse(flow.manifest!.transactionTime) - 1000);
      expect(seen.indexOf(flow.history[0]!)).toBeGreaterThan(seen.indexOf(flow.files.at(-1)!));
      expect(report.pulled).toBeGreaterThan(0);

      // Exactly what HAPI holds, at HAPI's versions; the change made during the export included.
      const expected = await hapiVersions(base, IS);
      const local = await storeVersions(store);
      expect(local.versions).toEqual(expected);
      expect(local.total).toBe(expected.length);
      expect(expected).toContain(`${changed.id}@2`);
      const read = await store.handle({ method: 'GET', url: `${IS}/${changed.id}` });
      expect((read.body as ImagingSelection).code?.text).toBe(changed.code.text);
      expect((await store.handle({ method: 'GET', url: `${IS}/${created.id}` })).status).toBe(200);
    } finally {
      store.close();
    }
  });

  it('Patient level: HAPI exports every selection (in a compartment or not); a type without a compartment fails HAPI\'s job, and _history does the first sync', { timeout: 180_000 }, async () => {
    const run = Date.now().toString(36);
    const { selections } = await seed(base, run, 2);
    const loose = selection({ id: `bx-${run}-nosubject`, code: { text: 'in no compartment' } });
    await hapi(base, 'PUT', `${IS}/${loose.id}`, loose);
    const { fetch: recording, seen } = recordingFetch(async () => {});
    const store = await openTestStore();
    try {
      await store.replicate({ baseUrl: base, fetch: recording, bulkExport: { level: 'patient', pollInterval: 250 }, retry: { initialDelay: 250, maxDelay: 2000 } }).syncOnce();
      const flow = exportFlow(seen, '/Patient/$export');
      expect(flow.kickOffs.map((k) => [new URL(k.url).searchParams.get('_type'), k.status])).toEqual([[IS, 202]]);
      expect(flow.files.map((f) => f.url).sort()).toEqual(flow.manifest!.output.map((o) => decodeURIComponent(o.url)).sort());
      // HAPI 8.8 without `patient` exports every resource of the type at Patient level, in a compartment or not
      // (the one without a subject too): the store ends with all of HAPI's selections, as at system level.
      const local = await storeVersions(store);
      for (const sel of selections) expect(local.versions).toContain(`${sel.id}@1`);
      expect(local.versions).toContain(`${loose.id}@1`);
      expect(local.versions).toEqual(await hapiVersions(base, IS));
    } finally {
      store.close();
    }

    // Organization has no Patient compartment: HAPI accepts the kick-off, then fails the job (the status answers
    // 500 with a `processing` OperationOutcome). The client forgets the job and pages _history instead.
    const org = { resourceType: 'Organization', id: `bx-${run}-org`, name: 'Imaging department' };
    await hapi(base, 'PUT', `Organization/${org.id}`, org);
    const second = recordingFetch(async () => {});
    const other = await openTestStore();
    try {
      const rep = other.replicate({
        baseUrl: base,
        fetch: second.fetch,
        resourceTypes: [IS, 'Organization'],
        bulkExport: { level: 'patient', pollInterval: 250 },
        retry: { initialDelay: 250, maxDelay: 2000, maxAttempts: 1 },
      });
      await rep.syncOnce();
      const flow = exportFlow(second.seen, '/Patient/$export');
      expect(flow.kickOffs.map((k) => [new URL(k.url).searchParams.get('_type'), k.status])).toEqual([[`${IS},Organization`, 202]]);
      expect(flow.statuses.at(-1)?.status).toBe(500);
      expect(flow.files).toEqual([]);
      const histories = second.seen.filter((s) => /\/(ImagingSelection|Organization)\/_history/.test(s.url)).map((s) => new URL(s.url));
      expect(histories.some((u) => u.pathname.endsWith('/Organization/_history') && !u.searchParams.has('_since'))).toBe(true);
      expect((await other.handle({ method: 'GET', url: `Organization/${org.id}` })).status).toBe(200);
      expect((await storeVersions(other)).versions).toEqual(await hapiVersions(base, IS));
    } finally {
      other.close();
    }
  });

  it('Group level: the selections of the Group\'s patients, then the _history catch-up', { timeout: 180_000 }, async () => {
    const run = Date.now().toString(36);
    const { patients } = await seed(base, run, 3);
    const group: Group = {
      resourceType: 'Group',
      id: `bx-${run}-worklist`,
      type: 'person',
      membership: 'enumerated',
      member: patients.slice(0, 2).map((p) => ({ entity: { reference: `Patient/${p}` } })),
    };
    await hapi(base, 'PUT', `Group/${group.id}`, group);
    const late = selection({ id: `bx-${run}-late`, subject: { reference: `Patient/${patients[2]}` } });
    const { fetch: recording, seen } = recordingFetch(async () => void (await hapi(base, 'PUT', `${IS}/${late.id}`, late)));
    const store = await openTestStore();
    try {
      await store.replicate({ baseUrl: base, fetch: recording, bulkExport: { group: group.id!, pollInterval: 250 }, retry: { initialDelay: 250, maxDelay: 2000 } }).syncOnce();
      const flow = exportFlow(seen, `/Group/${group.id}/$export`);
      expect(flow.kickOffs.map((k) => [new URL(k.url).searchParams.get('_type'), k.status])).toEqual([[IS, 202]]);
      expect(flow.files.map((f) => f.url).sort()).toEqual(flow.manifest!.output.map((o) => decodeURIComponent(o.url)).sort());

      // From the export: the members' selections (HAPI's own search says which); from the catch-up: whatever
      // changed since the instant the client asked _history for (the selection of the patient outside the Group).
      const since = new URL(flow.history[0]!.url).searchParams.get('_since')!;
      const members = await hapiVersions(base, `${IS}?subject=${patients.slice(0, 2).map((p) => `Patient/${p}`).join(',')}`);
      const changedSince = await hapiVersions(base, `${IS}?_lastUpdated=ge${encodeURIComponent(since)}`);
      expect(members).toHaveLength(4);
      expect(changedSince).toContain(`${late.id}@1`);
      const local = await storeVersions(store);
      expect(local.versions).toEqual([...new Set([...members, ...changedSince])].sort());
    } finally {
      store.close();
    }
  });
});
