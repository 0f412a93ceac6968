import type { Bundle, ImagingSelection } from 'fhir/r5';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { openStore, sequentialIds, steppingClock, type EncryptionOptions, type Store } from '../../src/index.js';
import { patients, secretsOf, selections } from './encryption-fixtures.js';
import { exportToFiles, filesSource } from './export-helpers.js';
import { dumpDatabase } from './raw-dump.js';

const appKey = (): Promise<CryptoKey> => crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);

const open = (indexedDB: IDBFactory, name: string, encryption: EncryptionOptions): Promise<Store> =>
  openStore({ name, indexedDB, IDBKeyRange, clock: steppingClock('2025-01-01T00:00:00.000Z', 1000), idGenerator: sequentialIds('id'), encryption });

/** A search Bundle without what differs between two stores by design (its id and time). */
const content = (b: Bundle): unknown => ({ ...b, id: undefined, meta: undefined });

/** Searches each kind of index an encrypted store answers: blind token and reference keys, text postings, ranges. */
const QUERIES: [string, string][] = [
  ['Patient', 'identifier=MRN-4711-ZX'],
  ['Patient', 'family=Vermeulen'],
  ['ImagingSelection', 'subject=Patient/p1'],
  ['ImagingSelection', '_text=penicillin'],
  ['ImagingSelection', 'issued=ge2000-01-01&_sort=-issued'],
  ['ImagingSelection', '_include=ImagingSelection:subject'],
];

describe('export and import of an encrypted store', () => {
  it('restores into another encrypted store sealed under its own key: same history and searches, no plaintext at rest', async () => {
    const fromDb = new IDBFactory();
    const source = await open(fromDb, 'from', { key: await appKey() });
    const written = [...patients, ...selections()];
    for (const r of written) await source.update(r);
    const first = selections()[0]!;
    await source.update({ ...first, status: 'unknown' } as ImagingSelection);
    await source.delete('ImagingSelection', selections()[1]!.id!);
    await source.flushIndex();

    const files = await exportToFiles(source);
    // The export is plaintext by design (docs/backup.md): the check below can fail.
    expect(secretsOf(written).filter((s) => [...files.values()].some((t) => t.includes(s)))).not.toEqual([]);

    const toDb = new IDBFactory();
    const target = await open(toDb, 'to', { passphrase: 'correct horse battery staple', iterations: 600_000 });
    await target.import(filesSource(files));
    await target.flushIndex();

    expect(content(await target.history())).toEqual(content(await source.history()));
    for (const [type, query] of QUERIES) expect(content(await target.search(type as 'Patient', query)), query).toEqual(content(await source.search(type as 'Patient', query)));
    source.close();
    target.close();

    const { text } = await dumpDatabase(toDb, 'to');
    expect(secretsOf(written).filter((s) => text.includes(s))).toEqual([]);
  });

  it('a refused import leaves the encrypted store empty, its key header and identity kept: it reopens with its key as the same database', async () => {
    const source = await open(new IDBFactory(), 'from', { key: await appKey() });
    for (const r of patients) await source.update(r);
    const files = await exportToFiles(source);
    source.close();
    const broken = new Map(files);
    broken.set('Patient.ndjson', `${files.get('Patient.ndjson')!}{ not json\n`);

    const indexedDB = new IDBFactory();
    const key = await appKey();
    const target = await open(indexedDB, 'to', { key });
    const identity = (await firstValueFrom(target.health$)).databaseId;
    await expect(target.import(filesSource(broken))).rejects.toMatchObject({ status: 400 });
    target.close();
    const reopened = await open(indexedDB, 'to', { key });
    // The same database to health$ (its identity row kept), not one recreated after a loss.
    expect(await firstValueFrom(reopened.health$)).toMatchObject({ status: 'ok', databaseId: identity });
    expect((await reopened.search('Patient', '')).total).toBe(0);
    await reopened.import(filesSource(files));
    expect((await reopened.search('Patient', '')).total).toBe(patients.length);
    reopened.close();
  });
});
