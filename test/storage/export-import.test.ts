import Dexie from 'dexie';
import fc from 'fast-check';
import type { Bundle, Patient, Resource, SearchParameter } from 'fhir/r5';
import { IDBFactory } from 'fake-indexeddb';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { FhirError, type Store } from '../../src/index.js';
import { DexieStoragePort } from '../../src/storage/dexie-port.js';
import { IDENTITY_SETTING } from '../../src/storage/identity.js';
import { deadLetterChange, evictLocally, markRowsSent, saveCheckpoint, serverChanges } from '../../src/storage/replica-mutations.js';
import type { PreparedResource } from '../../src/storage/remote-steps.js';
import { storeDatabase, syncContextOf } from '../../src/store.js';
import { openTestStore, selection, snapshot } from '../helpers.js';
import { exportToFiles, filesSource } from './export-helpers.js';

const opened: Store[] = [];
const open = async (): Promise<Store> => {
  const s = await openTestStore({ clock: () => new Date('2030-06-01T00:00:00Z') });
  opened.push(s);
  return s;
};
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

const SERIES_UID: SearchParameter = {
  resourceType: 'SearchParameter', url: 'http://example.org/SearchParameter/series-uid', name: 'SeriesUid', status: 'active',
  description: 'DICOM Series Instance UID', code: 'series-uid', base: ['ImagingSelection'], type: 'token', expression: 'ImagingSelection.seriesUid',
} as unknown as SearchParameter;

const IDS = ['a', 'b', 'c', 'd', 'e'];
const WORDS = ['lung', 'nodule', 'liver', 'lesion', 'key'];

/** One step of a random history: local writes, server versions, bookkeeping of replication. */
type Op =
  | { kind: 'put'; id: string; status: 'available' | 'unknown'; word: string; series: string }
  | { kind: 'create'; word: string }
  | { kind: 'delete'; id: string }
  | { kind: 'patient'; id: string; family: string }
  | { kind: 'server'; id: string; word: string; deleted: boolean }
  | { kind: 'sent' }
  | { kind: 'conflict'; id: string }
  | { kind: 'dead' }
  | { kind: 'checkpoint'; type: string; since: number }
  | { kind: 'evict'; ids: string[] };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('put' as const), id: fc.constantFrom(...IDS), status: fc.constantFrom('available' as const, 'unknown' as const), word: fc.constantFrom(...WORDS), series: fc.constantFrom('1.2.3', '1.2.4') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('create' as const), word: fc.constantFrom(...WORDS) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), id: fc.constantFrom(...IDS) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('patient' as const), id: fc.constantFrom('p1', 'p2'), family: fc.constantFrom('Doe', 'Roe') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('server' as const), id: fc.constantFrom(...IDS), word: fc.constantFrom(...WORDS), deleted: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sent' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('conflict' as const), id: fc.constantFrom(...IDS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dead' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('checkpoint' as const), type: fc.constantFrom('ImagingSelection', 'Patient'), since: fc.integer({ min: 0, max: 1e6 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('evict' as const), ids: fc.subarray(IDS, { minLength: 1 }) }) },
);

let serverVersion = 0;

/** Applies one step through the store's API, or (for what replication does) through the storage port's mutations. */
async function apply(store: Store, port: DexieStoragePort, o: Op): Promise<void> {
  const prepare = (r: Resource): PreparedResource => {
    const p = syncContextOf(store).prepare(r);
    if ('error' in p) throw new Error(p.error);
    return p;
  };
  switch (o.kind) {
    case 'put':
      await store.update(selection({ id: o.id, status: o.status, code: { text: `${o.word} images` }, seriesUid: o.series }));
      return;
    case 'create':
      await store.create(selection({ code: { text: o.word } }));
      return;
    case 'delete':
      await store.delete('ImagingSelection', o.id);
      return;
    case 'patient':
      await store.update<Patient>({ resourceType: 'Patient', id: o.id, name: [{ family: o.family }] });
      return;
    case 'server': {
      const version = String(++serverVersion);
      const prepared = o.deleted ? undefined : prepare(selection({ id: o.id, code: { text: `${o.word} from the server` } }));
      await port.commit(() => ({ mutations: [serverChanges([{ kind: 'remote', type: 'ImagingSelection', id: o.id, version, lastUpdated: '2025-02-01T00:00:00.000Z', ...(prepared ? { prepared } : {}) }])] }));
      return;
    }
    case 'sent': {
      const rows = await port.pendingChanges(2);
      if (rows.length > 0) await port.commit(() => ({ mutations: [markRowsSent(rows)] }));
      return;
    }
    case 'conflict': {
      const pending = await port.pendingChange('ImagingSelection', o.id);
      const current = await port.current('ImagingSelection', o.id);
      if (!pending || pending.hold !== undefined) return;
      const remote = selection({ id: o.id, status: 'unknown' });
      const conflict = { type: 'ImagingSelection', resourceId: o.id, ...(current?.resource ? { local: current.resource } : {}), remote, remoteVersion: String(++serverVersion), elements: ['status'], detectedAt: 1_000 };
      await port.commit(() => ({ mutations: [serverChanges([{ kind: 'conflict', conflict }])] }));
      return;
    }
    case 'dead': {
      const [row] = await port.pendingChanges(1);
      if (row) await port.commit(() => ({ mutations: [deadLetterChange(row, 422, { resourceType: 'OperationOutcome', issue: [] })] }));
      return;
    }
    case 'evict':
      await port.commit(() => ({ mutations: [evictLocally(o.ids.map((id) => ({ type: 'ImagingSelection', id })), 'purge')] }));
      return;
    case 'checkpoint':
      await port.commit(() => ({ mutations: [saveCheckpoint({ key: `http://server.example/fhir|${o.type}`, since: new Date(Date.UTC(2025, 0, 1) + o.since).toISOString() })] }));
      return;
  }
}

