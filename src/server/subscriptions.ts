import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { CapabilityStatement, Parameters, Subscription as FhirSubscription } from 'fhir/r5';
import type { Subscription } from 'rxjs';
import { WebSocketServer, type WebSocket } from 'ws';
import { operationOutcome, type IssueInput } from '../errors/fhir-error.js';
import type { FhirRequest, FhirResponse } from '../rest/http.js';
import type { Store, StoreChange } from '../store.js';
import { CHANNEL_TYPE_SYSTEM, notificationBundle, resourceChangesTopic, TOPIC_ID, TOPIC_TYPES, TOPIC_URL, type TopicEvent } from './subscription-topic.js';

/** Seconds between heartbeats when a Subscription gives no `heartbeatPeriod`. */
const DEFAULT_HEARTBEAT_S = 60;
/** How long a binding token can be used to bind, ms. */
const TOKEN_LIFETIME_MS = 5 * 60_000;
/** How long a socket may stay open without binding anything, ms. */
const BIND_DEADLINE_MS = 30_000;
/** Close code of a policy violation (RFC 6455 §7.4.1): a bad token, an unknown command. */
const POLICY_VIOLATION = 1008;
/**
 * The path of the websocket endpoint under the FHIR base.
 * @see https://build.fhir.org/ig/HL7/fhir-subscription-backport-ig/channels.html#websockets
 */
export const WEBSOCKET_PATH = '$websocket';
/**
 * The core extension naming a server's websocket endpoint in its CapabilityStatement.
 * @see https://hl7.org/fhir/R5/extension-capabilitystatement-websocket.html
 */
export const WEBSOCKET_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/capabilitystatement-websocket';
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** A websocket Subscription on the topic that the hub notifies. */
interface ActiveSubscription {
  id: string;
  content: 'empty' | 'id-only';
  heartbeatMs: number;
  /** Events since the hub learnt of the subscription: `eventsSinceSubscriptionStart`. */
  events: number;
}

/** What one socket bound: per subscription, the protocol and (for `bind-with-token`) its heartbeat timer. */
interface Binding {
  legacy: boolean;
  heartbeat?: NodeJS.Timeout;
}

/**
 * Why an upgrade is refused (the same checks as every HTTP request), or undefined when it may go on.
 * @see https://www.rfc-editor.org/rfc/rfc6455#section-4.2.2
 */
export type UpgradeCheck = (req: IncomingMessage) => { status: number; issue: IssueInput; headers?: Record<string, string> } | undefined;

/**
 * The server's R5 topic-based subscriptions with the websocket channel: the topic (stored in the store, so it
 * is read and searched like any resource), checks on `Subscription` writes (topic, channel, payload), the
 * `$get-ws-binding-token` operation, the websocket endpoint (`bind-with-token <token>`, and HAPI's older
 * `bind <id>`), and the notifications: a handshake on binding, heartbeats every `heartbeatPeriod`, one
 * `event-notification` per change of a covered type, numbered per subscription.
 * @see https://hl7.org/fhir/R5/subscriptions.html
 * @see https://build.fhir.org/ig/HL7/fhir-subscription-backport-ig/channels.html#websockets
 */
export class SubscriptionHub {
  private readonly active = new Map<string, ActiveSubscription>();
  private readonly tokens = new Map<string, { ids: string[]; expires: number }>();
  private readonly sockets = new Map<WebSocket, Map<string, Binding>>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly changes: Subscription;
  /** Settled when the subscriptions already in the store are known. */
  private readonly loaded: Promise<void>;
  private closed = false;

  /**
   * @param store the store served; its `changes$` drives the notifications.
   * @param baseUrl the server's FHIR base URL (`http://127.0.0.1:8080/fhir`).
   * @param basePath the base's path (`/fhir`), where the websocket endpoint lives (`/fhir/$websocket`).
   * @param requiresToken whether the server needs a bearer token (then `bind <id>`, which carries none, needs it on the upgrade).
   */
  constructor(
    private readonly store: Store,
    private readonly baseUrl: string,
    private readonly basePath: string,
    private readonly requiresToken: boolean,
  ) {
    this.changes = store.changes$.subscribe((change) => this.onChange(change));
    this.loaded = this.load();
  }

