import { describe, expect, it } from 'vitest';
import { storeDatabase } from '../../src/store.js';
import { openTestStore, snapshot } from '../helpers.js';

/* The "nothing half-written" tests compare snapshots: the helper must see every table, replication ones too. */
describe('snapshot()', () => {
  it('holds every table of the database, by name', async () => {
    const store = await openTestStore();
    const db = storeDatabase(store);
    const snap = await snapshot(store);
    expect(Object.keys(snap).sort()).toEqual(db.tables.map((t) => t.name).sort());
    expect(Object.keys(snap)).toEqual(expect.arrayContaining(['resources', 'history', 'settings', 'outbox', 'texts', 'typeStats', 'remote', 'checkpoints', 'conflicts', 'deadLetters']));
    store.close();
  });

  it('differs after a row is written to a replication table', async () => {
    const store = await openTestStore();
    const before = await snapshot(store);
    await storeDatabase(store).checkpoints.put({ key: 'http://example.org/fhir|ImagingSelection', since: '2025-01-01T00:00:00Z' });
    const after = await snapshot(store);
    expect(after).not.toEqual(before);
    expect(after['checkpoints']).toHaveLength(1);
    store.close();
  });
});
