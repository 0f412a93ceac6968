import { unsafeJson } from '../model/forbidden-keys.js';
import { badRequest, FhirError } from '../errors/fhir-error.js';

/** A FHIR REST request as `store.handle` takes it. `url` is relative to the FHIR base. */
export interface FhirRequest {
  /** The HTTP method: `GET`, `HEAD`, `POST`, `PUT`, `PATCH` or `DELETE`. */
  method: string;
  /** The request URL relative to the FHIR base (`ImagingSelection/1`, `Patient?name=x`; empty for a Bundle), or absolute on the store's base URL. */
  url: string;
  /** Header names are case-insensitive. */
  headers?: Record<string, string | undefined>;
  /** A parsed JSON value, or a string parsed according to its `Content-Type`. */
  body?: unknown;
}

/** What `store.handle` answers: the status, headers and body a FHIR server would send. */
export interface FhirResponse {
  /** The HTTP status code. */
  status: number;
  /** Response headers (`Location`, `ETag`, `Last-Modified`, `Content-Type`, …). */
  headers: Record<string, string>;
  /** The parsed JSON body (a resource, a Bundle or an OperationOutcome), absent for 204 and 304. */
  body?: unknown;
}

/** A request after parsing: path segments, query pairs, lower-cased headers and a parsed body. */
export interface ParsedRequest {
  method: string;
  path: string[];
  query: [string, string][];
  /** Whether the URL had a `?` (a conditional interaction on `[type]?` even with no parameters). */
  hasQuery: boolean;
  headers: Map<string, string>;
  body?: unknown;
  /** The media type of the body without parameters, lower-cased. */
  contentType?: string;
}

/**
 * Checks that a value handed to `store.handle` is a request at all (JavaScript callers and JSON from a wire can
 * pass anything): an object with a string `method` and `url`, headers as an object of strings. A 400 otherwise.
 * @see https://hl7.org/fhir/R5/http.html#general
 */
export function assertRequestShape(value: unknown): asserts value is FhirRequest {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`A request must be an object with a method and a url; got ${describe(value)}`);
  }
  const r = value as Record<string, unknown>;
  if (typeof r.method !== 'string' || r.method.trim() === '') {
    throw badRequest(`The request method must be a non-empty string; got ${describe(r.method)}`);
  }
  if (typeof r.url !== 'string') throw badRequest(`The request url must be a string; got ${describe(r.url)}`);
  const headers = r.headers;
  if (headers !== undefined && (headers === null || typeof headers !== 'object' || Array.isArray(headers))) {
    throw badRequest(`The request headers must be an object of name/value strings; got ${describe(headers)}`);
  }
  for (const [name, v] of Object.entries((headers ?? {}) as Record<string, unknown>)) {
    if (v !== undefined && typeof v !== 'string' && typeof v !== 'number') {
      throw badRequest(`The value of request header '${name}' must be a string; got ${describe(v)}`);
    }
  }
}

/** A short description of a value for an error message (its type, never its whole content). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? 'an empty string' : typeof value;
}

const JSON_TYPES = /^application\/(?:fhir\+json|json|json-patch\+json|[a-z0-9.+-]*\+json)$/;
const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * Parses a request. A string body is parsed by its `Content-Type` (JSON by default); malformed JSON is a 400
 * and an unsupported media type a 415.
 * @see https://hl7.org/fhir/R5/http.html#mime-type
 */
export function parseRequest(req: FhirRequest, baseUrl: string): ParsedRequest {
  const headers = new Map<string, string>();
  for (const [k, v] of Object.entries(req.headers ?? {})) if (v !== undefined) headers.set(k.toLowerCase(), String(v));
  const method = req.method.toUpperCase();
  const { path, query, hasQuery } = splitUrl(req.url, baseUrl);
  const contentType = headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  const parsed: ParsedRequest = { method, path, query, hasQuery, headers };
  if (contentType) parsed.contentType = contentType;
  if (req.body !== undefined && req.body !== null && req.body !== '') {
    parsed.body = parseBody(req.body, contentType);
    const unsafe = unsafeJson(parsed.body);
    if (unsafe) throw badRequest(`The body cannot be taken in: ${unsafe}`);
  }
  return parsed;
}

/** Splits `Type/id?x=1` into path segments and query pairs; an absolute URL on the store's base is accepted. */
export function splitUrl(url: string, baseUrl: string): { path: string[]; query: [string, string][]; hasQuery: boolean } {
  let rest = url;
  const next = rest.charAt(baseUrl.length);
  if (baseUrl && rest.startsWith(baseUrl) && (next === '' || next === '/' || next === '?')) rest = rest.slice(baseUrl.length);
  const q = rest.indexOf('?');
  const pathPart = q < 0 ? rest : rest.slice(0, q);
  const queryPart = q < 0 ? '' : rest.slice(q + 1);
  const path = pathPart
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeComponent(s, 'path'));
  return { path, query: parseQuery(queryPart), hasQuery: q >= 0 };
}

/**
 * Parses a URL query. Unlike form decoding, `+` stays `+`: FHIR values such as `+05:00` offsets are often sent
 * unencoded, and reading them as spaces would silently change the search.
 */
export function parseQuery(query: string): [string, string][] {
  if (query === '') return [];
  return query
    .split('&')
    .filter((p) => p !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      return [decodeComponent(name, 'query'), decodeComponent(value, 'query')];
    });
}

/** Parses an `application/x-www-form-urlencoded` body (here `+` is a space, per the form encoding). */
function parseForm(body: string): [string, string][] {
  return [...new URLSearchParams(body)];
}

/** A UTF-16 surrogate without its other half: not a character, and no URL or JSON encoder can write it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function decodeComponent(s: string, where: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(s);
  } catch {
    throw badRequest(`Malformed percent-encoding in the ${where}: '${s}'`);
  }
  if (LONE_SURROGATE.test(decoded)) throw badRequest(`The ${where} holds a lone UTF-16 surrogate, which is not a character`);
  return decoded;
}

function parseBody(body: unknown, contentType: string | undefined): unknown {
  if (typeof body !== 'string') return body;
  if (contentType === FORM_TYPE) return parseForm(body);
  if (contentType === undefined || JSON_TYPES.test(contentType)) {
    try {
      return JSON.parse(body) as unknown;
    } catch (e) {
      throw badRequest(`The body is not valid JSON: ${(e as Error).message}`);
    }
  }
  throw new FhirError(415, { code: 'not-supported', diagnostics: `Unsupported Content-Type '${contentType}'; use application/fhir+json` });
}

/** The `Prefer` header's parts this store honours (https://hl7.org/fhir/R5/http.html#prefer). */
export interface Preferences {
  return?: 'minimal' | 'representation' | 'OperationOutcome';
  handling?: 'strict' | 'lenient';
}

/** Parses `Prefer: return=minimal, handling=lenient`. Unknown preferences are ignored, as RFC 7240 says. */
export function parsePrefer(header: string | undefined): Preferences {
  const prefs: Preferences = {};
  if (!header) return prefs;
  for (const part of header.split(/[,;]/)) {
    const [k, v] = part.split('=').map((s) => s.trim().replace(/^"|"$/g, ''));
    if (k === 'return' && (v === 'minimal' || v === 'representation' || v === 'OperationOutcome')) prefs.return = v;
    if (k === 'handling' && (v === 'strict' || v === 'lenient')) prefs.handling = v;
  }
  return prefs;
}