  /** The websocket URL clients bind on: the base URL with `ws:`/`wss:` and `/$websocket`. */
  get websocketUrl(): string {
    return `${this.baseUrl.replace(/^http/, 'ws')}/${WEBSOCKET_PATH}`;
  }

  /** Stores the topic (unless the same is there) and learns the websocket subscriptions already stored. */
  private async load(): Promise<void> {
    const topic = resourceChangesTopic();
    const held = await this.store.handle({ method: 'GET', url: `SubscriptionTopic/${TOPIC_ID}` });
    const same = held.status === 200 && JSON.stringify({ ...(held.body as object), meta: undefined }) === JSON.stringify({ ...topic, meta: undefined });
    if (!same) await this.store.handle({ method: 'PUT', url: `SubscriptionTopic/${TOPIC_ID}`, body: topic });
    const bundle = (await this.store.handle({ method: 'GET', url: 'Subscription?_count=1000' })).body as { entry?: { resource?: FhirSubscription }[] };
    for (const e of bundle.entry ?? []) if (e.resource?.resourceType === 'Subscription') this.track(e.resource);
  }

  /** Resolves once the topic is stored and the stored subscriptions are known. */
  ready(): Promise<void> {
    return this.loaded;
  }

  /**
   * Answers the requests that are the hub's (`$get-ws-binding-token`), checks and completes `Subscription`
   * writes before the store takes them, and adds the websocket endpoint to the CapabilityStatement;
   * `next` is the store (through the server's request gate). Anything else goes to `next` as it is.
   */
  async handle(req: FhirRequest, next: (req: FhirRequest) => Promise<FhirResponse>): Promise<FhirResponse> {
    await this.loaded;
    const path = req.url.split('?')[0]!.split('/').filter((s) => s !== '');
    if (path[0] === 'Subscription' && path.at(-1) === '$get-ws-binding-token') return this.bindingToken(req, path);
    if (path[0] === 'metadata' && path.length === 1) return this.withWebsocket(await next(req));
    if (path[0] === 'Subscription' && (req.method === 'POST' || req.method === 'PUT') && path.length <= 2) {
      const checked = checkSubscription(req.body);
      if ('status' in checked) return checked;
      const res = await next({ ...req, body: checked.body });
      // Known before the answer leaves: the client's next request may be its $get-ws-binding-token.
      await this.learn(res);
      return res;
    }
    return next(req);
  }

  /** Tracks the Subscription a successful write answered with (read back when the answer has no body). */
  private async learn(res: FhirResponse): Promise<void> {
    if (res.status !== 200 && res.status !== 201) return;
    const body = res.body as FhirSubscription | undefined;
    if (body?.resourceType === 'Subscription') return this.track(body);
    const location = Object.entries(res.headers).find(([k]) => k.toLowerCase() === 'location')?.[1];
    const id = location === undefined ? undefined : /Subscription\/([^/]+)/.exec(location)?.[1];
    if (id === undefined) return;
    const read = await this.store.handle({ method: 'GET', url: `Subscription/${id}` });
    if (read.status === 200) this.track(read.body as FhirSubscription);
  }

  /** The CapabilityStatement with the websocket endpoint (core extension `capabilitystatement-websocket`) and the operation. */
  private withWebsocket(res: FhirResponse): FhirResponse {
    const statement = res.body as CapabilityStatement | undefined;
    if (res.status !== 200 || statement?.resourceType !== 'CapabilityStatement') return res;
    const rest = (statement.rest ?? []).map((r) => ({
      ...r,
      extension: [...(r.extension ?? []), { url: WEBSOCKET_EXTENSION, valueUrl: this.websocketUrl }],
      resource: (r.resource ?? []).map((resource) =>
        resource.type === 'Subscription'
          ? {
              ...resource,
              documentation: `Topic-based (R5): topic ${TOPIC_URL}, channel websocket, payload empty or id-only`,
              operation: [{ name: 'get-ws-binding-token', definition: 'http://hl7.org/fhir/OperationDefinition/Subscription-get-ws-binding-token' }],
            }
          : resource,
      ),
    }));
    return { ...res, body: { ...statement, rest } };
  }

