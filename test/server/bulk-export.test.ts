import type { Bundle, CapabilityStatement, ImagingSelection, OperationOutcome, Resource } from 'fhir/r5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { openStore, type Store } from '../../src/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { selection } from '../helpers.js';

/*
 * The Bulk Data $export operation of `serve` over real HTTP: kick-off at system, Patient and Group level,
 * status polling, the manifest, NDJSON files, _type, _since, cancel, and every refusal as an OperationOutcome.
 */

let server: RunningServer;
const PER_FILE = 4;

interface Manifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: { type: string; url: string; count: number }[];
  error: { type: string; url: string; count: number }[];
}

const put = async (base: string, r: Resource, headers: Record<string, string> = {}): Promise<void> => {
  const res = await fetch(`${base}/${r.resourceType}/${r.id}`, { method: 'PUT', headers: { 'Content-Type': 'application/fhir+json', ...headers }, body: JSON.stringify(r) });
  expect(res.status).toBeLessThan(300);
  await res.text();
};
const kickOff = (path: string, headers: Record<string, string> = { Prefer: 'respond-async' }, init: RequestInit = {}): Promise<Response> =>
  fetch(`${server.url}/${path}`, { ...init, headers: { Accept: 'application/fhir+json', ...headers } });

/** Polls the status URL (a short real wait between polls: the job runs in the server) until it is not 202. */
async function poll(url: string, headers: Record<string, string> = {}): Promise<{ res: Response; progress: string[] }> {
  const progress: string[] = [];
  for (let i = 0; i < 500; i++) {
    const res = await fetch(url, { headers });
    if (res.status !== 202) return { res, progress };
    expect(res.headers.get('retry-after')).toBe('1');
    progress.push(res.headers.get('x-progress') ?? '');
    await res.text();
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${url} still running`);
}

async function exportOf(path: string): Promise<{ manifest: Manifest; lines: Map<string, Resource[]> }> {
  const res = await kickOff(path);
  expect(res.status).toBe(202);
  const location = res.headers.get('content-location')!;
  expect(location).toMatch(new RegExp(`^${server.url}/_bulk/`));
  const done = await poll(location);
  expect(done.res.status).toBe(200);
  expect(done.res.headers.get('content-type')).toBe('application/json');
  const manifest = (await done.res.json()) as Manifest;
  const lines = new Map<string, Resource[]>();
  for (const o of manifest.output) {
    const file = await fetch(o.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/fhir+ndjson');
    const resources = (await file.text()).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Resource);
    expect(resources).toHaveLength(o.count);
    lines.set(o.type, [...(lines.get(o.type) ?? []), ...resources]);
  }
  return { manifest, lines };
}

const ids = (rs: Resource[] | undefined): string[] => (rs ?? []).map((r) => r.id!).sort();
const sel = (id: string, patient?: string): ImagingSelection => selection({ id, ...(patient ? { subject: { reference: `Patient/${patient}` } } : {}) });

let before: string;
beforeAll(async () => {
  server = await startServer({ port: 0, bulkExport: { maxFileResources: PER_FILE } });
  for (const p of ['p1', 'p2', 'p3']) await put(server.url, { resourceType: 'Patient', id: p });
  for (let i = 0; i < 10; i++) await put(server.url, sel(`s${i}`, ['p1', 'p2', 'p3'][i % 3]));
  await put(server.url, sel('no-subject'));
  await put(server.url, { resourceType: 'Group', id: 'g1', type: 'person', membership: 'enumerated', member: [{ entity: { reference: 'Patient/p1' } }, { entity: { reference: 'Patient/p3' } }] } as Resource);
  await put(server.url, { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p2' } } as Resource);
  const t = (await (await fetch(`${server.url}/_history?_count=1`)).json()) as Bundle;
  before = t.meta!.lastUpdated!;
  await new Promise((r) => setTimeout(r, 5));
  await put(server.url, sel('s3', 'p1')); // s3 changes after `before`: a new version
  await put(server.url, sel('late', 'p2'));
});
afterAll(() => server.close());

describe('$export over HTTP', () => {
  it('the CapabilityStatement offers export at system, Patient and Group level', async () => {
    const cs = (await (await fetch(`${server.url}/metadata`)).json()) as CapabilityStatement;
    expect(cs.instantiates).toContain('http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data');
    expect(cs.rest![0]!.operation).toContainEqual({ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export' });
    const on = (type: string) => cs.rest![0]!.resource!.find((r) => r.type === type)!.operation;
    expect(on('Patient')).toEqual([{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export' }]);
    expect(on('Group')).toEqual([{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export' }]);
    expect(on('ImagingSelection')).toBeUndefined();
  });

  it('system level with _type: a manifest of NDJSON files, split every maxFileResources lines, each resource once', async () => {
    const { manifest, lines } = await exportOf('$export?_type=ImagingSelection,Patient');
    expect(manifest.request).toBe(`${server.url}/$export?_type=ImagingSelection,Patient`);
    expect(manifest.requiresAccessToken).toBe(false);
    expect(manifest.error).toEqual([]);
    expect(Date.parse(manifest.transactionTime)).not.toBeNaN();
    expect(manifest.output.map((o) => [o.type, o.count])).toEqual([['ImagingSelection', 4], ['ImagingSelection', 4], ['ImagingSelection', 4], ['Patient', 3]]);
    expect(ids(lines.get('ImagingSelection'))).toEqual(['late', 'no-subject', ...Array.from({ length: 10 }, (_, i) => `s${i}`)].sort());
    expect(ids(lines.get('Patient'))).toEqual(['p1', 'p2', 'p3']);
    // The current version, as read answers it.
    expect(lines.get('ImagingSelection')!.find((r) => r.id === 's3')!.meta!.versionId).toBe('2');
  });

  it('without _type, every type holding data', async () => {
    const { lines } = await exportOf('$export');
    // The server's own SubscriptionTopic (docs/server.md#subscriptions) is data it holds too.
    expect([...lines.keys()].sort()).toEqual(['Group', 'ImagingSelection', 'Observation', 'Patient', 'SubscriptionTopic']);
  });

  it('_since: only what changed after the instant', async () => {
    const { lines } = await exportOf(`$export?_type=ImagingSelection,Patient&_since=${encodeURIComponent(before)}`);
    expect(ids(lines.get('ImagingSelection'))).toEqual(['late', 's3']);
    expect(lines.has('Patient')).toBe(false);
  });

  it('POST with a Parameters body, as GET', async () => {
    const body = { resourceType: 'Parameters', parameter: [{ name: '_type', valueString: 'Patient' }, { name: '_since', valueInstant: before }] };
    const res = await kickOff('$export', { Prefer: 'respond-async', 'Content-Type': 'application/fhir+json' }, { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(202);
    const done = await poll(res.headers.get('content-location')!);
    expect(((await done.res.json()) as Manifest).output).toEqual([]);
  });

  it('Patient level: every patient compartment (patient or subject references), each resource once', async () => {
    const { lines } = await exportOf('Patient/$export?_type=ImagingSelection,Observation,Patient');
    expect(ids(lines.get('ImagingSelection'))).toEqual(['late', ...Array.from({ length: 10 }, (_, i) => `s${i}`)].sort());
    expect(ids(lines.get('Observation'))).toEqual(['o1']);
    expect(ids(lines.get('Patient'))).toEqual(['p1', 'p2', 'p3']);
  });

  it("Group level: the compartments of the Group's Patient members only", async () => {
    const { lines } = await exportOf('Group/g1/$export?_type=ImagingSelection,Patient,Observation');
    expect(ids(lines.get('ImagingSelection'))).toEqual(['s0', 's2', 's3', 's5', 's6', 's8', 's9']);
    expect(ids(lines.get('Patient'))).toEqual(['p1', 'p3']);
    expect(lines.has('Observation')).toBe(false);
  });

  it('patient: only the listed compartments, at Patient level and (of its members) at Group level', async () => {
    const patientLevel = await exportOf('Patient/$export?_type=ImagingSelection,Patient&patient=Patient/p2');
    expect(ids(patientLevel.lines.get('ImagingSelection'))).toEqual(['late', 's1', 's4', 's7']);
    expect(ids(patientLevel.lines.get('Patient'))).toEqual(['p2']);
    const groupLevel = await exportOf('Group/g1/$export?_type=ImagingSelection,Patient&patient=Patient/p3,Patient/p2');
    expect(ids(groupLevel.lines.get('ImagingSelection'))).toEqual(['s2', 's5', 's8']);
    expect(ids(groupLevel.lines.get('Patient'))).toEqual(['p3']);
  });

  it('patient as valueReference in a POST Parameters body', async () => {
    const body = { resourceType: 'Parameters', parameter: [{ name: '_type', valueString: 'Patient' }, { name: 'patient', valueReference: { reference: 'Patient/p1' } }, { name: 'patient', valueReference: { reference: 'Patient/p3' } }] };
    const res = await kickOff('Patient/$export', { Prefer: 'respond-async', 'Content-Type': 'application/fhir+json' }, { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(202);
    const manifest = (await (await poll(res.headers.get('content-location')!)).res.json()) as Manifest;
    const lines = (await (await fetch(manifest.output[0]!.url)).text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Resource);
    expect(ids(lines)).toEqual(['p1', 'p3']);
  });

  it('_typeFilter: a resource matching one of its type\'s filters is exported, once; other types are not filtered', async () => {
    const p1 = encodeURIComponent('ImagingSelection?patient=Patient/p1');
    const p1s0 = encodeURIComponent('ImagingSelection?_id=s0,s1');
    const { lines } = await exportOf(`$export?_type=ImagingSelection,Patient&_typeFilter=${p1}&_typeFilter=${p1s0}`);
    expect(ids(lines.get('ImagingSelection'))).toEqual(['s0', 's1', 's3', 's6', 's9']);
    expect(ids(lines.get('Patient'))).toEqual(['p1', 'p2', 'p3']);
    // With a compartment level: AND-ed with the compartment.
    const grouped = await exportOf(`Group/g1/$export?_type=ImagingSelection&_typeFilter=${encodeURIComponent('ImagingSelection?_id=s0,s1,s2')}`);
    expect(ids(grouped.lines.get('ImagingSelection'))).toEqual(['s0', 's2']);
  });

  it('a write after the kick-off is not in the files: they hold nothing newer than transactionTime', async () => {
    const res = await kickOff('$export?_type=ImagingSelection');
    await put(server.url, sel('after-kick-off', 'p1'));
    await put(server.url, selection({ id: 's1', subject: { reference: 'Patient/p2' }, status: 'unknown' }));
    const done = await poll(res.headers.get('content-location')!);
    const manifest = (await done.res.json()) as Manifest;
    const all = (await Promise.all(manifest.output.map(async (o) => (await (await fetch(o.url)).text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as ImagingSelection)))).flat();
    expect(all.map((r) => r.id)).not.toContain('after-kick-off');
    // s1 changed after the snapshot instant: its old version, when the job read it first, or nothing; the change
    // is left to the client's _history catch-up from transactionTime.
    expect(all.filter((r) => r.id === 's1').map((r) => r.status)).not.toContain('unknown');
    for (const r of all) expect(Date.parse(r.meta!.lastUpdated!)).toBeLessThanOrEqual(Date.parse(manifest.transactionTime));
    const since = (await (await fetch(`${server.url}/ImagingSelection/_history?_since=${encodeURIComponent(manifest.transactionTime)}`)).json()) as Bundle;
    expect(since.entry!.map((e) => e.resource!.id).sort()).toEqual(['after-kick-off', 's1']);
  });

  it('DELETE cancels a job: 202, then its status and files answer 404', async () => {
    const res = await kickOff('$export?_type=ImagingSelection');
    const location = res.headers.get('content-location')!;
    const done = await poll(location);
    const file = ((await done.res.json()) as Manifest).output[0]!.url;
    const del = await fetch(location, { method: 'DELETE' });
    expect(del.status).toBe(202);
    expect(((await del.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');
    for (const url of [location, file]) {
      const gone = await fetch(url);
      expect(gone.status).toBe(404);
      expect(((await gone.json()) as OperationOutcome).issue[0]!.code).toBe('not-found');
    }
  });

  it.each([
    ['no Prefer: respond-async', '$export', { Accept: 'application/fhir+json' }, 'GET', 400, 'invalid'],
    ['an unknown _type', '$export?_type=ImagingSelection,Nope', { Prefer: 'respond-async' }, 'GET', 400, 'invalid'],
    ['a _since that is no instant', '$export?_since=yesterday', { Prefer: 'respond-async' }, 'GET', 400, 'invalid'],
    ['a _since without a time zone', '$export?_since=2025-01-01T00:00:00', { Prefer: 'respond-async' }, 'GET', 400, 'invalid'],
    ['an _outputFormat other than NDJSON', '$export?_outputFormat=text/csv', { Prefer: 'respond-async' }, 'GET', 400, 'invalid'],
    ['an unsupported parameter', '$export?includeAssociatedData=_none', { Prefer: 'respond-async' }, 'GET', 400, 'invalid'],
    ['patient at system level', '$export?patient=Patient/p1', { Prefer: 'respond-async' }, 'GET', 400, 'invalid'],
    ['a patient that is no Patient reference', 'Patient/$export?patient=Group/g1', { Prefer: 'respond-async' }, 'GET', 400, 'invalid'],
    ['a _typeFilter without a search', '$export?_typeFilter=ImagingSelection', { Prefer: 'respond-async' }, 'GET', 400, 'invalid'],
    ['a _typeFilter of a type not in _type', '$export?_type=Patient&_typeFilter=ImagingSelection%3Fstatus%3Davailable', { Prefer: 'respond-async' }, 'GET', 400, 'invalid'],
    ['a _typeFilter the store cannot search', '$export?_typeFilter=ImagingSelection%3Fcolour%3Dred', { Prefer: 'respond-async' }, 'GET', 400, 'invalid'],
    ['a Group that does not exist', 'Group/nope/$export', { Prefer: 'respond-async' }, 'GET', 404, 'not-found'],
    ['PUT on $export', '$export', { Prefer: 'respond-async' }, 'PUT', 405, 'not-supported'],
    ['the status of an unknown job', '_bulk/not-a-job', {}, 'GET', 404, 'not-found'],
    ['a file of an unknown job', '_bulk/not-a-job/ImagingSelection-1.ndjson', {}, 'GET', 404, 'not-found'],
  ] as const)('%s: answered with its status and an OperationOutcome', async (_what, path, headers, method, status, code) => {
    const res = await fetch(`${server.url}/${path}`, { method, headers: { ...headers } });
    expect(res.status).toBe(status);
    const outcome = (await res.json()) as OperationOutcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0]!.code).toBe(code);
  });

  it('an unsupported parameter is ignored with Prefer: handling=lenient', async () => {
    const res = await kickOff('$export?_type=Patient&_elements=id', { Prefer: 'respond-async, handling=lenient' });
    expect(res.status).toBe(202);
    expect((await poll(res.headers.get('content-location')!)).res.status).toBe(200);
  });
});

describe('$export on a server needing a token', () => {
  it('the manifest requires the access token, and the status and the files need it', async () => {
    const token = 'bulk-token-1';
    const auth = { Authorization: `Bearer ${token}` };
    const guarded = await startServer({ port: 0, token });
    try {
      await put(guarded.url, { resourceType: 'Patient', id: 'p1' }, auth);
      const noToken = await fetch(`${guarded.url}/$export`, { headers: { Prefer: 'respond-async' } });
      expect(noToken.status).toBe(401);
      const res = await fetch(`${guarded.url}/$export?_type=Patient`, { headers: { Prefer: 'respond-async', ...auth } });
      expect(res.status).toBe(202);
      const location = res.headers.get('content-location')!;
      expect((await fetch(location)).status).toBe(401);
      const done = await poll(location, auth);
      const manifest = (await done.res.json()) as Manifest;
      expect(manifest.requiresAccessToken).toBe(true);
      expect((await fetch(manifest.output[0]!.url)).status).toBe(401);
      expect(await (await fetch(manifest.output[0]!.url, { headers: auth })).text()).toContain('"id":"p1"');
    } finally {
      await guarded.close();
    }
  });
});

describe('$export status while the job runs', () => {
  it('a status request is held until the job ends (at most 900 ms): the manifest as soon as it is done, not a 202 to poll again', async () => {
    // A store whose searches (the job reads its pages by search) take 400 ms: the job outlasts the kick-off's own
    // 250 ms wait, and ends well within the status request's. Everything else is the real store.
    const store = await openStore({ name: 'slow-export', indexedDB: new IDBFactory(), IDBKeyRange, outbox: false });
    for (let i = 0; i < 3; i++) await store.update(sel(`b${i}`));
    const slow = Object.create(store) as Store;
    slow.handle = async (request) => {
      if (request.method === 'GET' && request.url.startsWith('ImagingSelection?')) await new Promise((r) => setTimeout(r, 400));
      return store.handle(request);
    };
    const busy = await startServer({ port: 0, store: slow });
    try {
      const res = await fetch(`${busy.url}/$export?_type=ImagingSelection`, { headers: { Accept: 'application/fhir+json', Prefer: 'respond-async' } });
      expect(res.status).toBe(202);
      const t = performance.now();
      const status = await fetch(res.headers.get('content-location')!);
      // Without the wait this is a 202 at once, and the client polls again a Retry-After later.
      expect(status.status).toBe(200);
      expect(((await status.json()) as Manifest).output[0]!.count).toBe(3);
      expect(performance.now() - t).toBeLessThan(900);
    } finally {
      await busy.close();
      store.close();
    }
  });
});
