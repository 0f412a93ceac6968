import type { Bundle, FhirResource, ImagingSelection, Patient, Resource } from 'fhir/r5';
import fc from 'fast-check';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { FhirError, openStore, sequentialIds, steppingClock, type EncryptionOptions, type Store } from '../../src/index.js';
import { storeDatabase, syncContextOf } from '../../src/store.js';
import { deadLetterChange, saveCheckpoint, serverChanges } from '../../src/storage/replica-mutations.js';
import { patients, secretsOf, selections } from './encryption-fixtures.js';
import { dumpDatabase } from './raw-dump.js';

const appKey = (): Promise<CryptoKey> => crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);

function open(indexedDB: IDBFactory, encryption?: EncryptionOptions, name = 'enc'): Promise<Store> {
  return openStore({ name, indexedDB, IDBKeyRange, clock: steppingClock('2025-01-01T00:00:00.000Z', 1000), idGenerator: sequentialIds('id'), ...(encryption ? { encryption } : {}) });
}

/** What the status and OperationOutcome of a failed open are. */
async function refusal(opening: Promise<unknown>): Promise<{ status: number; code: string | undefined }> {
  const e = await opening.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FhirError);
  const f = e as FhirError;
  return { status: f.status, code: f.outcome.issue[0]?.code };
}

/**
 * Writes into every table an encrypted store seals: patients and the R5 ImagingSelection examples (resources,
 * texts and their postings, history), updates and a delete (history, outbox), and through the storage port the
 * mutations replication commits: a pulled server version (remote), a conflict, a dead letter, a checkpoint.
 */
async function writeEverything(store: Store): Promise<Resource[]> {
  const written: FhirResource[] = [...patients, ...selections()];
  for (const r of written) await store.update(r);
  const first = selections()[0]!;
  const updated: ImagingSelection = { ...first, text: { status: 'additional', div: '<div xmlns="http://www.w3.org/1999/xhtml">Reviewed by Dr Hendrikszoon</div>' } };
  await store.update(updated);
  await store.delete('ImagingSelection', selections()[1]!.id!);
  const sync = syncContextOf(store);
  const pulled: Patient = { resourceType: 'Patient', id: 'p3', name: [{ family: 'Szczepanski', given: ['Wieslawa'] }], identifier: [{ value: 'MRN-3030-PL' }] };
  const prepared = sync.prepare(pulled);
  if ('error' in prepared) throw new Error(prepared.error);
  const serverEdit: Patient = { ...patients[0]!, name: [{ family: 'Vermeulen-Bakker', given: ['Johanna'] }] };
  const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: 'MRN-0815-QK refused for Okonkwo' }] };
  const pending = await sync.storage.pendingChanges(100);
  await sync.storage.commit(() => ({
    mutations: [
      serverChanges([
        { kind: 'remote', type: 'Patient', id: 'p3', version: '1', lastUpdated: '2025-01-02T00:00:00Z', prepared },
        { kind: 'conflict', conflict: { type: 'Patient', resourceId: 'p1', local: patients[0], remote: serverEdit, remoteVersion: '2', base: patients[0], elements: ['name'], detectedAt: 1 } },
      ]),
      deadLetterChange(pending.find((r) => r.id === 'p2')!, 422, outcome),
      saveCheckpoint({ key: 'http://example.org/fhir|Patient', since: '2025-01-01T00:00:00Z', next: 'http://example.org/fhir/Patient/_history?_since=2025' }),
    ],
  }));
  await store.flushIndex();
  return [...written, updated, pulled, serverEdit, outcome as Resource];
}

