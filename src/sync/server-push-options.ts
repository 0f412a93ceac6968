/**
 * A handler of one socket event; declared as a method's type so that a constructor whose handlers take a richer
 * event (the `ws` package's, a browser's `MessageEvent`) fits.
 * @see https://websockets.spec.whatwg.org/#the-websocket-interface
 */
export type SocketHandler<E> = {
  /** Called with the socket's event. */
  bivarianceHack(event: E): void;
}['bivarianceHack'];

/**
 * The part of the WebSocket API live mode uses: what a browser's (and Node 22's) global `WebSocket` is, and
 * what the `ws` package's `WebSocket` is in Node 20.
 * @see https://websockets.spec.whatwg.org/#the-websocket-interface
 */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Called when the connection is open. */
  onopen: SocketHandler<unknown> | null;
  /** Called with each message; text messages have a string `data`. */
  onmessage: SocketHandler<{ data: unknown }> | null;
  /** Called when the connection closed, with the close code and reason. */
  onclose: SocketHandler<{ code: number; reason: string }> | null;
  /** Called when the connection failed. */
  onerror: SocketHandler<unknown> | null;
  /** Sends a text message. */
  send(data: string): void;
  /** Closes the connection. */
  close(code?: number, reason?: string): void;
}

/**
 * A `WebSocket` constructor: the global one, or the `ws` package's in Node 20.
 * @see https://websockets.spec.whatwg.org/#dom-websocket-websocket
 */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/**
 * Server push in live mode: R5 topic-based subscriptions over a websocket, each notification a doorbell for
 * the `_history` pull (docs/sync.md#server-push).
 * @see https://hl7.org/fhir/R5/subscriptions.html
 */
export interface ServerPushOptions {
  /**
   * The `WebSocket` constructor. Default the global `WebSocket` (browsers, Node 22); in Node 20 pass the `ws`
   * package's (`import { WebSocket } from 'ws'`). Without one, live mode polls.
   */
  WebSocket?: WebSocketConstructor;
  /**
   * `bind-with-token` (R5: `$get-ws-binding-token`, then `bind-with-token <token>`; notifications with
   * `eventsSinceSubscriptionStart` and heartbeats; the default) or `bind` (HAPI's older protocol: `bind <id>`,
   * answered `bound <id>`, then `ping <id>` per event; needs `websocketUrl`).
   */
  protocol?: 'bind-with-token' | 'bind';
  /**
   * The canonical URL of the SubscriptionTopic to subscribe to. Default: found by searching the server's
   * SubscriptionTopics for one whose triggers cover every pulled type.
   */
  topic?: string;
  /** The websocket endpoint, for `bind` (HAPI: `ws://host:port/websocket`). `bind-with-token` takes it from the operation. */
  websocketUrl?: string;
  /** Heartbeat period asked of the server, in seconds (default 30); two missed heartbeats count as a lost socket. */
  heartbeatPeriod?: number;
  /**
   * Subscribe even when the server's CapabilityStatement does not offer `$get-ws-binding-token` or a websocket
   * endpoint (default false: such a server is polled).
   */
  force?: boolean;
}

/**
 * Where server push stands: `off` (not live, or no `WebSocket`), `connecting`, `connected` (bound; the interval
 * does not poll), `reconnecting` (the socket was lost: it polls on the interval until bound again) or
 * `unavailable` (the server offers no usable subscription: live mode polls).
 * @see https://hl7.org/fhir/R5/subscriptions.html
 */
export type ServerPushState = 'off' | 'connecting' | 'connected' | 'reconnecting' | 'unavailable';
