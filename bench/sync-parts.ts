/**
 * What the sync benchmarks (`bench/sync.bench.ts`, `bench/sync-bulk.bench.ts`) share: the package's server in a
 * child process, a fresh in-memory store, and the raw-write baseline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { openStore, sequentialIds, steppingClock, type Store } from '../src/index.js';
import { storeDatabase } from '../src/store.js';
import { StoreDatabase } from '../src/storage/schema.js';
import { now } from './measure.js';

const ROOT = new URL('../', import.meta.url);

/** The package's server in a child process, optionally preloaded from an NDJSON file, with extra Node flags. */
export async function startChildServer(data?: string, nodeFlags: string[] = []): Promise<{ url: string; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', fileURLToPath(new URL('src/server/cli.ts', ROOT)), 'serve', '--port', '0', ...(data ? ['--data', data] : [])], {
    cwd: fileURLToPath(ROOT),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening at (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** An empty in-memory store with a stepping clock and sequential ids. */
export const freshStore = (name: string): Promise<Store> =>
  openStore({ name, indexedDB: new IDBFactory(), IDBKeyRange, clock: steppingClock('2025-06-01T00:00:00.000Z', 1), idGenerator: sequentialIds('b') });

/**
 * The baseline: raw Dexie writes of the rows `store` holds (current rows and history rows, as replication wrote
 * them) into a fresh database of the same schema, `page` resources per transaction, as a pull commits pages.
 */
export async function rawWriteMs(store: Store, page: number): Promise<number> {
  const resources = await storeDatabase(store).resources.toArray();
  const history = (await storeDatabase(store).history.toArray()).map(({ seq: _seq, ...h }) => h);
  const db = new StoreDatabase('raw-baseline', { indexedDB: new IDBFactory(), IDBKeyRange });
  await db.open();
  const t = now();
  for (let i = 0; i < resources.length; i += page) {
    await db.transaction('rw', [db.resources, db.history], async () => {
      await db.resources.bulkPut(resources.slice(i, i + page));
      await db.history.bulkAdd(history.slice(i, i + page));
    });
  }
  const ms = now() - t;
  db.close();
  return ms;
}