describe('an encrypted store at rest', () => {
  it('holds no plaintext value of any resource in any object store, its keys or its index keys', async () => {
    const indexedDB = new IDBFactory();
    const store = await open(indexedDB, { key: await appKey() });
    const written = await writeEverything(store);
    store.close();
    const { text, stores } = await dumpDatabase(indexedDB, 'enc');
    for (const table of ['resources', 'texts', 'history', 'outbox', 'conflicts', 'deadLetters', 'remote', 'checkpoints']) expect(stores[table], table).toBeGreaterThan(0);
    const secrets = secretsOf(written);
    expect(secrets).toEqual(expect.arrayContaining(['Vermeulen', 'MRN-4711-ZX', 'penicillin', 'Hendrikszoon', 'Szczepanski', 'urn:oid:2.25.998877665544330']));
    expect(secrets.filter((s) => text.includes(s))).toEqual([]);
  });

  it('the same writes in a store without encryption leave those values readable (the check above can fail)', async () => {
    const indexedDB = new IDBFactory();
    const store = await open(indexedDB);
    const written = await writeEverything(store);
    store.close();
    const { text } = await dumpDatabase(indexedDB, 'enc');
    const found = secretsOf(written).filter((s) => text.includes(s));
    expect(found).toEqual(expect.arrayContaining(['Vermeulen', 'MRN-4711-ZX', 'penicillin', 'Hendrikszoon', 'MRN-0815-QK']));
  });

  it('reads back what it wrote: read, vread, history, search, conflicts and dead letters', async () => {
    const store = await open(new IDBFactory(), { key: await appKey() });
    await writeEverything(store);
    expect((await store.read('Patient', 'p1')).name?.[0]?.family).toBe('Vermeulen');
    expect((await store.vread('ImagingSelection', selections()[0]!.id!, '1')).text?.div).not.toContain('Hendrikszoon');
    expect((await store.read('ImagingSelection', selections()[0]!.id!)).text?.div).toContain('Hendrikszoon');
    expect((await store.history('ImagingSelection', selections()[0]!.id!)).total).toBe(2);
    expect((await store.search('Patient', { identifier: 'MRN-4711-ZX' })).entry?.map((e) => e.resource?.id)).toEqual(['p1']);
    expect((await store.search('Patient', { name: 'verm' })).entry?.map((e) => e.resource?.id)).toEqual(['p1']);
    expect((await store.search('Patient', { _text: 'penicillin' })).entry?.map((e) => e.resource?.id)).toEqual(['p1']);
    const sync = syncContextOf(store);
    expect((await sync.storage.conflicts())[0]?.remote).toMatchObject({ name: [{ family: 'Vermeulen-Bakker' }] });
    expect((await sync.storage.deadLetters())[0]?.outcome).toMatchObject({ issue: [{ diagnostics: 'MRN-0815-QK refused for Okonkwo' }] });
    store.close();
  });
});

/** A searchset without what differs between two runs (its id, its meta). */
const content = (b: Bundle): unknown => ({ ...b, id: undefined, meta: undefined });

