import type { Bundle, SubscriptionStatus } from 'fhir/r5';
import type { FhirClient } from './client.js';
import type { CancelTimer, SyncEnvironment } from './environment.js';
import { retryDelay, type RetryPolicy } from './retryer.js';
import type { ServerPushOptions, ServerPushState, WebSocketConstructor, WebSocketLike } from './server-push-options.js';
import { createSubscription, discoverPush, getBindingToken, PushUnavailable, SubscriptionGone, type PushPlan } from './subscription-setup.js';

/** How long a new socket may take to be bound (handshake, or `bound <id>`), ms. */
const BIND_TIMEOUT_MS = 10_000;

/**
 * Why the doorbell rang: a notification, or something that may have hidden one.
 * @see https://hl7.org/fhir/R5/subscriptions.html#errors
 */
export type RingReason = 'bound' | 'notification' | 'gap' | 'lost';

/**
 * What the doorbell needs from the replication that owns it.
 * @see docs/sync.md "Server push"
 */
export interface DoorbellDeps {
  client: FhirClient;
  env: SyncEnvironment;
  /** The types pulled: the topic must cover them. */
  types: readonly string[];
  options: ServerPushOptions;
  WebSocket: WebSocketConstructor;
  /** Backoff of reconnections (its `maxAttempts` is ignored: reconnecting never gives up). */
  retry: RetryPolicy;
  /** Asks for a pull (the replication coalesces rings that come while a cycle runs). */
  ring(reason: RingReason): void;
  /** Where server push stands. */
  state(state: ServerPushState): void;
  /** A failure worth telling the app (it does not stop live mode). */
  error(e: Error): void;
  /**
   * Runs `fn` under the replication lock when it is free (undefined when another tab holds it): the requests of
   * subscribing are made by one tab at a time, as a cycle's are.
   */
  locked<T>(fn: () => Promise<T>): Promise<T | undefined>;
}

/**
 * Server push for live mode: subscribes to the server's topic, binds a websocket, and rings on every
 * notification, on a gap in `eventsSinceSubscriptionStart`, on each (re)binding, on a lost socket and on missing
 * heartbeats; reconnects with backoff. A doorbell, not a feed: what changed is read by the `_history` pull, so a
 * lost or repeated notification costs at most one pull, and nothing is lost or applied twice.
 * @see https://hl7.org/fhir/R5/subscriptions.html
 * @see https://build.fhir.org/ig/HL7/fhir-subscription-backport-ig/channels.html#websockets
 */
export class Doorbell {
  private stopped = false;
  private plan: PushPlan | undefined;
  private subscriptionId: string | undefined;
  private socket: WebSocketLike | undefined;
  private cancelWatchdog: CancelTimer | undefined;
  private cancelReconnect: CancelTimer | undefined;
  private attempts = 0;
  /** The last `eventsSinceSubscriptionStart` (or event number) seen on the current subscription. */
  private events: number | undefined;
  private readonly protocol: 'bind-with-token' | 'bind';
  private readonly heartbeatMs: number;

  constructor(private readonly deps: DoorbellDeps) {
    this.protocol = deps.options.protocol ?? 'bind-with-token';
    this.heartbeatMs = (deps.options.heartbeatPeriod ?? 30) * 1000;
  }

  /** Finds the topic, subscribes and binds; a server without push leaves the state `unavailable`. */
  start(): Promise<void> {
    this.deps.state('connecting');
    return this.connect();
  }

  private async connect(): Promise<void> {
    this.cancelReconnect = undefined;
    if (this.stopped) return;
    try {
      const target = await this.deps.locked(() => this.prepare());
      if (this.stopped) return;
      // Another tab holds the lock (it is replicating): try again after a backoff.
      if (target === undefined) return this.reconnectLater();
      this.open(target.url, target.bind);
    } catch (e) {
      if (this.stopped) return;
      if (e instanceof PushUnavailable) {
        this.deps.error(new Error(`Server push unavailable, polling every interval: ${e.message}`));
        this.deps.state('unavailable');
        return;
      }
      if (e instanceof SubscriptionGone) this.subscriptionId = undefined;
      this.deps.error(e as Error);
      this.deps.state('reconnecting');
      this.reconnectLater();
    }
  }

  /** The HTTP part of subscribing: the topic, the Subscription (once), and where and how to bind. */
  private async prepare(): Promise<{ url: string; bind: string }> {
    this.plan ??= await discoverPush(this.deps.client, this.deps.types, this.deps.options);
    if (this.subscriptionId === undefined) {
      this.subscriptionId = await createSubscription(this.deps.client, this.plan.topic, this.deps.options);
      this.events = undefined;
    }
    const id = this.subscriptionId;
    if (this.protocol === 'bind') return { url: this.plan.websocketUrl!, bind: `bind ${id}` };
    const token = await getBindingToken(this.deps.client, id, this.plan.websocketUrl);
    return { url: token.websocketUrl, bind: `bind-with-token ${token.token}` };
  }