const QUERIES: [string, string][] = [
  ['ImagingSelection', ''],
  ['ImagingSelection', 'status=available'],
  ['ImagingSelection', '_text=lung'],
  ['ImagingSelection', 'code:text=nodule'],
  ['ImagingSelection', 'series-uid=1.2.3'],
  ['ImagingSelection', '_sort=-_lastUpdated&_count=3'],
  ['ImagingSelection', '_lastUpdated=ge2025-01-01T00:00:30Z'],
  ['Patient', 'name=Doe'],
];

/** What a user sees of a Bundle: its content without the per-run `id` and `meta`. */
const content = (b: Bundle): unknown => ({ ...b, id: undefined, meta: undefined });

/**
 * Every table, with the date spans of `typeStats` left out (an upper bound the import recomputes from current rows)
 * and the database's own identity, which each database has of its own and stamps on its checkpoints
 * (docs/durability.md).
 */
async function tables(store: Store): Promise<Record<string, unknown[]>> {
  const all = await snapshot(store);
  all.typeStats = all.typeStats!.map((r) => ({ ...(r as object), spans: undefined }));
  all.settings = all.settings!.filter((r) => (r as { key: string }).key !== IDENTITY_SETTING);
  all.checkpoints = all.checkpoints!.map((r) => ({ ...(r as object), databaseId: undefined }));
  return all;
}

