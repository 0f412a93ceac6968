import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import type { CapabilityStatement } from 'fhir/r5';
import { operationOutcome, type IssueInput } from '../errors/fhir-error.js';
import type { FhirRequest, FhirResponse } from '../rest/http.js';
import { openStore, type Store } from '../store.js';
import type { Clock } from '../util/clock.js';
import { BodyTooLargeError, readBody } from './body.js';
import { BulkExports, withBulkExport, type FileAnswer } from './bulk-export.js';
import { monotonicClock } from './clock.js';
import { answeredForRefusedOrigin, corsHeaders, OriginPolicy, preflightHeaders } from './cors.js';
import { RequestGate } from './gate.js';
import { HostPolicy, isLoopbackHost } from './host.js';
import { loadDataFile } from './load-data.js';
import { SubscriptionHub, type UpgradeCheck } from './subscriptions.js';
import { importFromDirectory } from './export-dir.js';
import { absoluteOnBase, isHistoryTarget, linksOnBase, normaliseBasePath, relativeTarget, targetAuthority } from './target.js';
import { BearerToken, challenge } from './token.js';

/** Options of `startServer`. Every one has a default. */
export interface ServerOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /**
   * Interface to listen on. Default `127.0.0.1`. Any address that is not loopback (`0.0.0.0`, `::`, a LAN
   * address, a host name other than `localhost`) needs a `token`: without one `startServer` rejects.
   */
  host?: string;
  /**
   * Origins, besides loopback ones (`http(s)://127.0.0.1`, `localhost`, `[::1]`, any port), whose pages may
   * call the server (CORS): `https://app.example`, `http://app.example:*` (any port), or `*` (every origin,
   * with a warning). Other origins get no CORS headers, and their requests other than GET and HEAD are
   * answered 403. Default none. (docs/server.md#security)
   */
  corsOrigins?: readonly string[];
  /**
   * Host names, besides loopback and `host`, that requests may name in `Host` (e.g. the DNS name of a LAN
   * gateway); any other `Host` is answered 421 (DNS rebinding). Default none.
   */
  allowedHosts?: readonly string[];
  /**
   * A bearer token every request but a CORS preflight must present (`Authorization: Bearer <token>`, else 401).
   * Letters, digits and `-._~+/` (then `=` padding), as RFC 6750 allows. Never logged. Default: none needed.
   */
  token?: string;
  /** Serve HTTPS with this certificate (chain) and private key, both PEM (text, or its bytes). Default: plain HTTP. */
  tls?: {
    /** The certificate, with its chain, PEM. */
    cert: string | Uint8Array;
    /** The private key of the certificate, PEM. */
    key: string | Uint8Array;
  };
  /** Path of the FHIR base. Default `/fhir`. */
  basePath?: string;
  /**
   * The store to serve. Default: a new in-memory store (fake-indexeddb, its own factory) with `outbox: false`,
   * the server's URL as `baseUrl` and a monotonic clock. A store passed in is used as it is and not closed.
   */
  store?: Store;
  /** Largest request body accepted; larger ones get 413. Default 10 MiB. */
  maxBodyBytes?: number;
  /** Clock of the store the server opens, made monotonic. Default the system clock. Ignored with `store`. */
  clock?: Clock;
  /** An NDJSON or JSON (Bundle or resource) file loaded before the server answers its first request. */
  data?: string;
  /**
   * R5 topic-based subscriptions with the websocket channel (docs/server.md#subscriptions): the topic
   * `SubscriptionTopic/resource-changes` is written into the store, `Subscription` writes are checked against
   * it, `$get-ws-binding-token` and the websocket endpoint `[base]/$websocket` answer. Default true.
   */
  subscriptions?: boolean;
  /**
   * A directory written by `exportToDirectory` (or `fhir-offline-store export`), restored into the store before the
   * server answers its first request: every version, the outbox and checkpoints (docs/backup.md). The store must be
   * empty; not with `data`.
   */
  importDir?: string;
  /**
   * The Bulk Data `$export` operation (docs/server.md#bulk-data-export): lines per NDJSON file (default 10,000)
   * and the `Retry-After` seconds a status answer asks for while a job runs (default 1).
   */
  bulkExport?: {
    /** Resources per NDJSON file; a type with more is split into several files. */
    maxFileResources?: number;
    /** Seconds a client is asked to wait between status requests. */
    retryAfterSeconds?: number;
  };
  /** Receives one line per request (`GET /fhir/metadata 200 3ms`) and per problem. Default: silent. */
  log?: (line: string) => void;
  /**
   * Receives the warnings of a start whose options open the server up (`*` among `corsOrigins`, a token
   * that would cross a network unencrypted). Default `console.warn`.
   */
  warn?: (message: string) => void;
}

