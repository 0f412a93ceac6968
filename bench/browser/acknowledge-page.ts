/**
 * The page of `bench/browser/acknowledge.ts`: in real IndexedDB, the confirmations of a push recorded one commit
 * per change (as before grouping) or in groups (several answers in one commit), on the same store, alternating.
 * @module
 */
import type { ImagingSelection } from 'fhir/r5';
import { openStore } from '../../src/index.js';
import { DexieStoragePort } from '../../src/storage/dexie-port.js';
import { acknowledgeChange, acknowledgeChanges } from '../../src/storage/replica-mutations.js';
import { storeDatabase } from '../../src/store.js';

/**
 * What the runner calls: `load` makes `count` pending changes; `acknowledge` records them in groups of `group`, ms per change.
 * @see https://hl7.org/fhir/R5/http.html#versioning
 */
export interface AcknowledgeApi {
  load(count: number): Promise<void>;
  acknowledge(group: number): Promise<number>;
}

const store = await openStore({ name: `acknowledge-${Date.now()}` });
const port = new DexieStoragePort(storeDatabase(store), { clock: () => new Date(), outbox: true, onCommit: () => {} });
let next = 0;

const api: AcknowledgeApi = {
  async load(count) {
    const entry = Array.from({ length: count }, () => {
      const id = `s${next++}`;
      const resource: ImagingSelection = { resourceType: 'ImagingSelection', id, status: 'available', code: { text: `Key images ${id}` } };
      return { resource, request: { method: 'PUT' as const, url: `ImagingSelection/${id}` } };
    });
    await store.transaction({ resourceType: 'Bundle', type: 'transaction', entry });
  },
  async acknowledge(group) {
    const rows = await port.pendingChanges(100_000);
    const t = performance.now();
    for (let i = 0; i < rows.length; i += group) {
      const part = rows.slice(i, i + group);
      const mutation = group === 1 ? acknowledgeChange(part[0]!, '1') : acknowledgeChanges(part.map((row) => ({ row, version: '1' })));
      await port.commit(() => ({ mutations: [mutation] }));
    }
    const ms = performance.now() - t;
    if ((await port.pendingCount()) !== 0) throw new Error('changes left unacknowledged');
    return ms / rows.length;
  },
};
(globalThis as unknown as { bench: AcknowledgeApi }).bench = api;
