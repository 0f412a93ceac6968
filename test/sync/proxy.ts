import { Agent as HttpAgent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

/** A request as the proxy received it. */
export interface ProxiedRequest {
  method: string;
  /** The path after the FHIR base, without the query: `ImagingSelection/abc`, `ImagingSelection/_history`. */
  path: string;
  /** The query string without `?` (empty when none). */
  query: string;
  headers: IncomingHttpHeaders;
}

/**
 * What the proxy does with a request:
 * - `forward`: pass it to the target and its answer back;
 * - `{ status, headers?, body? }`: answer this itself, never reaching the target;
 * - `drop-after-forward`: pass it to the target, wait for the whole answer (the server committed), then destroy
 *   the client's socket without answering (a response lost on the way back);
 * - `cut-response`: pass it to the target, send the status, the headers and half the body, then destroy the socket;
 * - `refuse`: destroy the socket at once, never reaching the target (the server unreachable);
 * - `{ delayMs }`: wait that long (real time), then forward (a slow network or server).
 */
export type ProxyAction =
  | 'forward'
  | 'drop-after-forward'
  | 'cut-response'
  | 'refuse'
  | { delayMs: number }
  | { status: number; headers?: Record<string, string>; body?: unknown };

/** A rule: an action for the requests it matches, undefined to let the next rule decide (the default forwards). */
export type ProxyRule = (req: ProxiedRequest) => ProxyAction | undefined;

/** One request the proxy saw, in arrival order. */
export interface ProxyLogEntry extends ProxiedRequest {
  action: 'forward' | 'drop-after-forward' | 'cut-response' | 'refuse' | 'answer';
  /** `performance.now()` when the request arrived. */
  at: number;
  /** The status the client was sent (or, for dropped and cut answers, the status the target gave). */
  status?: number;
  /** `performance.now()` when the answer was sent whole (unset for refused, dropped and cut requests). */
  answeredAt?: number;
}

export interface FaultProxy {
  /** The target's FHIR base as reached through the proxy (same path, the proxy's origin). */
  url: string;
  /** Tried in order for every request; the first action returned wins. Replace or push freely in a test. */
  rules: ProxyRule[];
  readonly log: ProxyLogEntry[];
  /** Requests seen, filtered by method and by path (exact string, or a RegExp tested on `path?query`). */
  requests(method?: string, path?: string | RegExp): ProxyLogEntry[];
  count(method?: string, path?: string | RegExp): number;
  /** Websockets open through the proxy (upgrades are forwarded to the target), in order. */
  readonly sockets: ProxiedSocket[];
  /** Server-to-client websocket messages for which this returns true are dropped (never reach the client). */
  dropMessage: ((text: string) => boolean) | undefined;
  /** Clears rules and log (between tests). */
  reset(): void;
  close(): Promise<void>;
}

/** A websocket forwarded by the proxy. */
export interface ProxiedSocket {
  /** Server-to-client text messages forwarded (dropped ones not included). */
  readonly forwarded: string[];
  /** Cuts both connections at once, without a close handshake (a network failure). */
  kill(): void;
}

/** How long the proxy waits for the target (idle socket) before answering 504. */
const UPSTREAM_TIMEOUT_MS = 5000;
/** Larger answers are refused with 502: the proxy buffers answers to rewrite their links. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);

/**
 * A rule matching by method and path, applying `action` at most `times` times (default: always).
 * `path`: the exact path after the base (`ImagingSelection/abc`), or a RegExp tested on `path?query`.
 */
export function when(
  match: { method?: string; path?: string | RegExp; test?: (req: ProxiedRequest) => boolean },
  action: ProxyAction | ((req: ProxiedRequest) => ProxyAction),
  times = Infinity,
): ProxyRule {
  let left = times;
  return (req) => {
    if (left <= 0 || !matches(req, match.method, match.path) || (match.test && !match.test(req))) return undefined;
    left--;
    return typeof action === 'function' ? action(req) : action;
  };
}

function matches(req: ProxiedRequest, method?: string, path?: string | RegExp): boolean {
  if (method !== undefined && req.method !== method.toUpperCase()) return false;
  if (path === undefined) return true;
  if (typeof path === 'string') return req.path === path.replace(/^\/+/, '');
  return path.test(req.query ? `${req.path}?${req.query}` : req.path);
}

/**
 * A small HTTP proxy on 127.0.0.1 in front of a FHIR server, with rules a test programs to inject faults.
 * Request bodies are streamed to the target; answers are buffered so that the target's absolute URLs (paging
 * links, `Location`) can be rewritten to the proxy's origin — the store's server writes absolute links on its
 * own base, and a client following them would otherwise go around the proxy.
 */
export async function startProxy(targetBase: string): Promise<FaultProxy> {
  const target = new URL(targetBase.replace(/\/+$/, ''));
  const basePath = target.pathname.replace(/\/+$/, '');
  const secure = target.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const log: ProxyLogEntry[] = [];
  const rules: ProxyRule[] = [];
  let origin = '';

  const server = createServer((req, res) => {
    const raw = req.url ?? '/';
    const [pathname = '/', query = ''] = raw.split(/\?(.*)/s);
    const path = pathname.startsWith(basePath) ? pathname.slice(basePath.length).replace(/^\/+/, '') : pathname;
    const request: ProxiedRequest = { method: (req.method ?? 'GET').toUpperCase(), path, query, headers: req.headers };
    const entry: ProxyLogEntry = { ...request, action: 'forward', at: performance.now() };
    log.push(entry);
    let action: ProxyAction = 'forward';
    for (const rule of api.rules) {
      const a = rule(request);
      if (a !== undefined) {
        action = a;
        break;
      }
    }
    if (action === 'refuse') {
      entry.action = 'refuse';
      req.socket.destroy();
      return;
    }
    if (typeof action === 'object' && 'delayMs' in action) {
      setTimeout(() => forward(req, res, entry, 'forward'), action.delayMs);
      return;
    }
    if (typeof action === 'object') {
      entry.action = 'answer';
      entry.status = action.status;
      req.resume();
      const body = action.body === undefined ? undefined : typeof action.body === 'string' ? action.body : JSON.stringify(action.body);
      res.writeHead(action.status, {
        ...(body !== undefined ? { 'Content-Type': 'application/fhir+json', 'Content-Length': String(Buffer.byteLength(body)) } : {}),
        ...action.headers,
      });
      res.end(body, () => (entry.answeredAt = performance.now()));
      return;
    }
    entry.action = action;
    forward(req, res, entry, action);
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 1_000;

  function forward(req: IncomingMessage, res: ServerResponse, entry: ProxyLogEntry, action: 'forward' | 'drop-after-forward' | 'cut-response'): void {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    headers['host'] = target.host;
    // Answers are rewritten as text: ask for them uncompressed (HAPI gzips when the client accepts it).
    delete headers['accept-encoding'];
    const upstream = (secure ? httpsRequest : httpRequest)({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers,
      agent,
      timeout: UPSTREAM_TIMEOUT_MS,
    });
    const fail = (status: number, message: string): void => {
      entry.status = status;
      if (res.headersSent) res.destroy();
      else {
        res.writeHead(status, { 'Content-Type': 'text/plain' });
        res.end(message);
      }
    };
    upstream.on('timeout', () => upstream.destroy(new Error('upstream timeout')));
    upstream.on('error', (e) => fail(/timeout/.test(e.message) ? 504 : 502, `proxy: ${e.message}`));
    req.on('error', () => upstream.destroy());
    upstream.on('response', (up) => {
      const chunks: Buffer[] = [];
      let size = 0;
      up.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) up.destroy(new Error('answer too large for the proxy'));
        else chunks.push(c);
      });
      up.on('error', (e) => fail(502, `proxy: ${e.message}`));
      up.on('end', () => {
        entry.status = up.statusCode ?? 502;
        if (action === 'drop-after-forward') {
          // The target answered (so it committed); the client never hears of it.
          req.socket.destroy();
          return;
        }
        let body = Buffer.concat(chunks);
        const type = String(up.headers['content-type'] ?? '');
        if (/json|text/.test(type) && body.length > 0) body = Buffer.from(rewrite(body.toString('utf8')), 'utf8');
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k) && k !== 'content-length') out[k] = v;
        for (const k of ['location', 'content-location']) if (typeof out[k] === 'string') out[k] = rewrite(out[k] as string);
        out['content-length'] = String(body.length);
        res.writeHead(entry.status, out);
        if (action === 'cut-response') {
          // Headers and half the body, then the connection goes.
          res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
          return;
        }
        res.end(body, () => (entry.answeredAt = performance.now()));
      });
    });
    req.pipe(upstream);
  }

  /** The target's absolute URLs (http and websocket), made to point at the proxy. */
  const rewrite = (text: string): string =>
    text.split(target.origin).join(origin).split(`${secure ? 'wss' : 'ws'}://${target.host}`).join(origin.replace(/^http/, 'ws'));

  // Websockets: the upgrade goes to the target with the client's Origin and Authorization; once both ends are
  // open, messages are relayed (server-to-client ones through `dropMessage`).
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    const headers: Record<string, string> = {};
    for (const name of ['origin', 'authorization']) if (typeof req.headers[name] === 'string') headers[name] = req.headers[name] as string;
    const upstream = new WebSocket(`${secure ? 'wss' : 'ws'}://${target.host}${req.url ?? '/'}`, { headers });
    upstream.on('unexpected-response', (_r, res) => {
      socket.end(`HTTP/1.1 ${res.statusCode ?? 502} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      upstream.terminate();
    });
    upstream.on('error', () => socket.destroy());
    upstream.on('open', () =>
      wss.handleUpgrade(req, socket, head, (client) => {
        const proxied: ProxiedSocket = {
          forwarded: [],
          kill() {
            client.terminate();
            upstream.terminate();
          },
        };
        api.sockets.push(proxied);
        upstream.on('message', (data, isBinary) => {
          const text = isBinary ? '' : String(data);
          if (api.dropMessage?.(text)) return;
          proxied.forwarded.push(text);
          client.send(text);
        });
        client.on('message', (data) => upstream.send(String(data)));
        upstream.on('close', () => client.terminate());
        client.on('close', () => upstream.terminate());
        client.on('error', () => upstream.terminate());
      }),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const select = (method?: string, path?: string | RegExp): ProxyLogEntry[] => log.filter((e) => matches(e, method, path));
  let closing: Promise<void> | undefined;
  const api: FaultProxy = {
    url: `${origin}${basePath}`,
    rules,
    log,
    sockets: [],
    dropMessage: undefined,
    requests: select,
    count: (method, path) => select(method, path).length,
    reset() {
      api.rules.length = 0;
      log.length = 0;
      api.dropMessage = undefined;
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        for (const s of api.sockets) s.kill();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      })),
  };
  return api;
}
