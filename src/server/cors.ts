import type { IncomingHttpHeaders } from 'node:http';

/** Methods of the FHIR RESTful API (https://hl7.org/fhir/R5/http.html#summary), plus the preflight's own. */
const ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

/** Request headers a FHIR client sends: conditional interactions, `Prefer`, and a bearer token. */
const ALLOW_HEADERS = 'Content-Type, Accept, If-Match, If-None-Exist, If-None-Match, If-Modified-Since, Prefer, Authorization';

/**
 * Response headers a page must be able to read: version (ETag), new resource (Location), time (Last-Modified),
 * the challenge of a 401 (WWW-Authenticate), and a Bulk Data status's progress and wait (X-Progress, Retry-After).
 */
const EXPOSE_HEADERS = 'ETag, Location, Last-Modified, Content-Location, WWW-Authenticate, X-Progress, Retry-After';

/** How long (s) a browser may reuse a preflight answer. */
const MAX_AGE = '600';

/**
 * Origins served by default: pages on loopback, any port, http or https. A page on the user's own machine
 * (the demo, a dev server) can reach the server; a site on the Internet cannot.
 */
export const LOOPBACK_ORIGINS: readonly string[] = [
  'http://127.0.0.1:*',
  'http://localhost:*',
  'http://[::1]:*',
  'https://127.0.0.1:*',
  'https://localhost:*',
  'https://[::1]:*',
];

/**
 * Which `Origin`s get CORS headers: the loopback origins plus those configured. An entry is an origin
 * (`https://app.example`, default port left out as browsers do), an origin with `:*` for any port
 * (`http://localhost:*`), or `*` for every origin.
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 */
export class OriginPolicy {
  /** Whether every origin is allowed (`*` was configured). */
  readonly any: boolean;
  private readonly exact = new Set<string>();
  /** `scheme://host` of the `:*` entries: the origin with or without any port. */
  private readonly anyPort = new Set<string>();

  /** @throws TypeError naming the entry when one is not an origin. */
  constructor(configured: readonly string[] = []) {
    this.any = configured.includes('*');
    for (const entry of [...LOOPBACK_ORIGINS, ...configured]) {
      if (entry === '*') continue;
      const wildcardPort = entry.endsWith(':*');
      const origin = normaliseOrigin(wildcardPort ? entry.slice(0, -2) : entry);
      if (origin === undefined) throw new TypeError(`Not an origin: '${entry}' (expected scheme://host[:port], scheme://host:* or *)`);
      (wildcardPort ? this.anyPort : this.exact).add(origin);
    }
  }

  /** Whether a request's `Origin` header value is allowed. A missing `Origin` is not a CORS request: false. */
  allows(origin: string | undefined): boolean {
    if (origin === undefined) return false;
    if (this.any) return true;
    // Compared as the browser serialises it (https://html.spec.whatwg.org/#ascii-serialisation-of-an-origin),
    // so no parsing that could be fooled: `null` and anything unusual simply match no entry.
    if (this.exact.has(origin)) return true;
    const withoutPort = /^([a-z][a-z0-9+.-]*:\/\/(?:\[[0-9a-f:.]+\]|[^:/[\]]+))(?::\d{1,5})?$/.exec(origin)?.[1];
    return withoutPort !== undefined && this.anyPort.has(withoutPort);
  }
}

/** `HTTPS://App.Example:443/` → `https://app.example`; undefined for anything that is not an origin. */
function normaliseOrigin(value: string): string | undefined {
  if (value === 'null') return 'null'; // opaque origins serialise as `null`; allowed only when listed
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  // `*` in a host is not a pattern here: only `*` alone and a `:*` port are.
  if (url.origin === 'null' || url.hostname.includes('*') || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return undefined;
  if (url.pathname !== '/' || !/^[a-z][a-z0-9+.-]*:\/\/[^/]+\/?$/i.test(value)) return undefined;
  return url.origin;
}

/**
 * CORS headers of an answer to a request from an allowed origin (and nothing else: a refused origin gets no
 * CORS header at all, so the browser keeps the answer from the page). With `*` configured the answer is `*`;
 * else the origin is echoed. `Vary: Origin` keeps caches from mixing answers of different origins.
 * @see https://fetch.spec.whatwg.org/#http-responses
 */
export function corsHeaders(requestHeaders: IncomingHttpHeaders, policy: OriginPolicy): Record<string, string> {
  const origin = requestHeaders.origin;
  if (!policy.allows(origin)) return { Vary: 'Origin' };
  return {
    'Access-Control-Allow-Origin': policy.any ? '*' : origin!,
    'Access-Control-Expose-Headers': EXPOSE_HEADERS,
    Vary: 'Origin',
  };
}

/**
 * Extra headers of the answer (204) to a preflight `OPTIONS` request from an allowed origin. Private Network
 * Access (a public page asking to reach a loopback or LAN server) is granted here, so only to allowed origins.
 * @see https://wicg.github.io/private-network-access/#headers
 */
export function preflightHeaders(requestHeaders: IncomingHttpHeaders): Record<string, string> {
  return {
    'Access-Control-Allow-Methods': ALLOW_METHODS,
    'Access-Control-Allow-Headers': ALLOW_HEADERS,
    'Access-Control-Max-Age': MAX_AGE,
    ...(requestHeaders['access-control-request-private-network'] === 'true' ? { 'Access-Control-Allow-Private-Network': 'true' } : {}),
  };
}

/**
 * Whether a request from a refused origin is still answered (without CORS headers, so the page cannot read
 * it): only the safe reads, GET and HEAD (https://www.rfc-editor.org/rfc/rfc9110#section-9.2.1). Anything
 * else (POST, PUT, PATCH, DELETE, a preflight, an unknown method) is refused outright with 403: a browser
 * sends a "simple" POST, or a `no-cors` one, before CORS gets a say, so withholding headers is not enough.
 */
export function answeredForRefusedOrigin(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}
