import type { ImagingSelection } from 'fhir/r5';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DexieStoragePort } from '../../src/storage/dexie-port.js';
import { storeDatabase } from '../../src/store.js';
import { openTestStore, selection } from '../helpers.js';
import { exportToFiles, filesSource } from '../storage/export-helpers.js';
import { syncHarness } from './harness.js';

describe('an imported store replicates on where the exported one was', () => {
  const h = syncHarness();

  it('pushes the same pending changes with the same If-Match, and pulls from the checkpoint', async () => {
    const [a, b, c, d] = [h.uid('a'), h.uid('b'), h.uid('c'), h.uid('d')];
    const original = await h.client();
    await original.update(selection({ id: a }));
    await original.update(selection({ id: b }));
    const first = original.replicate({ baseUrl: h.server.url, ...h.fast });
    expect((await first.syncOnce()).pushed.map((p) => `${p.op} ${p.id}`).sort()).toEqual([`create ${a}`, `create ${b}`].sort());
    await first.stop();
    // Offline work after the last sync, and a change another client made on the server meanwhile.
    await original.update(selection({ id: a, status: 'unknown' }));
    await original.delete('ImagingSelection', b);
    await original.update(selection({ id: d }));
    await h.remote.put(selection({ id: c, code: { text: 'made elsewhere' } }));
    const pendingBefore = await new DexieStoragePort(storeDatabase(original), { clock: () => new Date(), outbox: true, onCommit: () => {} }).pendingChanges(100);

    const restored = await openTestStore({ name: 'restored' });
    try {
      await restored.import(filesSource(await exportToFiles(original)));
      const rep = restored.replicate({ baseUrl: h.server.url, ...h.fast });
      expect(await firstValueFrom(rep.pending$)).toBe(3);
      const report = await rep.syncOnce();
      expect(report.conflicts).toEqual([]);
      expect(report.pushed.map((p) => `${p.op} ${p.id}`).sort()).toEqual(pendingBefore.map((r) => `${r.op} ${r.id}`).sort());
      expect(report.pushed.find((p) => p.id === a)).toMatchObject({ op: 'update', version: '2' }); // If-Match W/"1", the base version kept
      expect((await h.remote.read<ImagingSelection>(`ImagingSelection/${a}`))?.status).toBe('unknown');
      expect([404, 410]).toContain((await h.remote.call('GET', `ImagingSelection/${b}`)).status);
      expect((await h.remote.read<ImagingSelection>(`ImagingSelection/${d}`))?.id).toBe(d);
      // The pull went on from the exported checkpoint: the other client's resource arrived.
      expect((await restored.read<ImagingSelection>('ImagingSelection', c)).code.text).toBe('made elsewhere');
      expect(await firstValueFrom(rep.pending$)).toBe(0);
      await rep.stop();
    } finally {
      restored.close();
    }
  });
});