  /**
   * `$get-ws-binding-token` at the instance level (`Subscription/[id]/$get-ws-binding-token`) or the type level
   * (`Subscription/$get-ws-binding-token?id=a&id=b`, or `id` parameters in a POSTed Parameters). Every id must be
   * an active websocket subscription on the topic; the type level without ids is refused (the operation lets a
   * server choose that).
   * @see https://hl7.org/fhir/R5/subscription-operation-get-ws-binding-token.html
   */
  private bindingToken(req: FhirRequest, path: string[]): FhirResponse {
    if (req.method !== 'GET' && req.method !== 'POST') return failure(405, { code: 'not-supported', diagnostics: `${req.method} is not allowed on $get-ws-binding-token` });
    let ids: string[];
    if (path.length === 3) ids = [path[1]!];
    else if (path.length === 2) {
      const query = new URLSearchParams(req.url.split('?')[1] ?? '');
      ids = query.getAll('id').flatMap((v) => v.split(','));
      const body = typeof req.body === 'string' && req.body !== '' ? safeJson(req.body) : req.body;
      for (const p of (body as Parameters | undefined)?.parameter ?? []) if (p.name === 'id' && typeof p.valueId === 'string') ids.push(p.valueId);
      if (ids.length === 0) return failure(400, { code: 'required', diagnostics: 'Name the subscriptions: $get-ws-binding-token?id=<subscription id> (or Subscription/<id>/$get-ws-binding-token)' });
    } else return failure(404, { code: 'not-found', diagnostics: `No operation at '${req.url}'` });
    const unknown = ids.filter((id) => !this.active.has(id));
    if (unknown.length > 0) {
      return failure(404, { code: 'not-found', diagnostics: `No active websocket subscription on ${TOPIC_URL} with the id ${unknown.map((id) => `'${id}'`).join(', ')}` });
    }
    const token = randomBytes(24).toString('base64url');
    const expires = Date.now() + TOKEN_LIFETIME_MS;
    this.sweepTokens();
    this.tokens.set(token, { ids, expires });
    const parameters: Parameters = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'token', valueString: token },
        { name: 'expiration', valueDateTime: new Date(expires).toISOString() },
        ...ids.map((id) => ({ name: 'subscription', valueString: `${this.baseUrl}/Subscription/${id}` })),
        { name: 'websocket-url', valueUrl: this.websocketUrl },
      ],
    };
    return { status: 200, headers: { 'Content-Type': FHIR_JSON }, body: parameters };
  }

  private sweepTokens(): void {
    const now = Date.now();
    for (const [token, t] of this.tokens) if (t.expires <= now) this.tokens.delete(token);
  }

  /**
   * An HTTP upgrade request: on the websocket path and passing `check` (Host, Origin, token: the server's checks
   * of every request), it becomes a socket; else it is answered with an OperationOutcome and closed.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, check: UpgradeCheck): void {
    const pathname = (req.url ?? '/').split('?')[0]!;
    const refusal =
      check(req) ??
      (pathname === `${this.basePath === '/' ? '' : this.basePath}/${WEBSOCKET_PATH}` && !this.closed
        ? undefined
        : { status: 404, issue: { code: 'not-found' as const, diagnostics: `No websocket endpoint at '${pathname}'; it is '${this.websocketUrl}'` } });
    if (refusal) {
      refuseUpgrade(socket, refusal.status, refusal.issue, refusal.headers);
      return;
    }
    // A valid Authorization header on the upgrade (what Node clients can send) lets `bind <id>` in.
    const authorized = !this.requiresToken || req.headers.authorization !== undefined;
    this.wss.handleUpgrade(req, socket, head, (ws) => void this.loaded.then(() => this.connected(ws, authorized)));
  }

  private connected(ws: WebSocket, authorized: boolean): void {
    if (this.closed) {
      ws.terminate();
      return;
    }
    const bindings = new Map<string, Binding>();
    this.sockets.set(ws, bindings);
    const deadline = setTimeout(() => {
      if (bindings.size === 0) ws.close(POLICY_VIOLATION, 'nothing bound');
    }, BIND_DEADLINE_MS);
    deadline.unref();
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : String(data).trim();
      const [command, argument, ...rest] = text.split(/\s+/);
      if (command === 'bind-with-token' && argument !== undefined && rest.length === 0) this.bindWithToken(ws, bindings, argument);
      else if (command === 'bind' && argument !== undefined && rest.length === 0) this.bindLegacy(ws, bindings, argument, authorized);
      else ws.close(POLICY_VIOLATION, 'expected bind-with-token <token> (or bind <subscription id>)');
    });
    ws.on('close', () => {
      clearTimeout(deadline);
      for (const b of bindings.values()) clearInterval(b.heartbeat);
      this.sockets.delete(ws);
    });
    ws.on('error', () => ws.terminate());
  }

  /** `bind-with-token <token>`: binds the token's subscriptions, each answered with a handshake, then heartbeats. */
  private bindWithToken(ws: WebSocket, bindings: Map<string, Binding>, token: string): void {
    const t = this.tokens.get(token);
    if (t === undefined || t.expires <= Date.now()) {
      ws.close(POLICY_VIOLATION, 'binding token unknown or expired');
      return;
    }
    for (const id of t.ids) {
      const sub = this.active.get(id);
      if (sub === undefined) continue;
      clearInterval(bindings.get(id)?.heartbeat);
      const heartbeat = setInterval(() => this.send(ws, sub, 'heartbeat'), sub.heartbeatMs);
      heartbeat.unref();
      bindings.set(id, { legacy: false, heartbeat });
      this.send(ws, sub, 'handshake');
    }
  }

  /** HAPI's `bind <id>`: answered `bound <id>`, then `ping <id>` for each event (no heartbeats, no payload). */
  private bindLegacy(ws: WebSocket, bindings: Map<string, Binding>, id: string, authorized: boolean): void {
    if (!authorized) {
      ws.close(POLICY_VIOLATION, 'bind <id> needs Authorization: Bearer <token> on the upgrade (or use bind-with-token)');
      return;
    }
    if (!this.active.has(id)) {
      ws.send(`error Unknown subscription ${id}`);
      ws.close(POLICY_VIOLATION, 'unknown subscription');
      return;
    }
    bindings.set(id, { legacy: true });
    ws.send(`bound ${id}`);
  }

  private send(ws: WebSocket, sub: ActiveSubscription, kind: 'handshake' | 'heartbeat' | 'event-notification', event?: TopicEvent): void {
    if (ws.readyState !== ws.OPEN) return;
    const ctx = { baseUrl: this.baseUrl, subscriptionId: sub.id, eventsSinceSubscriptionStart: sub.events, content: sub.content, timestamp: new Date().toISOString() };
    ws.send(JSON.stringify(notificationBundle(kind, ctx, event)));
  }

  /** A committed change: a Subscription is (un)tracked; a change of a covered type is an event of every subscription. */
  private onChange(change: StoreChange): void {
    // An eviction drops a copy of this store's, no version: there is no event on the server's history to notify.
    if (change.op === 'evict') return;
    if (change.type === 'Subscription') {
      void this.store.handle({ method: 'GET', url: `Subscription/${change.id}` }).then((res) => {
        if (res.status === 200) this.track(res.body as FhirSubscription);
        else this.untrack(change.id);
      });
      return;
    }
    if (!TOPIC_TYPES.includes(change.type)) return;
    const timestamp = new Date().toISOString();
    for (const sub of this.active.values()) {
      sub.events++;
      const event: TopicEvent = { type: change.type, id: change.id, versionId: String(change.versionId), op: change.op, eventNumber: sub.events, timestamp };
      for (const [ws, bindings] of this.sockets) {
        const binding = bindings.get(sub.id);
        if (binding === undefined) continue;
        if (binding.legacy) {
          if (ws.readyState === ws.OPEN) ws.send(`ping ${sub.id}`);
        } else this.send(ws, sub, 'event-notification', event);
      }
    }
  }

  private track(resource: FhirSubscription): void {
    const id = resource.id;
    if (id === undefined) return;
    if (!isOnTopic(resource) || resource.status !== 'active') {
      this.untrack(id);
      return;
    }
    const held = this.active.get(id);
    const heartbeatMs = (resource.heartbeatPeriod ?? DEFAULT_HEARTBEAT_S) * 1000;
    const content = resource.content === 'empty' ? 'empty' : 'id-only';
    this.active.set(id, { id, content, heartbeatMs, events: held?.events ?? 0 });
  }

  /** A subscription deleted or no longer on the topic: its sockets' bindings end (a socket left with none is closed). */
  private untrack(id: string): void {
    if (!this.active.delete(id)) return;
    for (const [ws, bindings] of this.sockets) {
      const b = bindings.get(id);
      if (b === undefined) continue;
      clearInterval(b.heartbeat);
      bindings.delete(id);
      if (bindings.size === 0) ws.close(1000, 'subscription ended');
    }
  }

  /** Ends every socket and timer; the hub answers no more. */
  close(): void {
    this.closed = true;
    this.changes.unsubscribe();
    for (const [ws, bindings] of this.sockets) {
      for (const b of bindings.values()) clearInterval(b.heartbeat);
      ws.terminate();
    }
    this.sockets.clear();
    this.wss.close();
  }
}