/** A running server. */
export interface RunningServer {
  /** The FHIR base URL, e.g. `http://127.0.0.1:54321/fhir` (`https:` with `tls`). */
  url: string;
  /** The TCP port it listens on. */
  port: number;
  /** The store it serves. */
  store: Store;
  /** Resources loaded from `data` or restored from `importDir` (0 without). */
  loaded: number;
  /** Stops accepting connections, lets requests in flight finish (briefly), closes the store it opened. */
  close(): Promise<void>;
}

const MiB = 1024 * 1024;
const FHIR_JSON = 'application/fhir+json; charset=utf-8';
/** How long `close()` lets requests in flight finish before cutting their connections. */
const CLOSE_GRACE_MS = 2000;
/** How long the rest of a too-large body is discarded before its connection is cut. */
const DISCARD_GRACE_MS = 1000;

/**
 * Starts a FHIR R5 server over HTTP (or HTTPS with `tls`) that answers exactly what `store.handle` answers
 * (https://hl7.org/fhir/R5/http.html), with CORS, a body size limit and `application/fhir+json`.
 * Safe by default (docs/server.md#security): it listens on loopback, only loopback origins get CORS headers,
 * only its own names are served in `Host` (DNS rebinding), and a `token`, when given, is needed by every request;
 * listening on any other interface needs a token.
 * It listens first, so that a port of 0 becomes a real one, then opens the store with the real base URL
 * (fullUrls and absolute references are made from it); requests that arrive meanwhile wait for the store.
 * @example
 * ```ts
 * const server = await startServer({ port: 0 });
 * await fetch(`${server.url}/metadata`);
 * await server.close();
 * ```
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const basePath = normaliseBasePath(options.basePath ?? '/fhir');
  const maxBodyBytes = options.maxBodyBytes ?? 10 * MiB;
  const log = options.log ?? (() => {});
  const warn = options.warn ?? ((message: string) => console.warn(`fhir-offline-store: ${message}`));
  const origins = new OriginPolicy(options.corsOrigins);
  const hosts = new HostPolicy(host, options.allowedHosts);
  const token = options.token === undefined ? undefined : new BearerToken(options.token);
  if (token === undefined && !isLoopbackHost(host)) {
    throw new Error(
      `Refusing to listen on '${host}' without a token: every machine that can reach it could read and change all data. ` +
        'Give a token (--token, or the FHIR_OFFLINE_STORE_TOKEN environment variable; startServer({ token })), or listen on 127.0.0.1.',
    );
  }
  if (origins.any) warn("CORS is open to every origin ('*'): any web page the user visits can call this server" + (token ? ' (it still needs the token)' : ''));
  if (token !== undefined && options.tls === undefined && !isLoopbackHost(host)) {
    warn(`listening on '${host}' over plain HTTP: the token and the data cross the network unencrypted (give --tls-cert and --tls-key)`);
  }
  const gate = new RequestGate();
  const inFlight = new Set<Promise<void>>();

  let resolveReady!: (store: Store) => void;
  let rejectReady!: (e: unknown) => void;
  const ready = new Promise<Store>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => {}); // a failed start is reported by startServer; waiting requests answer 503

  let baseUrl = '';
  const bulk = new BulkExports({
    baseUrl: () => baseUrl,
    gate,
    requiresAccessToken: token !== undefined,
    log,
    ...(options.bulkExport?.maxFileResources !== undefined ? { maxFileResources: options.bulkExport.maxFileResources } : {}),
    ...(options.bulkExport?.retryAfterSeconds !== undefined ? { retryAfterSeconds: options.bulkExport.retryAfterSeconds } : {}),
  });
  let hub: SubscriptionHub | undefined;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const done = serve(req, res, { basePath, maxBodyBytes, baseUrl: () => baseUrl, ready, gate, log, origins, hosts, token, hub: () => hub, bulk });
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };
  const server: Server = options.tls === undefined ? createServer(handler) : createTlsServer({ cert: pem(options.tls.cert), key: pem(options.tls.key) }, handler);

  const port = await listen(server, options.port ?? 0, host);
  baseUrl = `${options.tls === undefined ? 'http' : 'https'}://${urlHost(host)}:${port}${basePath}`;
  const ownStore = options.store === undefined;
  let store: Store | undefined;
  let loaded = 0;
  try {
    store =
      options.store ??
      (await openStore({
        name: `fhir-offline-store-server-${randomUUID()}`,
        // A factory of its own: several servers in one process never share a database.
        indexedDB: new IDBFactory(),
        IDBKeyRange: IDBKeyRange as typeof globalThis.IDBKeyRange,
        outbox: false,
        baseUrl,
        clock: monotonicClock(options.clock),
      }));
    if (options.data !== undefined) loaded = await loadDataFile(store, options.data);
    if (options.importDir !== undefined) loaded = (await importFromDirectory(store, options.importDir)).resources;
    if (options.subscriptions !== false) {
      const subscriptions = new SubscriptionHub(store, baseUrl, basePath, token !== undefined);
      await subscriptions.ready();
      hub = subscriptions;
      server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => subscriptions.upgrade(req, socket, head, upgradeCheck(origins, hosts, token)));
    }
  } catch (e) {
    hub?.close();
    rejectReady(e);
    await closeServer(server, inFlight);
    await bulk.close();
    if (ownStore) store?.close();
    throw e;
  }
  resolveReady(store);

  let closing: Promise<void> | undefined;
  const served = store;
  return {
    url: baseUrl,
    port,
    store: served,
    loaded,
    close: () =>
      (closing ??= (async () => {
        hub?.close();
        await closeServer(server, inFlight);
        await bulk.close();
        if (ownStore) served.close();
      })()),
  };
}

/** PEM as Node's TLS takes it. (The option says `Uint8Array`, which a `Buffer` is, so the API needs no Node types.) */
function pem(value: string | Uint8Array): string | Buffer {
  return typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The host as it appears in a URL; a wildcard address is reached on loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Stops listening, closes idle keep-alive connections now and busy ones after a grace period. */
async function closeServer(server: Server, inFlight: Set<Promise<void>>): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
  force.unref();
  await closed;
  clearTimeout(force);
  // Handlers whose connection was cut may still be inside the store: let them finish (briefly) before it closes.
  let wait: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => (wait = setTimeout(resolve, CLOSE_GRACE_MS)))]);
  clearTimeout(wait);
}

