import { afterEach, expect, it } from 'vitest';
import type { Store } from '../../src/index.js';
import { RetryableError } from '../../src/sync/errors.js';
import { openTestStore, selection } from '../helpers.js';

// The store's clock stands at NOW; the server asks to wait until 30 s after it, as an HTTP date. Read on the
// injected clock that is a 30 s wait; read on the machine's clock (a later date) it would be none at all.
const NOW = new Date('2025-01-01T00:00:00.000Z');
const RETRY_AT = new Date(NOW.getTime() + 30_000).toUTCString();

let store: Store;
afterEach(() => store?.close());

/** A server that answers every request 503 with `Retry-After` as an HTTP date. */
const busy = async (): Promise<Response> =>
  new Response(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient' }] }), {
    status: 503,
    headers: { 'Content-Type': 'application/fhir+json', 'Retry-After': RETRY_AT },
  });

async function failureOfOneCycle(): Promise<unknown> {
  const replication = store.replicate({ baseUrl: 'http://server.test/fhir', fetch: busy, retry: { maxAttempts: 1 } });
  return replication.syncOnce().then(
    () => undefined,
    (e: unknown) => e,
  );
}

it('a push answered 503 with a Retry-After date waits as long as the injected clock says', async () => {
  store = await openTestStore({ clock: () => NOW });
  await store.create(selection());
  const error = await failureOfOneCycle();
  expect(error).toBeInstanceOf(RetryableError);
  expect((error as RetryableError).retryAfterMs).toBe(30_000);
});

it('a pull answered 503 with a Retry-After date waits as long as the injected clock says', async () => {
  store = await openTestStore({ clock: () => NOW });
  const error = await failureOfOneCycle();
  expect(error).toBeInstanceOf(RetryableError);
  expect((error as RetryableError).retryAfterMs).toBe(30_000);
});
