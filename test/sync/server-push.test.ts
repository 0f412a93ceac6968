import type { Bundle, OperationOutcome, Parameters, Subscription } from 'fhir/r5';
import { firstValueFrom, filter } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Replication, ServerPushState, Store } from '../../src/index.js';
import { startServer } from '../../src/server/index.js';
import { TOPIC_URL } from '../../src/server/subscription-topic.js';
import type { FhirRequest } from '../../src/rest/http.js';
import { SubscriptionHub } from '../../src/server/subscriptions.js';
import { openTestStore, selection } from '../helpers.js';
import { syncHarness } from './harness.js';

/*
 * Server push over real HTTP and websockets against `startServer`: the client subscribes, binds, and pulls when
 * notified; a gap, a lost socket and missing heartbeats each lead to a pull; a server without subscriptions is
 * polled. The client's timers run on virtual time, so any pull that happens without advancing it came from the
 * doorbell. The server's heartbeats are real (1 s).
 */

const h = syncHarness({ proxy: true });
const IS = 'ImagingSelection';

/** Waits (real time) until `condition` holds, failing after `ms`: a bound, not a sleep. */
async function until(what: string, condition: () => Promise<boolean> | boolean, ms = 5000): Promise<number> {
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now() - started;
}

const state = (rep: Replication, wanted: ServerPushState): Promise<ServerPushState> =>
  firstValueFrom(rep.serverPush$.pipe(filter((s) => s === wanted)));

/** Whether the store has this resource, and in how many versions. */
async function versions(store: Store, id: string): Promise<number> {
  const res = await store.handle({ method: 'GET', url: `${IS}/${id}/_history` });
  return res.status === 200 ? ((res.body as Bundle).entry ?? []).length : 0;
}

async function live(store: Store, options: { heartbeatPeriod?: number; protocol?: 'bind' } = {}): Promise<Replication> {
  const rep = store.replicate({
    baseUrl: h.proxy.url,
    live: true,
    interval: 3_600_000,
    ...h.fast,
    subscriptions: { WebSocket, heartbeatPeriod: options.heartbeatPeriod ?? 1, ...(options.protocol ? { protocol: options.protocol } : {}) },
  });
  await state(rep, 'connected');
  // The cycles of the start and of the binding are over: what the test writes next only a doorbell brings.
  await rep.syncOnce();
  await rep.syncOnce();
  return rep;
}