interface ServeContext {
  basePath: string;
  maxBodyBytes: number;
  baseUrl: () => string;
  ready: Promise<Store>;
  gate: RequestGate;
  log: (line: string) => void;
  origins: OriginPolicy;
  hosts: HostPolicy;
  token: BearerToken | undefined;
  /** The subscriptions, once the store is open (none with `subscriptions: false`). */
  hub: () => SubscriptionHub | undefined;
  bulk: BulkExports;
}

/** Answers one HTTP request. Never rejects. */
async function serve(req: IncomingMessage, res: ServerResponse, ctx: ServeContext): Promise<void> {
  const started = performance.now();
  const method = (req.method ?? 'GET').toUpperCase();
  const rawUrl = req.url ?? '/';
  let cors: Record<string, string> = { Vary: 'Origin' };
  const finish = (response: FhirResponse, extra: Record<string, string> = {}): void => {
    send(res, response, { ...cors, ...extra }, method === 'HEAD', ctx.baseUrl(), /[?&]_pretty=true(?:&|$)/.test(rawUrl));
    ctx.log(`${method} ${rawUrl} ${response.status} ${Math.round(performance.now() - started)}ms`);
  };
  /** Answers without reading the body (thrown away after the answer, as after a 413). */
  const refuse = (status: number, issue: IssueInput, extra: Record<string, string> = {}): void => {
    keepOpenWhileDiscarding(req, res);
    finish(failure(status, issue), extra);
  };
  try {
    // The checks run in this order: a wrong Host says nothing more (421); a refused origin gets no CORS
    // header, and nothing but a read (403); a preflight needs no token (browsers never send one on it);
    // then the token. Each answers before the body is read and before the store is touched.
    const hostCheck = checkHost(req, rawUrl, ctx.hosts);
    if (hostCheck !== undefined) return refuse(hostCheck.status, hostCheck.issue);
    const origin = req.headers.origin;
    cors = corsHeaders(req.headers, ctx.origins);
    if (origin !== undefined && !ctx.origins.allows(origin) && !answeredForRefusedOrigin(method)) {
      return refuse(403, {
        code: 'forbidden',
        diagnostics: `Requests from the origin '${origin}' are not allowed (allow it with --cors-origin or startServer({ corsOrigins }))`,
      });
    }
    if (method === 'OPTIONS') {
      req.resume(); // a preflight has no body worth reading
      return finish({ status: 204, headers: preflightHeaders(req.headers) });
    }
    const credential = ctx.token?.check(req.headers.authorization) ?? 'ok';
    if (credential !== 'ok') {
      return refuse(
        401,
        { code: 'login', diagnostics: credential === 'missing' ? 'This server needs Authorization: Bearer <token>' : 'The bearer token is not accepted' },
        { 'WWW-Authenticate': challenge(credential) },
      );
    }
    const url = relativeTarget(rawUrl, ctx.basePath);
    if (url === undefined) {
      req.resume();
      return finish(failure(404, { code: 'not-found', diagnostics: `No FHIR base at '${rawUrl.split('?')[0]}'; the base is '${ctx.baseUrl()}'` }));
    }
    let body: string;
    try {
      body = await readBody(req, ctx.maxBodyBytes);
    } catch (e) {
      if (!(e instanceof BodyTooLargeError)) throw e;
      keepOpenWhileDiscarding(req, res);
      return finish(failure(413, { code: 'too-costly', diagnostics: e.message }));
    }
    let store: Store;
    try {
      store = await ctx.ready;
    } catch {
      return finish(failure(503, { code: 'transient', diagnostics: 'The server failed to start' }));
    }
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
    const bulkAnswer = await ctx.bulk.answer(store, { method, ...splitTarget(url), headers, body, rawUrl });
    if (bulkAnswer !== undefined) {
      if ('file' in bulkAnswer) return await sendFile(res, bulkAnswer, cors, method === 'HEAD', () => ctx.log(`${method} ${rawUrl} 200 ${Math.round(performance.now() - started)}ms`));
      return finish(bulkAnswer);
    }
    const request: FhirRequest = { method, url, headers, ...(body !== '' ? { body } : {}) };
    const next = (r: FhirRequest): Promise<FhirResponse> => ctx.gate.run(isHistoryTarget(r.url), () => store.handle(r));
    const hub = ctx.hub();
    const response = await (hub ? hub.handle(request, next) : next(request));
    // The store knows nothing of $export, which this server adds: its CapabilityStatement says so.
    const isMetadata = response.status === 200 && url.split('?')[0] === 'metadata' && (response.body as { resourceType?: unknown } | undefined)?.resourceType === 'CapabilityStatement';
    finish(isMetadata ? { ...response, body: withBulkExport(response.body as CapabilityStatement) } : response);
  } catch (e) {
    ctx.log(`${method} ${rawUrl} failed: ${(e as Error).stack ?? String(e)}`);
    if (res.headersSent) res.destroy();
    else finish(failure(500, { code: 'exception', diagnostics: `Internal error: ${(e as Error).message}` }));
  }
}