describe('export, then import into an empty store', () => {
  it('restores every table, every version, search results and pending pushes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 5000 }), async (ops, piece) => {
        const store = await openTestStore();
        const port = new DexieStoragePort(storeDatabase(store), { clock: () => new Date('2025-03-01T00:00:00Z'), outbox: true, onCommit: () => {} });
        const target = await openTestStore({ name: 'target', clock: () => new Date('2031-01-01T00:00:00Z') });
        try {
          await store.registerSearchParameter(SERIES_UID);
          for (const o of ops) await apply(store, port, o);
          const files = await exportToFiles(store);
          const summary = await target.import(filesSource(files, piece));

          expect(await tables(target)).toEqual(await tables(store));
          const history = (s: Store) => s.history(undefined, undefined, { _count: '1000' });
          expect(content(await history(target))).toEqual(content(await history(store)));
          for (const [type, q] of QUERIES) {
            expect(content(await target.search(type as 'ImagingSelection', q)), `${type}?${q}`).toEqual(content(await store.search(type as 'ImagingSelection', q)));
          }
          const targetPort = new DexieStoragePort(storeDatabase(target), { clock: () => new Date(), outbox: true, onCommit: () => {} });
          expect(await targetPort.pendingChanges(1000)).toEqual(await port.pendingChanges(1000));
          // (Counted by the time index: a sequence marker an eviction left is a key, no version.)
          expect(summary.versions).toBe(await storeDatabase(store).history.where('[ts+seq]').between([-Infinity, Dexie.minKey], [Infinity, Dexie.maxKey]).count());
          // The imported store goes on numbering versions where the original was.
          await target.update(selection({ id: 'after-import' }));
          const [last] = (await target.history('ImagingSelection', 'after-import')).entry ?? [];
          expect(last?.resource?.meta?.versionId).toBe('1');
          expect((await storeDatabase(target).history.toCollection().last())?.seq).toBe(((await storeDatabase(store).history.toCollection().lastKey()) as number ?? 0) + 1);
        } finally {
          store.close();
          target.close();
        }
      }),
      { numRuns: 25, seed: 1306 },
    );
  });

  it('writes one file per type, state files and a Bulk Data shaped manifest; a deletion is a tombstone line', async () => {
    const store = await open();
    await store.update(selection({ id: 's1' }));
    await store.update(selection({ id: 's1', status: 'unknown' }));
    await store.delete('ImagingSelection', 's1');
    await store.update<Patient>({ resourceType: 'Patient', id: 'p', name: [{ family: 'Doe' }] });
    const files = await exportToFiles(store);
    expect([...files.keys()]).toEqual(['ImagingSelection.ndjson', 'Patient.ndjson', '_outbox.ndjson', 'manifest.json']);
    const manifest = JSON.parse(files.get('manifest.json')!);
    expect(manifest).toMatchObject({
      transactionTime: '2030-06-01T00:00:00.000Z',
      requiresAccessToken: false,
      output: [{ type: 'ImagingSelection', url: 'ImagingSelection.ndjson', count: 3 }, { type: 'Patient', url: 'Patient.ndjson', count: 1 }],
      error: [],
      extension: { 'fhir-offline-store': { format: 1, lastSeq: 4, versions: 4 } },
    });
    expect(manifest.extension['fhir-offline-store'].state.find((f: { type: string }) => f.type === 'outbox')).toEqual({ type: 'outbox', url: '_outbox.ndjson', count: 1 }); // s1's create was cancelled by its delete
    const lines = files.get('ImagingSelection.ndjson')!.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.meta.versionId)).toEqual(['1', '2', '3']);
    expect(Object.keys(lines[2])).toEqual(['resourceType', 'id', 'meta']);
    expect(lines[2].meta.extension[0].extension).toEqual([
      { url: 'seq', valueInteger: 3 },
      { url: 'method', valueCode: 'DELETE' },
      { url: 'status', valueInteger: 200 },
      { url: 'deleted', valueBoolean: true },
    ]);
  });

  it('reads pages: a store of more than one page of versions and outbox rows round-trips', async () => {
    const store = await open();
    const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: Array.from({ length: 1_203 }, (_, i) => ({ resource: selection({ id: `r${String(i).padStart(4, '0')}` }), request: { method: 'PUT', url: `ImagingSelection/r${String(i).padStart(4, '0')}` } })) };
    await store.transaction(bundle);
    const target = await open();
    await target.import(filesSource(await exportToFiles(store), 65_536));
    expect(await tables(target)).toEqual(await tables(store));
  });

  it('the imported checkpoints are the new database\'s: reopened, it reports no loss and keeps them', async () => {
    const store = await open();
    await store.update(selection({ id: 'a' }));
    const port = new DexieStoragePort(storeDatabase(store), { clock: () => new Date('2025-03-01T00:00:00Z'), outbox: true, onCommit: () => {} });
    await port.commit(() => ({ mutations: [saveCheckpoint({ key: 'http://server.example/fhir|ImagingSelection', since: '2025-02-01T00:00:00Z' })] }));
    const indexedDB = new IDBFactory();
    const target = await openTestStore({ name: 'target', indexedDB });
    await target.import(filesSource(await exportToFiles(store)));
    target.close();
    const reopened = await openTestStore({ name: 'target', indexedDB });
    opened.push(reopened);
    expect(await firstValueFrom(reopened.health$)).toMatchObject({ status: 'ok' });
    expect(await syncContextOf(reopened).storage.checkpoint('http://server.example/fhir|ImagingSelection')).toMatchObject({ since: '2025-02-01T00:00:00Z' });
  });

  it('fails with 409 when a version is written while it exports', async () => {
    const store = await open();
    await store.update(selection({ id: 'x' }));
    const pieces = store.export()[Symbol.asyncIterator]();
    expect((await pieces.next()).value).toMatchObject({ file: 'ImagingSelection.ndjson' });
    await store.update(selection({ id: 'y' }));
    const error = await (async () => {
      while (!(await pieces.next()).done);
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 409, outcome: { issue: [{ code: 'conflict', diagnostics: expect.stringMatching(/changed while it was exported/) }] } });
  });

  it('an import cut off midway (its marker and partial rows left) is cleared and done again', async () => {
    const store = await open();
    await store.update(selection({ id: 'x' }));
    const files = await exportToFiles(store);
    const target = await open();
    const db = storeDatabase(target);
    await db.settings.put({ key: 'importing', value: true });
    await db.history.add({ seq: 1, type: 'ImagingSelection', id: 'partial', versionId: 1, ts: 0, method: 'PUT', status: 201 });
    await target.import(filesSource(files));
    expect(await tables(target)).toEqual(await tables(store));
  });

  it('refuses a store that holds data with 409, and leaves it as it was', async () => {
    const store = await open();
    await store.update(selection({ id: 'x' }));
    const files = await exportToFiles(store);
    const target = await open();
    await target.update(selection({ id: 'mine' }));
    const before = await snapshot(target);
    const error = await target.import(filesSource(files)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FhirError);
    expect(error).toMatchObject({ status: 409, outcome: { resourceType: 'OperationOutcome', issue: [{ code: 'conflict' }] } });
    expect(await snapshot(target)).toEqual(before);
  });
});