describe.skipIf(process.env['FHIR_BASE_URL'] !== undefined)('server push (live mode over a websocket)', () => {
  it('a change on the server reaches a subscribed client well within 1 s, once', async () => {
    const store = await h.client();
    const rep = await live(store);
    const id = h.uid('pushed');
    const started = performance.now();
    await h.remote.put(selection({ id }));
    await until('the change on the client', async () => (await versions(store, id)) === 1, 1000);
    expect(performance.now() - started).toBeLessThan(1000);
    // Another change: the same resource, updated, in two versions, never three.
    await h.remote.put(selection({ id, status: 'unknown' }));
    await until('the update on the client', async () => (await versions(store, id)) === 2, 1000);
    // Rung by the server's notifications (the interval, an hour of virtual time, never passed).
    expect(h.proxy.sockets[0]!.forwarded.filter((m) => m.includes('"event-notification"'))).toHaveLength(2);
    rep.stop();
  });

  it('a burst of changes: every one arrives exactly once', async () => {
    const store = await h.client();
    const rep = await live(store);
    const ids = Array.from({ length: 20 }, (_, i) => h.uid(`burst${i}`));
    const pullsBefore = h.proxy.count('GET', /^ImagingSelection\/_history/);
    await Promise.all(ids.map((id) => h.remote.put(selection({ id }))));
    await until('all 20 on the client', async () => (await Promise.all(ids.map((id) => versions(store, id)))).every((n) => n === 1));
    // Coalesced: fewer history pulls than notifications.
    expect(h.proxy.sockets[0]!.forwarded.filter((m) => m.includes('"event-notification"')).length).toBeGreaterThanOrEqual(20);
    expect(h.proxy.count('GET', /^ImagingSelection\/_history/) - pullsBefore).toBeLessThan(20);
    rep.stop();
  });

  it('a gap in eventsSinceSubscriptionStart (a lost notification) is found by the next heartbeat, and pulled', async () => {
    const store = await h.client();
    const rep = await live(store);
    h.proxy.dropMessage = (text) => text.includes('"event-notification"');
    const id = h.uid('gap');
    await h.remote.put(selection({ id }));
    await until('the change, after a heartbeat showed the gap', async () => (await versions(store, id)) === 1, 4000);
    const heartbeats = h.proxy.sockets[0]!.forwarded.filter((m) => m.includes('"heartbeat"'));
    expect(heartbeats.length).toBeGreaterThan(0);
    rep.stop();
  });

  it('a dropped socket: a pull at once, then it reconnects (backoff on the injected timers) and is rung again', async () => {
    const store = await h.client();
    const rep = await live(store);
    h.proxy.dropMessage = (text) => text.includes('"event-notification"');
    const first = h.uid('during');
    await h.remote.put(selection({ id: first }));
    const reconnecting = state(rep, 'reconnecting');
    h.proxy.sockets[0]!.kill();
    await reconnecting;
    await until('the change made before the socket was lost', async () => (await versions(store, first)) === 1);
    h.proxy.dropMessage = undefined;
    const connected = state(rep, 'connected');
    await h.time.whenArmed(1);
    h.time.advance(1000); // the reconnection backoff
    await connected;
    expect(h.proxy.sockets).toHaveLength(2);
    const second = h.uid('after');
    await h.remote.put(selection({ id: second }));
    await until('a change after the reconnection', async () => (await versions(store, second)) === 1, 1000);
    expect(await versions(store, first)).toBe(1);
    rep.stop();
  });

  it('missing heartbeats count as a lost socket: a pull and a new socket', async () => {
    const store = await h.client();
    const rep = await live(store, { heartbeatPeriod: 2 });
    h.proxy.dropMessage = () => true; // a socket that stays open but carries nothing
    const id = h.uid('silent');
    await h.remote.put(selection({ id }));
    expect(await versions(store, id)).toBe(0);
    const reconnecting = state(rep, 'reconnecting');
    h.time.advance(2 * 2000 + 1000); // the watchdog: two heartbeat periods and a second
    await reconnecting;
    await until('the change, pulled when the socket went silent', async () => (await versions(store, id)) === 1);
    h.proxy.dropMessage = undefined;
    const connected = state(rep, 'connected');
    h.time.advance(1000);
    await connected;
    rep.stop();
  });

  it("HAPI's older protocol (bind <id>, ping <id>) works as a doorbell too", async () => {
    const store = await h.client();
    const rep = await live(store, { protocol: 'bind' });
    const id = h.uid('legacy');
    await h.remote.put(selection({ id }));
    await until('the change, rung by ping <id>', async () => (await versions(store, id)) === 1, 1000);
    expect(h.proxy.sockets[0]!.forwarded.some((m) => /^ping /.test(m))).toBe(true);
    rep.stop();
  });

  it('stop() closes the socket and deletes the subscription on the server', async () => {
    const store = await h.client();
    const rep = await live(store);
    const created = h.proxy.requests('POST', 'Subscription');
    expect(created).toHaveLength(1);
    rep.stop();
    await until('the DELETE of the subscription', () => h.proxy.count('DELETE', /^Subscription\//) === 1);
    const deleted = h.proxy.requests('DELETE', /^Subscription\//)[0]!;
    expect((await h.remote.call('GET', deleted.path)).status).toBe(410);
    expect(await firstValueFrom(rep.serverPush$)).toBe('off');
  });

  it('subscriptions: false, or no WebSocket: live mode polls and asks nothing about subscriptions', async () => {
    const store = await h.client();
    const rep = store.replicate({ baseUrl: h.proxy.url, live: true, interval: 1000, ...h.fast, subscriptions: false });
    const id = h.uid('polled');
    await h.remote.put(selection({ id }));
    h.time.advance(1000);
    await until('the change, polled', async () => (await versions(store, id)) === 1);
    expect(h.proxy.count('GET', 'metadata') + h.proxy.count('POST', 'Subscription')).toBe(0);
    rep.stop();
  });
});

describe('a server without subscriptions: the interval fallback', () => {
  it('server push is unavailable, and the interval polls', async () => {
    const server = await startServer({ port: 0, subscriptions: false });
    try {
      const store = await h.client();
      const rep = store.replicate({ baseUrl: server.url, live: true, interval: 1000, ...h.fast, subscriptions: { WebSocket } });
      await state(rep, 'unavailable');
      const id = h.uid('fallback');
      await fetch(`${server.url}/${IS}/${id}`, { method: 'PUT', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(selection({ id })) });
      h.time.advance(1000);
      await until('the change, polled on the interval', async () => (await versions(store, id)) === 1);
      rep.stop();
    } finally {
      await server.close();
    }
  });
});

describe('the server: Subscription checks, $get-ws-binding-token and the websocket upgrade', () => {
  const TOKEN = 'push-suite-token';
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const json = { 'Content-Type': 'application/fhir+json', ...auth };
  const subscription = (over: Partial<Subscription> = {}): Subscription => ({
    resourceType: 'Subscription',
    status: 'requested',
    topic: TOPIC_URL,
    channelType: { code: 'websocket' },
    ...over,
  });

  /** Opens a websocket; resolves with the HTTP status of a refused upgrade, or the first message and the close. */
  function connect(url: string, headers: Record<string, string>, send?: string): Promise<{ status?: number; messages: string[]; closeCode?: number }> {
    return new Promise((resolve) => {
      const messages: string[] = [];
      const ws = new WebSocket(url, { headers });
      ws.on('unexpected-response', (_req, res) => {
        resolve({ status: res.statusCode ?? 0, messages });
        ws.terminate();
      });
      ws.on('open', () => send !== undefined && ws.send(send));
      ws.on('message', (d) => {
        messages.push(String(d));
        ws.close();
      });
      ws.on('close', (code) => resolve({ messages, closeCode: code }));
      ws.on('error', () => undefined);
    });
  }

  it.each([
    ['an unknown topic', subscription({ topic: 'http://example.org/topic' }), 'Subscription.topic'],
    ['a rest-hook channel', subscription({ channelType: { code: 'rest-hook' }, endpoint: 'http://example.org/hook' }), 'Subscription.channelType'],
    ['a full-resource payload', subscription({ content: 'full-resource' }), 'Subscription.content'],
    ['a filter', subscription({ filterBy: [{ filterParameter: 'patient', value: 'Patient/1' }] }), 'Subscription.filterBy'],
    ['a heartbeat of 0 s', subscription({ heartbeatPeriod: 0 }), 'Subscription.heartbeatPeriod'],
  ])('refuses %s with 422 and stores nothing', async (_name, body, expression) => {
    const server = await startServer({ port: 0 });
    try {
      const res = await fetch(`${server.url}/Subscription`, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(422);
      expect(((await res.json()) as OperationOutcome).issue[0]?.expression).toEqual([expression]);
      const stored = (await (await fetch(`${server.url}/Subscription?_summary=count`)).json()) as Bundle;
      expect(stored.total).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('the topic is a stored resource, and the CapabilityStatement names the websocket endpoint and the operation', async () => {
    const server = await startServer({ port: 0 });
    try {
      const topics = (await (await fetch(`${server.url}/SubscriptionTopic`)).json()) as Bundle;
      expect(topics.entry?.map((e) => (e.resource as { url?: string }).url)).toEqual([TOPIC_URL]);
      const statement = (await (await fetch(`${server.url}/metadata`)).json()) as { rest: { extension: { valueUrl: string }[]; resource: { type: string; operation?: { name: string }[] }[] }[] };
      expect(statement.rest[0]!.extension[0]!.valueUrl).toBe(`${server.url.replace('http', 'ws')}/$websocket`);
      expect(statement.rest[0]!.resource.find((r) => r.type === 'Subscription')?.operation?.[0]?.name).toBe('get-ws-binding-token');
      // $get-ws-binding-token: an unknown id is 404, the type level without an id 400.
      expect((await fetch(`${server.url}/Subscription/nope/$get-ws-binding-token`)).status).toBe(404);
      expect((await fetch(`${server.url}/Subscription/$get-ws-binding-token`)).status).toBe(400);
    } finally {
      await server.close();
    }
  });

  it('the upgrade passes the checks of every request: Host, Origin, token; the binding token is the socket credential', async () => {
    const server = await startServer({ port: 0, token: TOKEN });
    try {
      const ws = `${server.url.replace('http', 'ws')}/$websocket`;
      const created = (await (await fetch(`${server.url}/Subscription`, { method: 'POST', headers: json, body: JSON.stringify(subscription()) })).json()) as Subscription;
      expect(created.status).toBe('active');
      const tokenRes = await fetch(`${server.url}/Subscription/${created.id}/$get-ws-binding-token`, { headers: auth });
      const binding = ((await tokenRes.json()) as Parameters).parameter!.find((p) => p.name === 'token')!.valueString!;
      // Without the server's token, no binding token.
      expect((await fetch(`${server.url}/Subscription/${created.id}/$get-ws-binding-token`)).status).toBe(401);
      const cases: [string, Record<string, string>, string | undefined, (r: Awaited<ReturnType<typeof connect>>) => void][] = [
        ['a page of another origin', { Origin: 'https://evil.example' }, `bind-with-token ${binding}`, (r) => expect(r.status).toBe(403)],
        ['another Host (DNS rebinding)', { Host: `attacker.example:${server.port}` }, `bind-with-token ${binding}`, (r) => expect(r.status).toBe(421)],
        ['a wrong bearer token', { Authorization: 'Bearer wrong' }, `bind-with-token ${binding}`, (r) => expect(r.status).toBe(401)],
        ['a made-up binding token', {}, 'bind-with-token made-up', (r) => expect(r.closeCode).toBe(1008)],
        ['bind <id> without the bearer token', {}, `bind ${created.id}`, (r) => expect(r.closeCode).toBe(1008)],
        ['bind <id> with it', auth, `bind ${created.id}`, (r) => expect(r.messages).toEqual([`bound ${created.id}`])],
        ['an unknown command', {}, 'subscribe everything', (r) => expect(r.closeCode).toBe(1008)],
        [
          'a loopback page with the binding token',
          { Origin: 'http://localhost:3000' },
          `bind-with-token ${binding}`,
          (r) => expect((JSON.parse(r.messages[0]!) as Bundle).entry?.[0]?.resource).toMatchObject({ resourceType: 'SubscriptionStatus', type: 'handshake', eventsSinceSubscriptionStart: '0' }),
        ],
      ];
      for (const [name, headers, send, check] of cases) {
        const result = await connect(ws, headers, send);
        try {
          check(result);
        } catch (e) {
          throw new Error(`${name}: ${(e as Error).message}`);
        }
      }
      expect((await connect(`${server.url.replace('http', 'ws')}/elsewhere`, auth)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('a binding token can be had as soon as the create is answered (with the resource, or return=minimal)', async () => {
    // The hub itself, so that nothing runs between the answer and the next request (over loopback HTTP the
    // store's change event usually wins the race; in a browser it did not).
    const store = await openTestStore();
    const hub = new SubscriptionHub(store, 'http://127.0.0.1:9/fhir', '/fhir', false);
    try {
      await hub.ready();
      const next = (r: FhirRequest) => store.handle(r);
      for (const prefer of ['return=representation', 'return=minimal']) {
        const res = await hub.handle({ method: 'POST', url: 'Subscription', headers: { prefer }, body: subscription() }, next);
        expect(res.status).toBe(201);
        const id = /Subscription\/([^/]+)/.exec(res.headers['Location'] ?? '')?.[1];
        expect((await hub.handle({ method: 'GET', url: `Subscription/${id}/$get-ws-binding-token` }, next)).status, prefer).toBe(200);
      }
    } finally {
      hub.close();
      store.close();
    }
  });

  it('notifications are numbered per subscription, with the focus for id-only', async () => {
    const server = await startServer({ port: 0 });
    try {
      const created = (await (await fetch(`${server.url}/Subscription`, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(subscription()) })).json()) as Subscription;
      const params = (await (await fetch(`${server.url}/Subscription/${created.id}/$get-ws-binding-token`)).json()) as Parameters;
      const value = (name: string) => params.parameter!.find((p) => p.name === name)!;
      const messages: Bundle[] = [];
      const ws = new WebSocket(value('websocket-url').valueUrl!);
      ws.on('message', (d) => messages.push(JSON.parse(String(d)) as Bundle));
      await new Promise((r) => ws.on('open', r));
      ws.send(`bind-with-token ${value('token').valueString!}`);
      await until('the handshake', () => messages.length === 1);
      for (const id of ['n1', 'n2']) await server.store.update(selection({ id }));
      await server.store.delete(IS, 'n1');
      await until('three notifications', () => messages.length === 4);
      const events = messages.slice(1).map((b) => {
        const status = b.entry![0]!.resource as unknown as { eventsSinceSubscriptionStart: string; notificationEvent: { eventNumber: string; focus: { reference: string } }[] };
        return [status.eventsSinceSubscriptionStart, status.notificationEvent[0]!.eventNumber, status.notificationEvent[0]!.focus.reference, b.entry![1]!.request!.method];
      });
      expect(events).toEqual([
        ['1', '1', `${IS}/n1/_history/1`, 'POST'],
        ['2', '2', `${IS}/n2/_history/1`, 'POST'],
        ['3', '3', `${IS}/n1/_history/2`, 'DELETE'],
      ]);
      ws.close();
    } finally {
      await server.close();
    }
  });
});
