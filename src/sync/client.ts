import type { Resource } from 'fhir/r5';
import type { Clock } from '../util/clock.js';
import { AuthorizationError, RetryableError } from './errors.js';

/** The answer of the remote server. */
export interface RemoteResponse {
  /** The request this answers, for error messages: its method and absolute URL. */
  request: { method: string; url: string };
  status: number;
  headers: Headers;
  body?: unknown;
}

/**
 * A 429 or 5xx answer, retryable as any {@link RetryableError}, with the answer itself: a caller that can tell a
 * transient failure from a final one by its OperationOutcome (a Bulk Data status request) reads it.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---error-status-1
 */
export class RetryableAnswerError extends RetryableError {
  constructor(
    readonly answer: RemoteResponse,
    retryAfterMs?: number,
  ) {
    super(describeAnswer(answer), retryAfterMs);
  }
}

/**
 * A request that never reached an answer (network down, connection refused, connection cut): retryable. The
 * message names the method, the absolute URL and the cause (e.g. `ECONNREFUSED`); `cause` keeps the original error.
 */
export class NetworkError extends RetryableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, undefined, options);
    this.name = 'NetworkError';
  }
}

/**
 * Why a `fetch` failed, in words a person can act on. Node's fetch (undici) says only `fetch failed` and puts
 * the system error (`ECONNREFUSED`, `ENOTFOUND`, …) in `cause`, sometimes as an AggregateError of one per address.
 */
function describeFetchFailure(e: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const visit = (x: unknown): void => {
    if (x === null || x === undefined || seen.has(x) || parts.length >= 4) return;
    seen.add(x);
    if (x instanceof Error) {
      const code = (x as { code?: unknown }).code;
      const text = typeof code === 'string' && !x.message.includes(code) ? `${code}: ${x.message}` : x.message;
      if (text && !parts.includes(text)) parts.push(text);
      if (x instanceof AggregateError) for (const inner of x.errors) visit(inner);
      visit((x as { cause?: unknown }).cause);
    } else {
      parts.push(String(x));
    }
  };
  visit(e);
  return parts.join(': ') || 'unknown network failure';
}

/** What the client needs: where the server is, how to reach it, and how to authenticate. */
interface ClientOptions {
  baseUrl: string;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  /** Returns the headers that authorise a request (e.g. a bearer token); called again after a 401/403. */
  authorize?: () => Promise<Record<string, string> | string>;
  /** The time `Retry-After` dates are counted from. Default the platform clock. */
  clock?: Clock;
}

/** 401 and 403: the server refused the credentials. */
const refused = (status: number): boolean => status === 401 || status === 403;

/** 429 and 5xx: worth trying again later. */
const retryable = (status: number): boolean => status === 429 || status >= 500;

/**
 * A minimal FHIR REST client over `fetch`: JSON in and out, `application/fhir+json`, and authorisation from a
 * hook (so tokens live in memory, never in IndexedDB).
 * @see https://hl7.org/fhir/R5/http.html
 */
export class FhirClient {
  /** The authorisation headers, or their `authorize()` still under way: requests sent at once share one call. */
  private auth: Promise<Record<string, string>> | undefined;
  private readonly base: string;

