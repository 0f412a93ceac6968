import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { Replication, ReplicationOptions, Store, SyncReport } from '../../src/index.js';
import { openTestStore } from '../helpers.js';
import { startProxy, type FaultProxy } from './proxy.js';
import { remoteClient, remoteServer } from './remote.js';
import { virtualTime, type VirtualTime } from './virtual-time.js';

/** What a sync test file shares: the real remote server, an optional fault proxy, stores and virtual time. */
export interface SyncHarness {
  /** The remote FHIR R5 server (see ./remote.ts). */
  readonly server: { url: string; close: () => Promise<void> };
  /** Requests to the server as another client makes them. */
  readonly remote: ReturnType<typeof remoteClient>;
  /** The fault proxy in front of the server, new for each test (`{ proxy: true }` only). */
  readonly proxy: FaultProxy;
  /** The virtual time of the current test. */
  readonly time: VirtualTime;
  /**
   * Replication options of the current test: its virtual time as the environment, a retry policy small
   * enough that giving up comes after a few virtual waits, with `token`, an `authorize` that sends it, and
   * `bulkExport: false`: these suites test the `_history` pull (test/sync/bulk-first-sync.test.ts tests the other).
   */
  readonly fast: Pick<ReplicationOptions, 'environment' | 'retry' | 'authorize' | 'bulkExport'>;
  /** An id unique to this run, so tests (and reruns against a long-lived server) never see each other's data. */
  uid(name: string): string;
  /** A new store (closed after the test) whose ids are unique to this run, prefixed `idPrefix`. */
  client(idPrefix?: string): Promise<Store>;
  /** `rep.syncOnce()` with its backoff waits passed on virtual time at once. */
  sync(rep: Pick<Replication, 'syncOnce'>): Promise<SyncReport>;
}

/**
 * Registers the hooks of a sync test file (server before all, stores closed and proxy ended after each test)
 * and gives what they set up. With `token`, the server (this package's own) needs `Authorization: Bearer
 * <token>` on every request, and the remote client and the `fast` options send it.
 */
export function syncHarness(options: { proxy?: boolean; maxAttempts?: number; token?: string } = {}): SyncHarness {
  let server: SyncHarness['server'] | undefined;
  let remote: SyncHarness['remote'] | undefined;
  let proxy: FaultProxy | undefined;
  let time = virtualTime();
  let run = 0;
  const stores: Store[] = [];
  const defined = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not set up (see syncHarness)`);
    return value;
  };
  beforeAll(async () => {
    server = await remoteServer(options.token);
    remote = remoteClient(server.url, options.token !== undefined ? { Authorization: `Bearer ${options.token}` } : {});
  });
  afterAll(() => server?.close());
  beforeEach(async () => {
    time = virtualTime();
    if (options.proxy) proxy = await startProxy(defined(server, 'the server').url);
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) s.close();
    await proxy?.close();
  });
  const uid = (name: string): string => `${name}-${Date.now().toString(36)}-${++run}`;
  return {
    get server() {
      return defined(server, 'the server');
    },
    get remote() {
      return defined(remote, 'the remote client');
    },
    get proxy() {
      return defined(proxy, 'the proxy');
    },
    get time() {
      return time;
    },
    get fast() {
      const { token } = options;
      return {
        environment: time.env,
        retry: { initialDelay: 5, maxDelay: 50, maxAttempts: options.maxAttempts ?? 2 },
        bulkExport: false,
        ...(token !== undefined ? { authorize: async () => ({ Authorization: `Bearer ${token}` }) } : {}),
      };
    },
    uid,
    async client(idPrefix = 'c') {
      const store = await openTestStore({ idGenerator: () => uid(idPrefix) });
      stores.push(store);
      return store;
    },
    sync: (rep) => time.settle(rep.syncOnce()),
  };
}
