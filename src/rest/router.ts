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

/**
 * Maps a request onto an interaction of the R5 RESTful API.
 * @see https://hl7.org/fhir/R5/http.html#summary
 */
export function route(ctx: EngineContext, req: ParsedRequest, prefer: Preferences): Route {
  const { method, path } = req;
  const [first, second, third, fourth, ...extra] = path;
  const handling = prefer.handling ?? 'strict';
  const reads = (run: () => Promise<Outcome>): Route => ({ kind: 'read', run });
  const writes = (plan: () => Promise<Planned<Outcome>> | Planned<Outcome>): Route => ({ kind: 'write', plan: async () => plan() });

  if (extra.length > 0) throw notFound(`No FHIR interaction at '${path.join('/')}'`);

  if (first === undefined) {
    if (method === 'POST') return { kind: 'bundle', body: req.body };
    if (method === 'GET' || method === 'HEAD') return reads(() => search(ctx, undefined, req.query, handling));
    throw methodNotAllowed(`${method} is not allowed on the base URL`);
  }
  if (first === '_search') {
    if (method !== 'POST') throw methodNotAllowed(`${method} is not allowed on _search; use POST`);
    return reads(() => search(ctx, undefined, [...req.query, ...formBody(req)], handling));
  }
  if (first === 'metadata') {
    if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(`${method} is not allowed on metadata`);
    return reads(async () => capabilities(ctx));
  }
  if (first === '_history') {
    if (second !== undefined) throw notFound(`No FHIR interaction at '${path.join('/')}'`);
    if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(`${method} is not allowed on _history`);
    return reads(() => history(ctx, {}, req.query, handling));
  }

  if (path.some((seg) => seg.startsWith('$'))) throw new FhirError(404, { code: 'not-supported', diagnostics: `Operations such as '${path.find((seg) => seg.startsWith('$'))}' are not supported` });
  const type = first;
  requireType(type);
  const cond = conditionsOf(req);

  if (second === undefined) {
    switch (method) {
      case 'GET':
      case 'HEAD':
        return reads(() => search(ctx, type, req.query, handling));
      case 'POST':
        return writes(() => planCreate(ctx, type, req.body, cond));
      case 'PUT':
        if (!req.hasQuery) throw badRequest(`PUT ${type} needs an id or search criteria`);
        return writes(() => planConditionalUpdate(ctx, type, req.query, req.body, cond));
      case 'PATCH':
        if (!req.hasQuery) throw badRequest(`PATCH ${type} needs an id or search criteria`);
        return writes(() => planConditionalPatch(ctx, type, req.query, req.body, req.contentType, cond));
      case 'DELETE':
        if (!req.hasQuery) throw badRequest(`DELETE ${type} needs an id or search criteria`);
        return writes(() => planConditionalDelete(ctx, type, req.query, cond));
      default:
        throw methodNotAllowed(`${method} is not allowed on ${type}`);
    }
  }
  if (second === '_search') {
    if (third !== undefined) throw notFound(`No FHIR interaction at '${path.join('/')}'`);
    if (method !== 'POST') throw methodNotAllowed(`${method} is not allowed on ${type}/_search; use POST`);
    return reads(() => search(ctx, type, [...req.query, ...formBody(req)], handling));
  }
  if (second === '_history') {
    if (third !== undefined) throw notFound(`No FHIR interaction at '${path.join('/')}'`);
    if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(`${method} is not allowed on ${type}/_history`);
    return reads(() => history(ctx, { type }, req.query, handling));
  }

  const id = second;
  if (third === undefined) {
    switch (method) {
      case 'GET':
      case 'HEAD': {
        const c: { ifNoneMatch?: string; ifModifiedSince?: string } = {};
        if (req.headers.has('if-none-match')) c.ifNoneMatch = req.headers.get('if-none-match')!;
        if (req.headers.has('if-modified-since')) c.ifModifiedSince = req.headers.get('if-modified-since')!;
        return reads(() => read(ctx, type, id, c));
      }
      case 'PUT':
        return writes(() => planUpdate(ctx, type, id, req.body, cond));
      case 'PATCH':
        return writes(() => planPatch(ctx, type, id, req.body, req.contentType, cond));
      case 'DELETE':
        if (req.body !== undefined) throw badRequest('A DELETE request has no body');
        return writes(() => planDelete(type, id, cond));
      default:
        throw methodNotAllowed(`${method} is not allowed on ${type}/${id}`);
    }
  }
  if (third !== '_history') throw notFound(`No FHIR interaction at '${path.join('/')}'`);
  if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(`${method} is not allowed on a resource's history`);
  if (fourth === undefined) return reads(() => history(ctx, { type, id }, req.query, handling));
  return reads(() => vread(ctx, type, id, fourth));
}
