import type { SubscriptionTopic } from 'fhir/r5';
import { filter, firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { openTestStore, selection } from '../helpers.js';

/*
 * Server push from HAPI FHIR R5 (fhir-test-server/, websocket subscriptions enabled): HAPI speaks its older
 * websocket protocol (`bind <id>`, `bound <id>`, `ping <id>`) at /websocket, and activates a Subscription
 * asynchronously. A change made on HAPI must reach a client subscribed with `protocol: 'bind'`.
 * Runs in the interop suite (`npm run test:interop`), skipped without HAPI_BASE_URL / FHIR_BASE_URL.
 */

const REMOTE = process.env['HAPI_BASE_URL'] ?? process.env['FHIR_BASE_URL'];
const json = { 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json' };

/** Waits (real time) until `condition` holds, failing after `ms`. */
async function until(what: string, condition: () => Promise<boolean>, ms: number): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(REMOTE === undefined)('server push from HAPI FHIR R5 (bind <id>)', () => {
  it('a change made on HAPI reaches a subscribed client', { timeout: 180_000 }, async () => {
    const base = REMOTE!.replace(/\/+$/, '');
    const run = Date.now().toString(36);
    const topicUrl = `http://fhir-offline-store.test/SubscriptionTopic/push-${run}`;
    // HAPI 8.8 matches `resourceTrigger.resource` as a bare type name: the canonical StructureDefinition URL
    // (which R5 allows too, and this package's server uses) is accepted but never matches a change.
    const topic: SubscriptionTopic = {
      resourceType: 'SubscriptionTopic',
      id: `push-${run}`,
      url: topicUrl,
      status: 'active',
      resourceTrigger: [{ resource: 'ImagingSelection', supportedInteraction: ['create', 'update', 'delete'] }],
    };
    expect((await fetch(`${base}/SubscriptionTopic/${topic.id}`, { method: 'PUT', headers: json, body: JSON.stringify(topic) })).ok).toBe(true);
    // HAPI registers a topic asynchronously and refuses Subscriptions on a topic it does not know yet.
    await until(
      'HAPI accepts a Subscription on the new topic',
      async () => {
        const probe = await fetch(`${base}/Subscription`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ resourceType: 'Subscription', status: 'requested', topic: topicUrl, channelType: { code: 'websocket' }, content: 'empty' }),
        });
        const created = (await probe.json()) as { id?: string };
        if (probe.status === 201 && created.id) await fetch(`${base}/Subscription/${created.id}`, { method: 'DELETE' });
        return probe.status === 201;
      },
      90_000,
    );

    // The messages HAPI sends, to see that the doorbell was its `ping <id>`.
    const received: string[] = [];
    class RecordingWebSocket extends WebSocket {
      constructor(url: string) {
        super(url);
        this.addEventListener('message', (e) => received.push(String(e.data)));
      }
    }
    const store = await openTestStore();
    try {
      const websocketUrl = `${base.replace(/^http/, 'ws').replace(/\/fhir$/, '')}/websocket`;
      const rep = store.replicate({
        baseUrl: base,
        live: true,
        interval: 3_600_000,
        retry: { initialDelay: 250, maxDelay: 2000 },
        // The first sync by HAPI's $export (test/interop/bulk-export.test.ts) is not what this tests: its longer
        // first cycle let the pull the bind rang (run after it) fetch the change before HAPI's ping came (seen once).
        bulkExport: false,
        subscriptions: { WebSocket: RecordingWebSocket, protocol: 'bind', websocketUrl, topic: topicUrl },
      });
      // HAPI activates the Subscription a moment after creating it; a bind before that is refused (and the
      // socket closed), and the client binds again after a backoff.
      await Promise.race([
        firstValueFrom(rep.serverPush$.pipe(filter((s) => s === 'connected'))),
        firstValueFrom(rep.serverPush$.pipe(filter((s) => s === 'unavailable'))).then(() => {
          throw new Error('server push unavailable');
        }),
      ]);
      await rep.syncOnce();
      const id = `push-${run}`;
      await fetch(`${base}/ImagingSelection/${id}`, { method: 'PUT', headers: json, body: JSON.stringify(selection({ id })) });
      await until('the change on the client', async () => (await store.handle({ method: 'GET', url: `ImagingSelection/${id}` })).status === 200, 30_000);
      expect(received.filter((m) => m.startsWith('ping '))).not.toHaveLength(0);
      rep.stop();
    } finally {
      store.close();
    }
  });
});