  private open(url: string, bind: string): void {
    const ws = new this.deps.WebSocket(url);
    this.socket = ws;
    this.watch(BIND_TIMEOUT_MS);
    ws.onopen = () => ws.send(bind);
    ws.onmessage = (event) => this.message(ws, event.data);
    ws.onclose = () => this.lost(ws);
    // A failed connection is followed by a close event.
    ws.onerror = () => undefined;
  }

  /** (Re)arms the watchdog: no message within `ms` counts as a lost socket. */
  private watch(ms: number | undefined): void {
    this.cancelWatchdog?.();
    this.cancelWatchdog = ms === undefined ? undefined : this.deps.env.schedule(ms, () => this.socket && this.lost(this.socket));
  }

  private message(ws: WebSocketLike, data: unknown): void {
    if (ws !== this.socket || this.stopped) return;
    const text = typeof data === 'string' ? data : String(data);
    if (this.protocol === 'bind') return this.legacyMessage(ws, text);
    let bundle: Bundle | undefined;
    try {
      bundle = JSON.parse(text) as Bundle;
    } catch {
      return;
    }
    const status = bundle?.entry?.[0]?.resource as SubscriptionStatus | undefined;
    if (bundle?.type !== 'subscription-notification' || status?.resourceType !== 'SubscriptionStatus') return;
    // Two heartbeat periods and a second without a word: the socket is as good as lost.
    this.watch(this.heartbeatMs * 2 + 1000);
    const since = Number(status.eventsSinceSubscriptionStart ?? Number.NaN);
    const numbers = (status.notificationEvent ?? []).map((e) => Number(e.eventNumber)).filter((n) => Number.isFinite(n));
    const before = this.events;
    const latest = Math.max(...numbers, Number.isFinite(since) ? since : -Infinity);
    if (Number.isFinite(latest)) this.events = Math.max(latest, before ?? 0);
    switch (status.type) {
      case 'handshake':
        this.bound();
        // Changes between the last pull and this binding were announced to no one.
        this.deps.ring('bound');
        break;
      case 'heartbeat':
        if (before !== undefined && since > before) this.deps.ring('gap');
        break;
      case 'event-notification': {
        const first = numbers.length > 0 ? Math.min(...numbers) : since;
        this.deps.ring(before !== undefined && first > before + 1 ? 'gap' : 'notification');
        break;
      }
      default:
        break;
    }
  }

  /** HAPI's protocol: `bound <id>`, then `ping <id>` per event; no heartbeats, no numbers. */
  private legacyMessage(ws: WebSocketLike, text: string): void {
    const [word, id] = text.trim().split(/\s+/);
    if (id !== this.subscriptionId) {
      if (word === 'error') ws.close();
      return;
    }
    if (word === 'bound') {
      this.watch(undefined);
      this.bound();
      this.deps.ring('bound');
    } else if (word === 'ping') this.deps.ring('notification');
  }

  private bound(): void {
    this.attempts = 0;
    this.deps.state('connected');
  }

  /** The socket closed, failed or went silent: pull (a notification may be lost) and reconnect. */
  private lost(ws: WebSocketLike): void {
    if (ws !== this.socket || this.stopped) return;
    this.socket = undefined;
    this.watch(undefined);
    detach(ws);
    ws.close();
    this.deps.state('reconnecting');
    this.deps.ring('lost');
    this.reconnectLater();
  }

  private reconnectLater(): void {
    this.attempts++;
    const delay = retryDelay(this.attempts, this.deps.retry, this.deps.env.random);
    this.cancelReconnect = this.deps.env.schedule(delay, () => void this.connect());
  }

  /**
   * Closes the socket, cancels every timer and deletes the subscription on the server (resolves when it answered;
   * left on the server when another tab holds the replication lock).
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.watch(undefined);
    this.cancelReconnect?.();
    const ws = this.socket;
    this.socket = undefined;
    if (ws) {
      detach(ws);
      ws.close(1000, 'replication stopped');
    }
    this.deps.state('off');
    const id = this.subscriptionId;
    if (id !== undefined) await this.deps.locked(() => this.deps.client.send('DELETE', `Subscription/${encodeURIComponent(id)}`)).catch(() => undefined);
  }
}

function detach(ws: WebSocketLike): void {
  ws.onopen = null;
  ws.onmessage = null;
  ws.onclose = null;
  ws.onerror = () => undefined;
}