/** Whether a Subscription is one the hub serves: the topic, the websocket channel. */
function isOnTopic(s: FhirSubscription): boolean {
  return s.topic === TOPIC_URL && s.channelType?.code === 'websocket';
}

/**
 * Checks a Subscription about to be written and makes it `active`: the topic must be the server's, the channel
 * `websocket`, the payload `empty` or `id-only` (default `id-only`), no `filterBy` (the topic offers none). The
 * store then validates and stores it as any resource. Not a Subscription at all: left to the store.
 * @see https://hl7.org/fhir/R5/subscription.html
 */
export function checkSubscription(body: unknown): { body: unknown } | FhirResponse {
  const parsed = typeof body === 'string' ? safeJson(body) : body;
  const s = parsed as FhirSubscription | undefined;
  if (s?.resourceType !== 'Subscription') return { body };
  if (s.topic !== TOPIC_URL) {
    return failure(422, { code: 'not-supported', diagnostics: `Unknown topic '${String(s.topic)}': this server offers ${TOPIC_URL}`, expression: ['Subscription.topic'] });
  }
  if (s.channelType?.code !== 'websocket' || (s.channelType.system !== undefined && s.channelType.system !== CHANNEL_TYPE_SYSTEM)) {
    return failure(422, { code: 'not-supported', diagnostics: `Only the websocket channel is supported (channelType ${CHANNEL_TYPE_SYSTEM}|websocket)`, expression: ['Subscription.channelType'] });
  }
  if (s.content !== undefined && s.content !== 'empty' && s.content !== 'id-only') {
    return failure(422, { code: 'not-supported', diagnostics: `Payload '${s.content}' is not supported: use empty or id-only`, expression: ['Subscription.content'] });
  }
  if (s.filterBy !== undefined && s.filterBy.length > 0) {
    return failure(422, { code: 'not-supported', diagnostics: `The topic ${TOPIC_URL} offers no filters`, expression: ['Subscription.filterBy'] });
  }
  if (s.heartbeatPeriod !== undefined && (!Number.isInteger(s.heartbeatPeriod) || s.heartbeatPeriod < 1)) {
    return failure(422, { code: 'value', diagnostics: 'heartbeatPeriod must be a whole number of seconds, at least 1', expression: ['Subscription.heartbeatPeriod'] });
  }
  return { body: { ...s, status: 'active', content: s.content ?? 'id-only' } };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function failure(status: number, issue: IssueInput): FhirResponse {
  return { status, headers: { 'Content-Type': FHIR_JSON }, body: operationOutcome([issue]) };
}

/** Answers a refused upgrade over the raw socket (no websocket was made): status, OperationOutcome, close. */
function refuseUpgrade(socket: Duplex, status: number, issue: IssueInput, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(operationOutcome([issue]));
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    `Content-Type: ${FHIR_JSON}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
