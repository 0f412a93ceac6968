import { badRequest, FhirError, methodNotAllowed, notFound } from '../errors/fhir-error.js';
import type { Planned } from './commit.js';
import type { EngineContext } from './context.js';
import { requireType } from './guards.js';
import type { ParsedRequest, Preferences } from './http.js';
import { capabilities } from './interactions/capabilities.js';
import { history } from './interactions/history.js';
import { read, vread } from './interactions/read.js';
import { search } from './interactions/search.js';
import {
  planConditionalDelete,
  planConditionalPatch,
  planConditionalUpdate,
  planCreate,
  planDelete,
  planPatch,
  planUpdate,
  type WriteConditions,
} from './interactions/writes.js';
import type { Outcome } from './outcome.js';

/** What a request resolves to: a read that runs as it is, a write planned for one transaction, or a Bundle. */
export type Route =
  | { kind: 'read'; run: () => Promise<Outcome> }
  | { kind: 'write'; plan: () => Promise<Planned<Outcome>> }
  | { kind: 'bundle'; body: unknown };

const conditionsOf = (req: ParsedRequest): WriteConditions => ({
  ...(req.headers.has('if-match') ? { ifMatch: req.headers.get('if-match')! } : {}),
  ...(req.headers.has('if-none-exist') ? { ifNoneExist: req.headers.get('if-none-exist')! } : {}),
});

/** The pairs of a `POST _search` form body (400 for any other body). */
function formBody(req: ParsedRequest): [string, string][] {
  if (req.body === undefined) return [];
  if (!Array.isArray(req.body)) throw badRequest('POST _search takes an application/x-www-form-urlencoded body');
  return req.body as [string, string][];
}

/** What every routing step needs: the engine, the request and the `Prefer: handling` it asked for. */
interface Routing {
  ctx: EngineContext;
  req: ParsedRequest;
  handling: 'strict' | 'lenient';
}

/** One routing step for a request whose shape is already known; `type` and `id` come from the path. */
type Step = (r: Routing, type: string, id: string) => Route;

const reads = (run: () => Promise<Outcome>): Route => ({ kind: 'read', run });
const writes = (plan: () => Promise<Planned<Outcome>> | Planned<Outcome>): Route => ({ kind: 'write', plan: async () => plan() });
const noInteraction = (path: string[]): FhirError => notFound(`No FHIR interaction at '${path.join('/')}'`);
const isRead = (method: string): boolean => method === 'GET' || method === 'HEAD';

/** Picks the step for the request's method from `steps`; a method it lacks answers 405 (R5 http.html#summary). */
function byMethod(steps: ReadonlyMap<string, Step>, where: (type: string, id: string) => string): Step {
  return (r, type, id) => {
    const step = steps.get(r.req.method);
    if (!step) throw methodNotAllowed(`${r.req.method} is not allowed on ${where(type, id)}`);
    return step(r, type, id);
  };
}

/** A conditional interaction (update, patch or delete on a type) must carry search criteria (R5 http.html#cond-update). */
function requireCriteria(r: Routing, type: string): void {
  if (!r.req.hasQuery) throw badRequest(`${r.req.method} ${type} needs an id or search criteria`);
}

/**
 * `POST [base]` is a batch or transaction; `GET [base]?…` is a search of all types (system search).
 * @see https://hl7.org/fhir/R5/http.html#transaction
 * @see https://hl7.org/fhir/R5/search.html#searchcontexts
 */
function baseInteraction(r: Routing): Route {
  const { ctx, req, handling } = r;
  if (req.method === 'POST') return { kind: 'bundle', body: req.body };
  if (isRead(req.method)) return reads(() => search(ctx, undefined, req.query, handling));
  throw methodNotAllowed(`${req.method} is not allowed on the base URL`);
}

/**
 * The system-level paths that are not a resource type: `_search`, `metadata` and `_history`.
 * @see https://hl7.org/fhir/R5/http.html#summary
 */