describe('bad input: a 400 OperationOutcome naming file and line, and the store left empty', () => {
  /** An export of a small store, to break. */
  async function sample(): Promise<Map<string, string>> {
    const store = await open();
    await store.update(selection({ id: 'a' }));
    await store.update(selection({ id: 'a', status: 'unknown' }));
    await store.update(selection({ id: 'b' }));
    await store.update<Patient>({ resourceType: 'Patient', id: 'p', name: [{ family: 'Doe' }] });
    return exportToFiles(store);
  }
  const editLine = (files: Map<string, string>, file: string, n: number, edit: (line: string) => string): void => {
    const lines = files.get(file)!.split('\n');
    lines[n - 1] = edit(lines[n - 1]!);
    files.set(file, lines.join('\n'));
  };
  const editJson = (files: Map<string, string>, file: string, n: number, edit: (v: Record<string, unknown>) => void): void =>
    editLine(files, file, n, (l) => {
      const v = JSON.parse(l);
      edit(v);
      return JSON.stringify(v);
    });

  const cases: [string, (f: Map<string, string>) => void, RegExp][] = [
    ['a malformed NDJSON line', (f) => editLine(f, 'ImagingSelection.ndjson', 2, (l) => l.slice(0, 20)), /^ImagingSelection\.ndjson:2: not JSON/],
    ['a wrong resourceType', (f) => editJson(f, 'ImagingSelection.ndjson', 3, (v) => { v.resourceType = 'Patient'; }), /^ImagingSelection\.ndjson:3: resourceType is 'Patient'/],
    ['an invalid resource', (f) => editJson(f, 'ImagingSelection.ndjson', 3, (v) => { v.status = 'banana'; }), /^ImagingSelection\.ndjson:3: ImagingSelection\/b version 1 is invalid/],
    ['a version out of order', (f) => editJson(f, 'ImagingSelection.ndjson', 2, (v) => { (v.meta as { versionId: string }).versionId = '1'; }), /^ImagingSelection\.ndjson:2: ImagingSelection\/a version 1 does not follow version 1/],
    ['a line without its history entry', (f) => editJson(f, 'Patient.ndjson', 1, (v) => { delete (v.meta as { extension?: unknown }).extension; }), /^Patient\.ndjson:1: meta\.extension does not end with/],
    ['a count that differs from the manifest', (f) => f.set('Patient.ndjson', ''), /^Patient\.ndjson: the manifest lists 1 lines, the file has 0/],
    ['a manifest that is not JSON', (f) => f.set('manifest.json', '{"output": ['), /^manifest\.json: not JSON/],
    ['a manifest of another format', (f) => f.set('manifest.json', f.get('manifest.json')!.replace('"format": 1', '"format": 2')), /^manifest\.json: export format 2/],
    ['a file the manifest lists that is missing', (f) => f.delete('Patient.ndjson'), /^Patient\.ndjson: cannot be read: no file Patient\.ndjson/],
    ['an outbox row naming a resource not exported', (f) => editJson(f, '_outbox.ndjson', 1, (v) => { v.id = 'zz'; }), /^_outbox\.ndjson:1: names ImagingSelection\/zz/],
    ['a duplicate history sequence number', (f) => editJson(f, 'Patient.ndjson', 1, (v) => { ((v.meta as { extension: { extension: { valueInteger?: number }[] }[] }).extension[0]!.extension[0]!).valueInteger = 1; }), /^Patient\.ndjson:1-1: cannot be stored/],
  ];

  it.each(cases)('%s', async (_name, breakIt, message) => {
    const files = await sample();
    breakIt(files);
    const target = await open();
    const before = await snapshot(target);
    const error = await target.import(filesSource(files, 100)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FhirError);
    const fhir = error as FhirError;
    expect(fhir.status).toBe(400);
    expect(fhir.outcome.issue[0]?.diagnostics).toMatch(message);
    expect(await snapshot(target)).toEqual(before);
    // The store is usable and still empty: the good export imports into it afterwards.
    expect(await target.import(filesSource(await sample()))).toMatchObject({ resources: 3, versions: 4 });
  });
});