/**
 * Answers a request whose body is not read (413, 401, 403, 421) without cutting the connection under the client:
 * the body still on its way is discarded (see `discardThenDrop`). A client that sent `Connection: close` would
 * otherwise have its socket closed by Node as soon as the answer is written, with the upload still arriving, and
 * the reset that follows destroys the answer before the client, busy sending, has read it.
 */
function keepOpenWhileDiscarding(req: IncomingMessage, res: ServerResponse): void {
  const closeAfter = !res.shouldKeepAlive;
  if (!req.complete) res.shouldKeepAlive = true;
  res.once('finish', () => discardThenDrop(req, closeAfter));
}

/**
 * After a 413, the rest of the body is thrown away unread for a short while, then the connection is cut.
 * Why not cut at once: closing a socket with unread data sends a TCP reset, and a client still sending
 * (a chunked upload) would see "connection reset" instead of the 413 already sent.
 */
function discardThenDrop(req: IncomingMessage, closeAfter = false): void {
  // A complete request left nothing unread: Node closes or keeps the connection as the client asked.
  if (req.complete) return;
  const drop = setTimeout(() => req.destroy(), DISCARD_GRACE_MS);
  drop.unref();
  req.once('end', () => {
    clearTimeout(drop);
    // The client asked for the connection to close: now that its body is read, close it cleanly (no reset).
    if (closeAfter) req.socket.end();
  });
  req.once('close', () => clearTimeout(drop));
  req.resume();
}

/**
 * Why a request's `Host` is not served, or undefined when it is. More than one `Host` is a 400 (RFC 9112
 * §3.2); a name that is not the server's is a 421 Misdirected Request (RFC 9110 §15.5.20): the request
 * reached a server that is not the one its URL names, which is what DNS rebinding does. An absolute-form
 * target's authority stands in for `Host` (RFC 9112 §3.2.2), so it is checked too.
 */
