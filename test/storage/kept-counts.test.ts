import fc from 'fast-check';
import type { FhirResource } from 'fhir/r5';
import { expect, it } from 'vitest';
import { storeDatabase } from '../../src/store.js';
import { renameToServerId } from '../../src/storage/rename-to-server-id.js';
import { rowIndex } from '../../src/storage/resource-row.js';
import type { StoreDatabase } from '../../src/storage/schema.js';
import { decodeDocs } from '../../src/storage/text-docs.js';
import { openTestStore, selection } from '../helpers.js';

type Op = { kind: 'put' | 'delete' | 'rename'; type: 'ImagingSelection' | 'Patient'; slot: number; words: string };

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('put', 'put', 'delete', 'rename'),
  type: fc.constantFrom('ImagingSelection', 'Patient'),
  slot: fc.integer({ min: 0, max: 4 }),
  words: fc.constantFrom('', 'liver', 'liver lesion', 'kidney cyst left'),
});

const narrative = (words: string) => (words ? { text: { status: 'generated' as const, div: `<div xmlns="http://www.w3.org/1999/xhtml">${words}</div>` } } : {});
const resourceOf = (op: Op, id: string): FhirResource =>
  op.type === 'Patient'
    ? { resourceType: 'Patient', id, name: [{ family: op.words || 'Doe' }], birthDate: op.words ? `1970-0${op.slot + 1}` : '1970-01-01', ...narrative(op.words) }
    : selection({ id, issued: `2024-01-0${op.slot + 1}T10:00:00Z`, ...narrative(op.words) });

/** A resource takes a server id as `push: 'post'` does it (the sync layer plans this outside the transaction). */
async function rename(db: StoreDatabase, type: string, id: string, serverId: string): Promise<void> {
  const current = await db.resources.get([type, id]);
  if (!current) return;
  const stored = await db.texts.where('[type+ts+id]').equals([type, current.ts, id]).first();
  const text = stored ? decodeDocs(stored.docs) : {};
  const renamed = current.deleted === 0 ? { resource: { ...current.resource!, id: serverId }, index: rowIndex(current), text } : undefined;
  const row = (await db.outbox.get([type, id])) ?? { type, id, op: 'create' as const, seq: 0, localVersion: current.versionId, firstChangedAt: 0 };
  await db.transaction('rw', [...db.writeTables, db.conflicts], () =>
    renameToServerId(db, { row, serverId, version: '1', basedOn: current.versionId, ...(renamed ? { renamed } : {}), rename: (r) => ({ ...r, id: serverId }), referrers: [] }, 0),
  );
}

it('the kept live counts, text statistics and date spans hold for the rows, after any creates, updates, deletes and renames', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
      const store = await openTestStore();
      const db = storeDatabase(store);
      const ids = new Map<string, string>(); // `${type}/${slot}` → the id it has now
      let renames = 0;
      for (const op of ops) {
        const k = `${op.type}/${op.slot}`;
        const id = ids.get(k) ?? `r${op.slot}`;
        if (op.kind === 'put') await store.update(resourceOf(op, id));
        else if (op.kind === 'delete') await store.delete(op.type, id);
        else if (!(await db.resources.get([op.type, `s${renames}`]))) {
          await rename(db, op.type, id, `s${renames}`);
          if (await db.resources.get([op.type, `s${renames}`])) ids.set(k, `s${renames}`);
          renames++;
        }
      }
      for (const type of ['ImagingSelection', 'Patient']) {
        const linear = await db.resources.where('[type+deleted]').equals([type, 0]).count();
        const stats = await db.typeStats.get(type);
        expect(stats?.live ?? 0).toBe(linear);
        // A date span is an upper bound of every current entry's high - low.
        for (const row of await db.resources.where('[type+deleted]').equals([type, 0]).toArray()) {
          for (const [param, low, high] of row.dates ?? []) expect(stats?.spans?.[param]).toBeGreaterThanOrEqual(high - low);
        }
        const texts = (await db.texts.toArray()).filter((t) => t.type === type).map((t) => ({ ...t, text: decodeDocs(t.docs) }));
        // Every current row with full text has its texts row, and no other texts row is left.
        const withText = (await db.resources.where('[type+deleted]').between([type, 0], [type, 1], true, true).toArray()).filter((r) => r.textLength);
        expect(texts.map((t) => `${t.ts}/${t.id}`).sort()).toEqual(withText.map((r) => `${r.ts}/${r.id}`).sort());
        for (const field of ['_text', '_content'] as const) {
          const docs = texts.filter((t) => t.text[field]);
          expect({ docs: stats?.[field].docs ?? 0, length: stats?.[field].length ?? 0 }).toEqual({ docs: docs.length, length: docs.reduce((n, t) => n + t.text[field]!.length, 0) });
        }
      }
      store.close();
    }),
    { numRuns: 40 },
  );
});