  constructor(private readonly options: ClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  /**
   * Drops the authorisation a refused request was sent with, so the next request asks `authorize()` again; when
   * another request in flight already had it renewed, the renewed one stays.
   */
  private reauthorize(refused: Promise<Record<string, string>> | undefined): void {
    if (this.auth === refused) this.auth = undefined;
  }

  /** The authorisation headers to send (none without `authorize`), asking `authorize()` when none are held. */
  private authorization(): Promise<Record<string, string>> | undefined {
    const { authorize } = this.options;
    if (!authorize) return undefined;
    if (this.auth === undefined) {
      const asked = authorize().then(authorizationHeaders);
      // A failed authorize() is asked again by the next request, not remembered.
      asked.catch(() => {
        if (this.auth === asked) this.auth = undefined;
      });
      this.auth = asked;
    }
    return this.auth;
  }

  /** An absolute URL for a path relative to the base (or the absolute URL itself, as `next` links are). */
  url(pathOrUrl: string): string {
    return /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.base}/${pathOrUrl.replace(/^\//, '')}`;
  }

  /**
   * A request as replication makes it. Refused credentials (401/403) ask `authorize()` again and retry once,
   * then throw {@link AuthorizationError}; 429 and 5xx throw {@link RetryableError} with the server's
   * `Retry-After`; no answer at all throws {@link NetworkError} (retryable too). Any other answer is returned.
   * @see https://hl7.org/fhir/R5/http.html#security
   */
  async send(method: string, pathOrUrl: string, body?: Resource | unknown, headers: Record<string, string> = {}): Promise<RemoteResponse> {
    const sentWith = this.authorization();
    let res = await this.request(method, pathOrUrl, body, headers, sentWith);
    if (refused(res.status)) {
      this.reauthorize(sentWith);
      res = await this.request(method, pathOrUrl, body, headers, this.authorization());
      if (refused(res.status)) throw new AuthorizationError(describeAnswer(res));
    }
    if (retryable(res.status)) throw new RetryableAnswerError(res, retryAfterMs(res, (this.options.clock?.() ?? new Date()).getTime()));
    return res;
  }

  /**
   * A GET whose body the caller reads as a stream (a Bulk Data NDJSON file), with the client's headers and
   * authorisation when `authorised` (else none: a file server may be another host). Refused credentials,
   * 429/5xx and no answer throw as {@link send} does; any other answer is returned, its body unread.
   * @see https://hl7.org/fhir/uv/bulkdata/export.html#file-request
   */
  async open(url: string, headers: Record<string, string>, authorised: boolean): Promise<Response> {
    const attempt = async (sentWith: Promise<Record<string, string>> | undefined): Promise<Response> => {
      const auth = await sentWith;
      const doFetch = this.options.fetch ?? globalThis.fetch;
      try {
        return await doFetch(this.url(url), { method: 'GET', headers: { ...(authorised ? { ...this.options.headers, ...auth } : {}), ...headers } });
      } catch (e) {
        throw new NetworkError(`GET ${this.url(url)} failed: ${describeFetchFailure(e)}`, { cause: e });
      }
    };
    const sentWith = authorised ? this.authorization() : undefined;
    let res = await attempt(sentWith);
    if (refused(res.status) && authorised) {
      await res.body?.cancel();
      this.reauthorize(sentWith);
      res = await attempt(this.authorization());
    }
    if (!refused(res.status) && !retryable(res.status)) return res;
    await res.body?.cancel();
    const answer: RemoteResponse = { request: { method: 'GET', url: this.url(url) }, status: res.status, headers: res.headers };
    if (refused(res.status)) throw new AuthorizationError(describeAnswer(answer));
    throw new RetryableError(describeAnswer(answer), retryAfterMs(answer, (this.options.clock?.() ?? new Date()).getTime()));
  }

  /** One request and its answer, whatever its status; throws {@link NetworkError} when no answer came. */
  private async request(
    method: string,
    pathOrUrl: string,
    body: Resource | unknown,
    headers: Record<string, string>,
    authorization: Promise<Record<string, string>> | undefined,
  ): Promise<RemoteResponse> {
    const auth = await authorization;
    const doFetch = this.options.fetch ?? globalThis.fetch;
    let res: Response;
    const url = this.url(pathOrUrl);
    try {
      res = await doFetch(url, {
        method,
        headers: {
          Accept: 'application/fhir+json',
          ...(body !== undefined ? { 'Content-Type': 'application/fhir+json' } : {}),
          ...this.options.headers,
          ...auth,
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (e) {
      throw new NetworkError(`${method} ${url} failed: ${describeFetchFailure(e)}`, { cause: e });
    }
    let parsed: unknown;
    try {
      const text = await res.text();
      parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch (e) {
      if (res.ok) throw new NetworkError(`${method} ${url}: the answer was cut or is not JSON (${(e as Error).message})`, { cause: e });
    }
    return { request: { method, url }, status: res.status, headers: res.headers, ...(parsed !== undefined ? { body: parsed } : {}) };
  }
}

/** `PUT http://host/fhir/Type/id answered 503`: what an error about an answer says first. */
export const describeAnswer = (res: RemoteResponse): string => `${res.request.method} ${res.request.url} answered ${res.status}`;

/**
 * The version an entity tag names: `W/"3"`, `"3"` or a bare `3` give `3`; undefined for none or an empty one.
 * The one reader of a server's ETags (response headers and Bundle `response.etag`).
 * @see https://hl7.org/fhir/R5/http.html#versioning
 */
export function versionOfEtag(etag: string | null | undefined): string | undefined {
  return etag ? /^(?:W\/)?"?([^"]+)"?$/.exec(etag.trim())?.[1] : undefined;
}

/** The version an answer names: from `ETag: W/"n"`, else the body's `meta.versionId`. */
export function versionOf(res: RemoteResponse): string | undefined {
  return versionOfEtag(res.headers.get('etag')) ?? (res.body as Resource | undefined)?.meta?.versionId;
}

/** Milliseconds a `Retry-After` header asks to wait (seconds or an HTTP date), if any. */
export function retryAfterMs(res: RemoteResponse, now: number): number | undefined {
  const v = res.headers.get('retry-after');
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The headers `authorize()` gave: an object of string values as it is, a string as the `Authorization` value.
 * Anything else is refused: spreading a string into headers would send it one character per header.
 */
function authorizationHeaders(value: unknown): Record<string, string> {
  if (typeof value === 'string') return { Authorization: value };
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')) {
    return value as Record<string, string>;
  }
  throw new AuthorizationError('authorize() must resolve to headers (an object of string values) or to the Authorization value (a string)');
}