describe('search on an encrypted store', () => {
  const statuses = ['available', 'entered-in-error', 'unknown'] as const;
  const selectionArb = fc.record({
    status: fc.constantFrom(...statuses),
    patient: fc.integer({ min: 0, max: 3 }),
    uid: fc.integer({ min: 0, max: 5 }),
    issued: fc.integer({ min: 0, max: 4 }),
    word: fc.constantFrom('liver', 'lesion', 'kidney', 'nodule'),
  });
  const queryArb = fc.oneof(
    fc.constantFrom(...statuses).map((s) => `status=${s}`),
    fc.integer({ min: 0, max: 3 }).map((p) => `subject=Patient/q${p}`),
    fc.integer({ min: 0, max: 3 }).map((p) => `patient=Patient/q${p}&_include=ImagingSelection:subject`),
    fc.integer({ min: 0, max: 5 }).map((u) => `identifier=urn:dicom:uid|urn:oid:2.25.${u}`),
    fc.integer({ min: 0, max: 3 }).map((p) => `subject:Patient.identifier=urn:mrn|MRN-${p}`),
    fc.integer({ min: 0, max: 3 }).map((p) => `subject:Patient.name=Family${p}&_sort=-issued`),
    fc.integer({ min: 0, max: 4 }).map((y) => `issued=ge202${y}-01-01&_sort=issued`),
    fc.constantFrom('liver', 'kidney').map((w) => `_text=${w}`),
    fc.constantFrom(...statuses).map((s) => `status:not=${s}&_count=2`),
  );
  const patientQueryArb = fc.oneof(
    fc.integer({ min: 0, max: 3 }).map((p) => `identifier=urn:mrn|MRN-${p}&_revinclude=ImagingSelection:subject`),
    fc.constantFrom(...statuses).map((s) => `_has:ImagingSelection:subject:status=${s}`),
    fc.constant('_sort=family'),
  );

  it('answers equality, chained, _include/_revinclude, range, sort and _text searches exactly as a store without encryption', async () => {
    const key = await appKey();
    await fc.assert(
      fc.asyncProperty(fc.array(selectionArb, { minLength: 1, maxLength: 12 }), fc.array(queryArb, { minLength: 4, maxLength: 8 }), fc.array(patientQueryArb, { maxLength: 3 }), async (data, queries, patientQueries) => {
        const plain = await open(new IDBFactory());
        const sealed = await open(new IDBFactory(), { key });
        for (const store of [plain, sealed]) {
          for (let p = 0; p < 4; p++) {
            await store.update({ resourceType: 'Patient', id: `q${p}`, identifier: [{ system: 'urn:mrn', value: `MRN-${p}` }], name: [{ family: `Family${p}` }] } as Patient);
          }
          for (const [i, d] of data.entries()) {
            await store.update({
              resourceType: 'ImagingSelection',
              id: `s${i}`,
              status: d.status,
              code: { text: 'Key Images' },
              subject: { reference: `Patient/q${d.patient}` },
              identifier: [{ system: 'urn:dicom:uid', value: `urn:oid:2.25.${d.uid}` }],
              issued: `202${d.issued}-06-01T10:00:00Z`,
              text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${d.word} seen</div>` },
            } as ImagingSelection);
          }
        }
        for (const q of queries) expect(content(await sealed.search('ImagingSelection', q)), q).toEqual(content(await plain.search('ImagingSelection', q)));
        for (const q of patientQueries) expect(content(await sealed.search('Patient', q)), q).toEqual(content(await plain.search('Patient', q)));
        plain.close();
        sealed.close();
      }),
      { numRuns: 12, seed: 13 },
    );
  });
});

describe('sealed rows', () => {
  it('a row read back equals the row written, open date ends (±Infinity) included', async () => {
    const store = await open(new IDBFactory(), { key: await appKey() });
    const db = storeDatabase(store);
    const row = { type: 'Patient', id: 'x', versionId: 3, ts: 5, deleted: 0 as const, ix: ['PAfamily\u001fs\u001fvermeulen'], hx: [], dates: [['birthdate', -Infinity, Infinity] as [string, number, number], ['death', 0, 86_399_999] as [string, number, number]] };
    await db.resources.put(row);
    expect(await db.resources.get(['Patient', 'x'])).toEqual(row);
    expect(await db.resources.where('ix').equals('PAfamily\u001fs\u001fvermeulen').primaryKeys()).toEqual([['Patient', 'x']]);
    store.close();
  });
});

describe('opening, keys and rotation', () => {
  it('reopens with its passphrase (PBKDF2-SHA256, 600,000 iterations); a wrong one is refused with 401 and nothing is written', async () => {
    const indexedDB = new IDBFactory();
    const store = await open(indexedDB, { passphrase: 'correct horse battery staple' });
    await store.update(patients[0]!);
    store.close();
    const before = await dumpDatabase(indexedDB, 'enc');
    expect(await refusal(open(indexedDB, { passphrase: 'Correct horse battery staple' }))).toEqual({ status: 401, code: 'security' });
    expect((await dumpDatabase(indexedDB, 'enc')).text).toBe(before.text);
    const again = await open(indexedDB, { passphrase: 'correct horse battery staple' });
    expect((await again.read('Patient', 'p1')).identifier?.[0]?.value).toBe('MRN-4711-ZX');
    again.close();
  });

  it('refuses a wrong app key, an encrypted database opened without a key, and the other kind of secret with 401', async () => {
    const indexedDB = new IDBFactory();
    const store = await open(indexedDB, { key: await appKey() });
    await store.update(patients[0]!);
    store.close();
    expect(await refusal(open(indexedDB, { key: await appKey() }))).toEqual({ status: 401, code: 'security' });
    expect(await refusal(open(indexedDB))).toEqual({ status: 401, code: 'security' });
    expect(await refusal(open(indexedDB, { passphrase: 'anything at all' }))).toEqual({ status: 401, code: 'security' });
  });

  it('refuses to encrypt a database that already holds plaintext rows (409), and keeps it as it was', async () => {
    const indexedDB = new IDBFactory();
    const store = await open(indexedDB);
    await store.update(patients[0]!);
    store.close();
    const before = await dumpDatabase(indexedDB, 'enc');
    expect(await refusal(open(indexedDB, { key: await appKey() }))).toEqual({ status: 409, code: 'conflict' });
    expect((await dumpDatabase(indexedDB, 'enc')).text).toBe(before.text);
  });

  it.each([
    ['an empty passphrase', { passphrase: '' }],
    ['fewer than 600,000 iterations', { passphrase: 'long enough passphrase', iterations: 100_000 }],
    ['a key that is not a CryptoKey', { key: 'secret' as unknown as CryptoKey }],
  ])('refuses %s with 400', async (_label, encryption) => {
    expect(await refusal(open(new IDBFactory(), encryption as EncryptionOptions))).toEqual({ status: 400, code: 'invalid' });
  });

  it('refuses a key of another algorithm with 400', async () => {
    const hmacKey = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    expect(await refusal(open(new IDBFactory(), { key: hmacKey }))).toEqual({ status: 400, code: 'invalid' });
  });

  it('rekey re-wraps the data key only: every sealed row stays byte for byte, the new secret opens it, the old one no longer does', async () => {
    const indexedDB = new IDBFactory();
    const store = await open(indexedDB, { passphrase: 'first passphrase of many' });
    await writeEverything(store);
    const newKey = await appKey();
    const rowsOnly = (text: string): string => text.split('\n').filter((l) => !l.includes('"storeName":"settings"')).join('\n');
    const before = rowsOnly((await dumpDatabase(indexedDB, 'enc')).text);
    await store.rekey({ key: newKey });
    expect(rowsOnly((await dumpDatabase(indexedDB, 'enc')).text)).toBe(before);
    store.close();
    expect(await refusal(open(indexedDB, { passphrase: 'first passphrase of many' }))).toEqual({ status: 401, code: 'security' });
    const again = await open(indexedDB, { key: newKey });
    expect((await again.read('Patient', 'p1')).name?.[0]?.given).toEqual(['Johanna']);
    expect((await again.search('ImagingSelection', { patient: 'Patient/p1' })).total).toBeGreaterThan(0);
    await again.rekey({ passphrase: 'second passphrase of many' });
    again.close();
    const third = await open(indexedDB, { passphrase: 'second passphrase of many' });
    expect((await third.read('Patient', 'p2')).name?.[0]?.family).toBe('Okonkwo');
    third.close();
  });

  it('rekey on a store without encryption answers 400', async () => {
    const store = await open(new IDBFactory());
    await expect(store.rekey({ passphrase: 'whatever it may be' })).rejects.toMatchObject({ status: 400 });
    store.close();
  });

  it('a sealed value moved to another row does not open (AES-GCM binds it to its row)', async () => {
    const indexedDB = new IDBFactory();
    const store = await open(indexedDB, { key: await appKey() });
    await store.update(patients[0]!);
    await store.update(patients[1]!);
    // Raw IndexedDB, as someone with the profile could: p2's row gets p1's ciphertext.
    const db = await new Promise<IDBDatabase>((resolve) => {
      const req = indexedDB.open('enc');
      req.onsuccess = () => resolve(req.result);
    });
    const tx = db.transaction('resources', 'readwrite');
    const rows = tx.objectStore('resources');
    const get = (k: string[]) => new Promise<Record<string, unknown>>((resolve) => {
      const req = rows.get(k);
      req.onsuccess = () => resolve(req.result as Record<string, unknown>);
    });
    const [p1, p2] = [await get(['Patient', 'p1']), await get(['Patient', 'p2'])];
    rows.put({ ...p2, sealed: p1.sealed });
    await new Promise((resolve) => (tx.oncomplete = resolve));
    db.close();
    await expect(store.read('Patient', 'p2')).rejects.toThrow();
    expect((await store.read('Patient', 'p1')).id).toBe('p1');
    store.close();
  });
});