const SYSTEM_PATHS: ReadonlyMap<string, (r: Routing, path: string[]) => Route> = new Map([
  ['_search', systemSearchByPost],
  ['metadata', capabilitiesInteraction],
  ['_history', systemHistory],
]);

/**
 * `POST [base]/_search`: a system search with form-encoded parameters.
 * @see https://hl7.org/fhir/R5/http.html#search
 */
function systemSearchByPost({ ctx, req, handling }: Routing): Route {
  if (req.method !== 'POST') throw methodNotAllowed(`${req.method} is not allowed on _search; use POST`);
  return reads(() => search(ctx, undefined, [...req.query, ...formBody(req)], handling));
}

/**
 * `GET [base]/metadata`: the capabilities interaction.
 * @see https://hl7.org/fhir/R5/http.html#capabilities
 */
function capabilitiesInteraction({ ctx, req }: Routing): Route {
  if (!isRead(req.method)) throw methodNotAllowed(`${req.method} is not allowed on metadata`);
  return reads(async () => capabilities(ctx));
}

/**
 * `GET [base]/_history`: history-system.
 * @see https://hl7.org/fhir/R5/http.html#history
 */
function systemHistory({ ctx, req, handling }: Routing, path: string[]): Route {
  if (path[1] !== undefined) throw noInteraction(path);
  if (!isRead(req.method)) throw methodNotAllowed(`${req.method} is not allowed on _history`);
  return reads(() => history(ctx, {}, req.query, handling));
}

/** `GET [base]/[type]?…`: search-type (R5 http.html#search). */
const searchType: Step = ({ ctx, req, handling }, type) => reads(() => search(ctx, type, req.query, handling));

/**
 * `[base]/[type]` by method: search-type, create, and conditional update, patch and delete.
 * @see https://hl7.org/fhir/R5/http.html#summary
 */
const typeInteraction = byMethod(
  new Map<string, Step>([
    ['GET', searchType],
    ['HEAD', searchType],
    ['POST', ({ ctx, req }, type) => {
      const cond = conditionsOf(req);
      return writes(() => planCreate(ctx, type, req.body, cond));
    }],
    ['PUT', (r, type) => {
      requireCriteria(r, type);
      const { ctx, req } = r;
      const cond = conditionsOf(req);
      return writes(() => planConditionalUpdate(ctx, type, req.query, req.body, cond));
    }],
    ['PATCH', (r, type) => {
      requireCriteria(r, type);
      const { ctx, req } = r;
      const cond = conditionsOf(req);
      return writes(() => planConditionalPatch(ctx, type, req.query, req.body, req.contentType, cond));
    }],
    ['DELETE', (r, type) => {
      requireCriteria(r, type);
      const { ctx, req } = r;
      const cond = conditionsOf(req);
      return writes(() => planConditionalDelete(ctx, type, req.query, cond));
    }],
  ]),
  (type) => type,
);

/**
 * The type-level paths that are not an id: `[type]/_search` (search-type by POST) and `[type]/_history` (history-type).
 * @see https://hl7.org/fhir/R5/http.html#search
 * @see https://hl7.org/fhir/R5/http.html#history
 */
const TYPE_PATHS: ReadonlyMap<string, Step> = new Map<string, Step>([
  ['_search', ({ ctx, req, handling }, type) => {
    if (req.method !== 'POST') throw methodNotAllowed(`${req.method} is not allowed on ${type}/_search; use POST`);
    return reads(() => search(ctx, type, [...req.query, ...formBody(req)], handling));
  }],
  ['_history', ({ ctx, req, handling }, type) => {
    if (!isRead(req.method)) throw methodNotAllowed(`${req.method} is not allowed on ${type}/_history`);
    return reads(() => history(ctx, { type }, req.query, handling));
  }],
]);