function checkHost(req: IncomingMessage, rawUrl: string, hosts: HostPolicy): { status: number; issue: IssueInput } | undefined {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'host') count++;
  if (count > 1) return { status: 400, issue: { code: 'invalid', diagnostics: 'More than one Host header' } };
  const authority = targetAuthority(rawUrl);
  for (const name of [req.headers.host, authority]) {
    if (name !== undefined && !hosts.allows(name)) {
      return {
        status: 421,
        issue: {
          code: 'security',
          diagnostics: `This server does not answer to the host '${name}' (allow a name with --allowed-host or startServer({ allowedHosts }))`,
        },
      };
    }
  }
  return undefined;
}

/**
 * The checks of every request, for a websocket upgrade: Host (421), `Origin` (403 unless allowed: browsers do not
 * apply CORS to websockets, and always send `Origin` on them), and the token when an `Authorization` header is
 * sent (401). A browser cannot send that header on a websocket: without it the socket must bind with a binding
 * token, which only a request carrying the token can get.
 */
function upgradeCheck(origins: OriginPolicy, hosts: HostPolicy, token: BearerToken | undefined): UpgradeCheck {
  return (req) => {
    const hostCheck = checkHost(req, req.url ?? '/', hosts);
    if (hostCheck !== undefined) return hostCheck;
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.allows(origin)) {
      return { status: 403, issue: { code: 'forbidden', diagnostics: `Websockets from the origin '${origin}' are not allowed (allow it with --cors-origin or startServer({ corsOrigins }))` } };
    }
    const credential = token !== undefined && req.headers.authorization !== undefined ? token.check(req.headers.authorization) : 'ok';
    if (credential !== 'ok') return { status: 401, issue: { code: 'login', diagnostics: 'The bearer token is not accepted' }, headers: { 'WWW-Authenticate': challenge(credential) } };
    return undefined;
  };
}

function failure(status: number, issue: IssueInput): FhirResponse {
  return { status, headers: { 'Content-Type': FHIR_JSON }, body: operationOutcome([issue]) };
}

/** Writes a store answer as HTTP: its status and headers, and its body as FHIR JSON (none for HEAD). */
function send(res: ServerResponse, response: FhirResponse, extra: Record<string, string>, head: boolean, baseUrl: string, pretty: boolean): void {
  const headers: Record<string, string> = { ...response.headers, ...extra };
  for (const name of ['Location', 'Content-Location']) {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
    if (key !== undefined && baseUrl !== '') headers[key] = absoluteOnBase(headers[key]!, baseUrl);
  }
  if (response.body === undefined) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  const payload = JSON.stringify(baseUrl === '' ? response.body : linksOnBase(response.body, baseUrl), null, pretty ? 2 : undefined);
  // A Bulk Data manifest is plain JSON (not a FHIR resource); everything else is FHIR JSON.
  const plainJson = Object.entries(headers).some(([k, v]) => k.toLowerCase() === 'content-type' && v === 'application/json');
  for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-type') delete headers[k];
  headers['Content-Type'] = plainJson ? 'application/json' : FHIR_JSON;
  headers['Content-Length'] = String(Buffer.byteLength(payload));
  res.writeHead(response.status, headers);
  res.end(head ? undefined : payload);
}

/** A relative target's path segments (decoded) and query pairs (decoded; `+` is kept, as FHIR instants need it). */
function splitTarget(url: string): { path: string[]; query: [string, string][] } {
  const [pathPart = '', queryPart = ''] = url.split(/\?(.*)/s);
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const path = pathPart.split('/').filter((s) => s !== '').map(decode);
  const query = queryPart
    .split('&')
    .filter((p) => p !== '')
    .map((p): [string, string] => {
      const i = p.indexOf('=');
      return i < 0 ? [decode(p), ''] : [decode(p.slice(0, i)), decode(p.slice(i + 1))];
    });
  return { path, query };
}

/** Streams an export file from disk (bounded memory: the stream's buffer), then logs the request. */
async function sendFile(res: ServerResponse, answer: FileAnswer, extra: Record<string, string>, head: boolean, logged: () => void): Promise<void> {
  res.writeHead(answer.status, { ...answer.headers, ...extra });
  if (head) res.end();
  else {
    try {
      await pipeline(createReadStream(answer.file), res);
    } catch {
      // The client went away mid-file (or the job was deleted): nothing to answer any more.
      res.destroy();
    }
  }
  logged();
}
