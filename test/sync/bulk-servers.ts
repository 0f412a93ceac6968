/**
 * What the export-based sync tests open per test: this package's server with small export files (so a sync spans
 * several), a fault proxy in front of it, and empty device stores; all closed after each test, newest first.
 */
import { afterEach } from 'vitest';
import type { Store } from '../../src/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { openTestStore } from '../helpers.js';
import { startProxy, type FaultProxy } from './proxy.js';

/** Registers the closing `afterEach`; `closeAll` also serves a property whose every run opens its own. */
export function bulkServers(maxFileResources: number): {
  server(): Promise<RunningServer>;
  proxyFor(s: RunningServer): Promise<FaultProxy>;
  store(): Promise<Store>;
  closeAll(): Promise<void>;
} {
  const opened: { close: () => unknown }[] = [];
  const track = <T extends { close: () => unknown }>(o: T): T => (opened.push(o), o);
  const closeAll = async (): Promise<void> => {
    for (const o of opened.splice(0).reverse()) await o.close();
  };
  afterEach(closeAll);
  return {
    server: async () => track(await startServer({ port: 0, bulkExport: { maxFileResources } })),
    proxyFor: async (s) => track(await startProxy(s.url)),
    store: async () => track(await openTestStore()),
    closeAll,
  };
}