/** The conditional-read headers of a read (R5 http.html#cread). */
function readConditionsOf(req: ParsedRequest): { ifNoneMatch?: string; ifModifiedSince?: string } {
  const c: { ifNoneMatch?: string; ifModifiedSince?: string } = {};
  if (req.headers.has('if-none-match')) c.ifNoneMatch = req.headers.get('if-none-match')!;
  if (req.headers.has('if-modified-since')) c.ifModifiedSince = req.headers.get('if-modified-since')!;
  return c;
}

/** `GET [base]/[type]/[id]`: read, conditional on `If-None-Match` / `If-Modified-Since` (R5 http.html#read). */
const readInstance: Step = ({ ctx, req }, type, id) => {
  const c = readConditionsOf(req);
  return reads(() => read(ctx, type, id, c));
};

/**
 * `[base]/[type]/[id]` by method: read, update, patch and delete.
 * @see https://hl7.org/fhir/R5/http.html#summary
 */
const instanceInteraction = byMethod(
  new Map<string, Step>([
    ['GET', readInstance],
    ['HEAD', readInstance],
    ['PUT', ({ ctx, req }, type, id) => {
      const cond = conditionsOf(req);
      return writes(() => planUpdate(ctx, type, id, req.body, cond));
    }],
    ['PATCH', ({ ctx, req }, type, id) => {
      const cond = conditionsOf(req);
      return writes(() => planPatch(ctx, type, id, req.body, req.contentType, cond));
    }],
    ['DELETE', ({ req }, type, id) => {
      const cond = conditionsOf(req);
      if (req.body !== undefined) throw badRequest('A DELETE request has no body');
      return writes(() => planDelete(type, id, cond));
    }],
  ]),
  (type, id) => `${type}/${id}`,
);

/**
 * `GET [base]/[type]/[id]/_history` (history-instance) and `…/_history/[vid]` (vread).
 * @see https://hl7.org/fhir/R5/http.html#history
 * @see https://hl7.org/fhir/R5/http.html#vread
 */
function instanceHistoryOrVread({ ctx, req, handling }: Routing, type: string, id: string, path: string[]): Route {
  const [, , third, versionId] = path;
  if (third !== '_history') throw noInteraction(path);
  if (!isRead(req.method)) throw methodNotAllowed(`${req.method} is not allowed on a resource's history`);
  if (versionId === undefined) return reads(() => history(ctx, { type, id }, req.query, handling));
  return reads(() => vread(ctx, type, id, versionId));
}

/** 404 `not-supported` for an operation (`$name`) anywhere in the path: none are implemented here. */
function rejectOperations(path: string[]): void {
  const operation = path.find((seg) => seg.startsWith('$'));
  if (operation !== undefined) throw new FhirError(404, { code: 'not-supported', diagnostics: `Operations such as '${operation}' are not supported` });
}

/**
 * Maps a request onto an interaction of the R5 RESTful API by the shape of its path: the base, a system
 * path, a type, a type path, an instance, or an instance's history.
 * @see https://hl7.org/fhir/R5/http.html#summary
 */
export function route(ctx: EngineContext, req: ParsedRequest, prefer: Preferences): Route {
  const { path } = req;
  if (path.length > 4) throw noInteraction(path);
  const r: Routing = { ctx, req, handling: prefer.handling ?? 'strict' };
  const [type, second, third] = path;
  if (type === undefined) return baseInteraction(r);
  const systemPath = SYSTEM_PATHS.get(type);
  if (systemPath) return systemPath(r, path);

  rejectOperations(path);
  requireType(type);
  if (second === undefined) return typeInteraction(r, type, '');
  const typePath = TYPE_PATHS.get(second);
  if (typePath) {
    if (third !== undefined) throw noInteraction(path);
    return typePath(r, type, '');
  }
  if (third === undefined) return instanceInteraction(r, type, second);
  return instanceHistoryOrVread(r, type, second, path);
}
