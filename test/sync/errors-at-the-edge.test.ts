import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicationOptions, Store } from '../../src/index.js';
import { ReplicationOptionsError } from '../../src/index.js';
import { RetryableError } from '../../src/sync/errors.js';
import { openTestStore, selection } from '../helpers.js';
import { startProxy, when, type FaultProxy } from './proxy.js';
import { remoteServer } from './remote.js';

/** A port on 127.0.0.1 that nothing listens on: taken, then released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const ONE_TRY = { retry: { maxAttempts: 1 } };
let store: Store;
afterEach(() => store?.close());

describe('replicate checks its options at once', () => {
  const bad: [string, unknown, RegExp][] = [
    ['no options', undefined, /options must be an object/],
    ['no baseUrl', {}, /baseUrl is required/],
    ['a relative baseUrl', { baseUrl: 'not a url' }, /"not a url" is not an absolute URL/],
    ['a path only', { baseUrl: '/fhir' }, /is not an absolute URL/],
    ['another scheme', { baseUrl: 'ftp://example.org/fhir' }, /must use http or https, not ftp:/],
    ['a query on the base', { baseUrl: 'http://example.org/fhir?x=1' }, /without a query or fragment/],
    ['an unknown push mode', { baseUrl: 'http://example.org/fhir', push: 'patch' }, /push must be one of put, post, transaction/],
    ['an unknown policy', { baseUrl: 'http://example.org/fhir', conflicts: 'newest-wins' }, /conflicts must be one of/],
    ['a batch size of 0', { baseUrl: 'http://example.org/fhir', batchSize: 0 }, /batchSize must be a whole number/],
    ['a type that is no type', { baseUrl: 'http://example.org/fhir', resourceTypes: ['imagingselection'] }, /is not a FHIR resource type name/],
    ['a negative retry delay', { baseUrl: 'http://example.org/fhir', retry: { initialDelay: -1 } }, /retry.initialDelay must be/],
    ['fetch that is no function', { baseUrl: 'http://example.org/fhir', fetch: 'fetch' }, /fetch must be a function/],
    ['an environment timer that is no function', { baseUrl: 'http://example.org/fhir', environment: { schedule: 1000 } }, /environment.schedule must be a function/],
    ['environment locks without request', { baseUrl: 'http://example.org/fhir', environment: { locks: {} } }, /environment.locks must be an object with request/],
    ['bulkExport that is no boolean or object', { baseUrl: 'http://example.org/fhir', bulkExport: 'yes' }, /bulkExport must be true, false or an object/],
    ['an unknown export level', { baseUrl: 'http://example.org/fhir', bulkExport: { level: 'group' } }, /bulkExport.level must be one of system, patient/],
    ['a Group id that is no id', { baseUrl: 'http://example.org/fhir', bulkExport: { group: 'a/b' } }, /bulkExport.group must be a Group id/],
  ];
  it.each(bad)('%s', async (_name, options, message) => {
    store = await openTestStore();
    let thrown: unknown;
    try {
      store.replicate(options as ReplicationOptions);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ReplicationOptionsError);
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toMatch(message);
  });

  it('accepts a valid set of options', async () => {
    store = await openTestStore();
    const rep = store.replicate({ baseUrl: 'https://fhir.example.org/fhir/', push: 'transaction', conflicts: () => undefined, batchSize: 50, retry: { maxAttempts: 2 } });
    rep.stop();
  });
});

describe('replication errors name the method, the absolute URL and the cause', () => {
  it('an unreachable server: ECONNREFUSED with the URL it tried', async () => {
    store = await openTestStore();
    const port = await closedPort();
    for (const [bulkExport, path] of [[false, 'ImagingSelection/_history\\?\\S*'], [true, 'metadata']] as const) {
      // The first request: the _history page, or with the bulk first sync, the CapabilityStatement.
      const rep = store.replicate({ baseUrl: `http://127.0.0.1:${port}/fhir`, ...ONE_TRY, bulkExport });
      const err = await rep.syncOnce().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(RetryableError);
      expect((err as Error).message).toMatch(new RegExp(`^GET http://127\\.0\\.0\\.1:${port}/fhir/${path} failed: .*ECONNREFUSED`));
      rep.stop();
    }
  });

  describe('through a server that answers with an error', () => {
    let server: { url: string; close: () => Promise<void> };
    let proxy: FaultProxy;
    beforeAll(async () => {
      server = await remoteServer();
      proxy = await startProxy(server.url);
    });
    afterAll(async () => {
      await proxy.close();
      await server.close();
    });

    it('a 503 on push names the PUT and its absolute URL', async () => {
      store = await openTestStore({ idGenerator: () => `edge-${Date.now().toString(36)}` });
      const created = await store.create(selection());
      proxy.rules = [when({ method: 'PUT' }, { status: 503 })];
      const rep = store.replicate({ baseUrl: proxy.url, ...ONE_TRY });
      const err = await rep.syncOnce().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(RetryableError);
      expect((err as Error).message).toBe(`PUT ${proxy.url}/ImagingSelection/${created.id} answered 503`);
      rep.stop();
    });
  });
});
