import type { IncomingHttpHeaders } from 'node:http';

/** Methods of the FHIR RESTful API (https://hl7.org/fhir/R5/http.html#summary), plus the preflight's own. */
const ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

/** Request headers a FHIR client sends: conditional interactions, `Prefer`, and a bearer token. */
const ALLOW_HEADERS = 'Content-Type, Accept, If-Match, If-None-Exist, If-None-Match, If-Modified-Since, Prefer, Authorization';

/** Response headers a page must be able to read: version (ETag), new resource (Location), time (Last-Modified). */
const EXPOSE_HEADERS = 'ETag, Location, Last-Modified, Content-Location';

/** How long (s) a browser may reuse a preflight answer. */
const MAX_AGE = '600';

/**
 * CORS headers for every response, so that a page served from another origin (the demo on another port) can
 * call the server and read its headers. The request's `Origin` is echoed rather than `*`, so the answer
 * stays valid if a client sends credentials; `Vary: Origin` keeps caches from mixing origins.
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 */
export function corsHeaders(requestHeaders: IncomingHttpHeaders): Record<string, string> {
  const origin = requestHeaders.origin;
  return {
    'Access-Control-Allow-Origin': origin ?? '*',
    'Access-Control-Expose-Headers': EXPOSE_HEADERS,
    Vary: 'Origin',
  };
}

/** Extra headers of the answer (204) to a preflight `OPTIONS` request. */
export function preflightHeaders(requestHeaders: IncomingHttpHeaders): Record<string, string> {
  return {
    'Access-Control-Allow-Methods': ALLOW_METHODS,
    'Access-Control-Allow-Headers': ALLOW_HEADERS,
    'Access-Control-Max-Age': MAX_AGE,
    // Chrome's Private Network Access asks before a public page may reach a loopback server.
    ...(requestHeaders['access-control-request-private-network'] === 'true' ? { 'Access-Control-Allow-Private-Network': 'true' } : {}),
  };
}
