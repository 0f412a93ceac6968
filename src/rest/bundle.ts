import { unsafeJson } from '../model/forbidden-keys.js';
import type { Bundle, BundleEntry, Resource } from 'fhir/r5';
import { badRequest, FhirError, preconditionFailed, toFhirError } from '../errors/fhir-error.js';
import { formatEtag } from '../history/etag.js';
import { conditionalReferences, rewriteReferences } from '../model/references.js';
import type { WriteResult } from '../storage/write.js';
import { commitPlanned, type Planned } from './commit.js';
import type { EngineContext } from './context.js';
import { requireType } from './guards.js';
import { splitUrl, type ParsedRequest, type Preferences } from './http.js';
import { newId, planCreate } from './interactions/writes.js';
import { preferredBody, type Outcome } from './outcome.js';
import { route, type Route } from './router.js';
import { conditionalMatches, transactionContext } from './search-runner.js';

/** Runs one request to its outcome (passed in: a batch entry is an ordinary request). */
type Execute = (ctx: EngineContext, req: ParsedRequest, prefer: Preferences) => Promise<Outcome>;

const REASONS: Record<number, string> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified', 400: 'Bad Request', 404: 'Not Found',
  405: 'Method Not Allowed', 409: 'Conflict', 410: 'Gone', 412: 'Precondition Failed', 415: 'Unsupported Media Type',
  422: 'Unprocessable Entity', 500: 'Internal Server Error',
};
const statusLine = (status: number): string => `${status}${REASONS[status] ? ` ${REASONS[status]}` : ''}`;

/**
 * batch and transaction: `POST [base]` with a Bundle. A batch answers every entry on its own; a transaction
 * is all or nothing in one IndexedDB transaction, processed in the R5 order (DELETE, POST, PUT/PATCH, GET),
 * with `urn:uuid` and other entry `fullUrl`s rewritten to the ids the store assigns.
 * @see https://hl7.org/fhir/R5/http.html#transaction
 */
export async function processBundle(ctx: EngineContext, body: unknown, prefer: Preferences, execute: Execute): Promise<Outcome> {
  const bundle = body as Bundle | undefined;
  if (typeof bundle !== 'object' || bundle === null || bundle.resourceType !== 'Bundle') {
    throw badRequest('POST to the base URL takes a Bundle of type batch or transaction');
  }
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
    throw badRequest(`Bundle.type must be batch or transaction, got '${String(bundle.type)}'`, ['Bundle.type']);
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) throw badRequest('Bundle.entry must be an array', ['Bundle.entry']);
  const entries = bundle.entry ?? [];
  entries.forEach((e: unknown, i) => {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) throw badRequest(`Bundle.entry[${i}] must be an object`, [`Bundle.entry[${i}]`]);
  });
  const responseEntries = bundle.type === 'batch' ? await runBatch(ctx, entries, prefer, execute) : await runTransaction(ctx, entries, prefer);
  const response: Bundle = {
    resourceType: 'Bundle',
    id: newId(ctx),
    meta: { lastUpdated: ctx.clock().toISOString() },
    type: bundle.type === 'batch' ? 'batch-response' : 'transaction-response',
    ...(responseEntries.length > 0 ? { entry: responseEntries } : {}),
  };
  return { status: 200, resource: response };
}

/** The request an entry stands for, as if it had come over HTTP. */
function entryRequest(ctx: EngineContext, entry: BundleEntry, index: number): ParsedRequest {
  const where = `Bundle.entry[${index}].request`;
  const r = entry.request;
  if (!r || typeof r.method !== 'string' || typeof r.url !== 'string' || r.url === '') {
    throw badRequest(`${where} needs a method and a url`, [where]);
  }
  const method = r.method.toUpperCase();
  if (!['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) throw badRequest(`${where}.method '${r.method}' is not allowed`, [`${where}.method`]);
  const { path, query, hasQuery } = splitUrl(r.url, ctx.baseUrl);
  if (path.length === 0) throw badRequest(`${where}.url must name a resource type; Bundles do not nest`, [`${where}.url`]);
  const headers = new Map<string, string>();
  if (r.ifMatch) headers.set('if-match', r.ifMatch);
  if (r.ifNoneExist) headers.set('if-none-exist', r.ifNoneExist);
  if (r.ifNoneMatch) headers.set('if-none-match', r.ifNoneMatch);
  if (r.ifModifiedSince) headers.set('if-modified-since', r.ifModifiedSince);
  const parsed: ParsedRequest = { method, path, query, hasQuery, headers };
  const resource = entry.resource as Resource | undefined;
  if (method === 'PATCH' && resource?.resourceType === 'Binary') {
    // JSON Patch travels in a Binary inside Bundles.
    const binary = resource as { contentType?: string; data?: string };
    parsed.contentType = binary.contentType ?? 'application/json-patch+json';
    try {
      parsed.body = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(binary.data ?? ''), (c) => c.charCodeAt(0)))) as unknown;
    } catch {
      throw badRequest(`Bundle.entry[${index}].resource: the Binary does not hold a JSON Patch`, [`Bundle.entry[${index}].resource`]);
    }
    const unsafe = unsafeJson(parsed.body);
    if (unsafe) throw badRequest(`Bundle.entry[${index}].resource: the JSON Patch cannot be taken in: ${unsafe}`, [`Bundle.entry[${index}].resource`]);
  } else if (resource !== undefined) {
    parsed.body = resource;
    parsed.contentType = 'application/fhir+json';
  }
  return parsed;
}

/** A response entry for an outcome (https://hl7.org/fhir/R5/bundle.html, Bundle.entry.response). */
function responseEntry(outcome: Outcome, prefer: Preferences): BundleEntry {
  const response: NonNullable<BundleEntry['response']> = { status: statusLine(outcome.status) };
  if (outcome.location) response.location = outcome.location;
  if (outcome.versionId !== undefined) response.etag = formatEtag(outcome.versionId);
  if (outcome.lastUpdated) response.lastModified = outcome.lastUpdated;
  const body = preferredBody(outcome, prefer);
  const entry: BundleEntry = { response };
  if (body?.resourceType === 'OperationOutcome' && outcome.write) response.outcome = body;
  else if (body) entry.resource = body;
  return entry;
}

const errorEntry = (e: unknown): BundleEntry => {
  const err = toFhirError(e);
  return { response: { status: statusLine(err.status), outcome: err.outcome } };
};

/** Batch: each entry on its own, in order; one failing entry answers its own error and the rest go on. */
async function runBatch(ctx: EngineContext, entries: BundleEntry[], prefer: Preferences, execute: Execute): Promise<BundleEntry[]> {
  const out: BundleEntry[] = [];
  for (const [i, entry] of entries.entries()) {
    try {
      out.push(responseEntry(await execute(ctx, entryRequest(ctx, entry, i), prefer), prefer));
    } catch (e) {
      out.push(errorEntry(e));
    }
  }
  return out;
}

const ORDER: Record<string, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

/** Transaction: plan every entry, then commit them all in one IndexedDB transaction, or none. */
async function runTransaction(ctx: EngineContext, entries: BundleEntry[], prefer: Preferences): Promise<BundleEntry[]> {
  const { value } = await commitPlanned(ctx, () => planTransaction(ctx, entries, prefer));
  return value;
}

/** A write entry of a transaction with its plan. */
interface EntryPlan {
  index: number;
  planned: Planned<Outcome>;
}

type ReadRoute = Extract<Route, { kind: 'read' }>;

/** A read entry of a transaction (GET, HEAD): it runs inside the transaction, after every write. */
interface EntryRead {
  index: number;
  route: ReadRoute;
}

/**
 * Plans a transaction in the steps of R5 (https://hl7.org/fhir/R5/http.html#trules): allocate the ids of created
 * resources, resolve conditional references, rewrite `fullUrl`s (e.g. `urn:uuid:`) to the resolved identities,
 * plan the entries in the processing order (DELETE, POST, PUT/PATCH, GET/HEAD), then check that no resource is
 * changed twice. All of it is undone unless every entry succeeds.
 */
async function planTransaction(outer: EngineContext, entries: BundleEntry[], prefer: Preferences): Promise<Planned<BundleEntry[]>> {
  // Reads of the Bundle run inside the transaction: they must not wait on anything but IndexedDB.
  const ctx = await transactionContext(outer);
  const requests = entries.map((e, i) => entryRequest(ctx, e, i));
  const { links, presetIds } = await allocateIdentities(ctx, entries, requests);
  const conditional = await resolveConditionalReferences(ctx, requests, links);
  rewriteBodies(requests, links);
  const { plans, reads } = await planInOrder(ctx, requests, presetIds, prefer);
  checkIdentities(plans, conditional.resolved);
  const verifies = [...conditional.verifies, ...plans.flatMap((p) => (p.planned.verify ? [p.planned.verify] : []))];
  return {
    writes: plans.flatMap((p) => p.planned.writes),
    verify: async () => {
      for (const v of verifies) await v();
    },
    after: (results) => transactionResponse(entries.length, plans, reads, results, prefer),
  };
}

/** A create: `POST [type]`. */
const isCreate = (req: ParsedRequest): boolean => req.method === 'POST' && req.path.length === 1;

/**
 * Step 1: the identity each entry's `fullUrl` stands for, so references to it can be rewritten. A create gets a
 * new id (`presetIds`) or, conditional, its single existing match; an update `PUT [type]/[id]` keeps its id.
 * @see https://hl7.org/fhir/R5/bundle.html#references
 */
async function allocateIdentities(
  ctx: EngineContext,
  entries: BundleEntry[],
  requests: ParsedRequest[],
): Promise<{ links: Map<string, string>; presetIds: Map<number, string> }> {
  const links = new Map<string, string>();
  const presetIds = new Map<number, string>();
  for (const [i, req] of requests.entries()) {
    const fullUrl = entries[i]!.fullUrl;
    const type = req.path[0]!;
    if (isCreate(req)) {
      const { id, preset } = await createdId(ctx, req, i);
      if (preset) presetIds.set(i, id);
      if (fullUrl) links.set(fullUrl, `${type}/${id}`);
    } else if (req.method === 'PUT' && req.path.length === 2 && fullUrl) {
      links.set(fullUrl, `${type}/${req.path[1]!}`);
    }
  }
  return { links, presetIds };
}

/**
 * The id a create entry ends up with: for a conditional create (`If-None-Exist`) the one resource that matches
 * (412 if several do), otherwise a new id (`preset: true`).
 * @see https://hl7.org/fhir/R5/http.html#ccreate
 */
async function createdId(ctx: EngineContext, req: ParsedRequest, index: number): Promise<{ id: string; preset: boolean }> {
  const type = req.path[0]!;
  requireType(type);
  const ifNoneExist = req.headers.get('if-none-exist');
  if (ifNoneExist !== undefined) {
    const found = await conditionalMatches(ctx, type, splitUrl(`?${ifNoneExist.replace(/^.*\?/, '')}`, '').query);
    if (found.ids.length > 1) throw preconditionFailed(`Bundle.entry[${index}]: If-None-Exist matches several ${type} resources`);
    const match = found.ids[0];
    if (match !== undefined) return { id: match, preset: false };
  }
  return { id: newId(ctx), preset: true };
}

/**
 * Step 2: each conditional reference `Type?criteria` in the entries resolves to its single match (412 for none or
 * several), added to `links`. Returns the identities so resolved and the reads that re-check them at commit.
 * @see https://hl7.org/fhir/R5/http.html#trules
 */
async function resolveConditionalReferences(
  ctx: EngineContext,
  requests: ParsedRequest[],
  links: Map<string, string>,
): Promise<{ resolved: Set<string>; verifies: (() => Promise<void>)[] }> {
  const resolved = new Set<string>();
  const verifies: (() => Promise<void>)[] = [];
  for (const req of requests) {
    for (const ref of conditionalReferences(req.body)) {
      if (links.has(ref)) continue;
      const [refType = '', query = ''] = ref.split('?', 2);
      requireType(refType);
      const found = await conditionalMatches(ctx, refType, splitUrl(`?${query}`, '').query);
      if (found.ids.length !== 1) {
        throw preconditionFailed(`Conditional reference '${ref}' matches ${found.ids.length === 0 ? 'nothing' : 'several resources'}`);
      }
      links.set(ref, `${refType}/${found.ids[0]!}`);
      resolved.add(`${refType}/${found.ids[0]!}`);
      verifies.push(found.verify);
    }
  }
  return { resolved, verifies };
}

/** Step 3: references to entry `fullUrl`s and conditional references in resource bodies become the resolved identities. */
function rewriteBodies(requests: ParsedRequest[], links: ReadonlyMap<string, string>): void {
  for (const req of requests) if (req.body !== undefined && req.contentType === 'application/fhir+json') req.body = rewriteReferences(req.body, links);
}

/** Entry indexes in the R5 processing order: DELETE, POST, PUT/PATCH, GET/HEAD; Bundle order within each. */
function processingOrder(requests: ParsedRequest[]): number[] {
  return requests.map((_, i) => i).sort((a, b) => (ORDER[requests[a]!.method] ?? 9) - (ORDER[requests[b]!.method] ?? 9) || a - b);
}

/** Step 4: plans the writes in processing order; the reads are kept to run inside the transaction, after the writes. */
async function planInOrder(
  ctx: EngineContext,
  requests: ParsedRequest[],
  presetIds: ReadonlyMap<number, string>,
  prefer: Preferences,
): Promise<{ plans: EntryPlan[]; reads: EntryRead[] }> {
  const plans: EntryPlan[] = [];
  const reads: EntryRead[] = [];
  for (const i of processingOrder(requests)) {
    const step = await planEntry(ctx, requests[i]!, i, presetIds.get(i), prefer);
    if (step.kind === 'read') reads.push({ index: i, route: step.route });
    else plans.push({ index: i, planned: step.planned });
  }
  return { plans, reads };
}

/** One entry's plan: a create with the id step 1 allocated, any other request through the router (errors name the entry). */
async function planEntry(
  ctx: EngineContext,
  req: ParsedRequest,
  index: number,
  preset: string | undefined,
  prefer: Preferences,
): Promise<{ kind: 'write'; planned: Planned<Outcome> } | { kind: 'read'; route: ReadRoute }> {
  if (isCreate(req)) {
    const ifNoneExist = req.headers.get('if-none-exist');
    const planned = planCreate(ctx, req.path[0]!, req.body, ifNoneExist !== undefined ? { ifNoneExist } : {}, preset);
    return { kind: 'write', planned: await planned.catch((e: unknown) => Promise.reject(annotate(e, index))) };
  }
  let r: Route;
  try {
    r = route(ctx, req, prefer);
  } catch (e) {
    throw annotate(e, index);
  }
  if (r.kind === 'bundle') throw badRequest(`Bundle.entry[${index}]: Bundles do not nest`);
  if (r.kind === 'read') return { kind: 'read', route: r };
  return { kind: 'write', planned: await r.plan().catch((e: unknown) => Promise.reject(annotate(e, index))) };
}

/**
 * Step 5, once conditional URLs are resolved and identities known: each resource may be changed by one entry only,
 * and no entry may delete a resource a conditional reference resolved to.
 * @see https://hl7.org/fhir/R5/http.html#trules
 */
function checkIdentities(plans: EntryPlan[], resolvedRefs: ReadonlySet<string>): void {
  const touched = new Map<string, number>();
  for (const p of plans) {
    for (const w of p.planned.writes) {
      const identity = `${w.type}/${w.id}`;
      const other = touched.get(identity);
      if (other !== undefined) throw badRequest(`Bundle.entry[${other}] and Bundle.entry[${p.index}] both change ${identity}`, [`Bundle.entry[${p.index}]`]);
      touched.set(identity, p.index);
      if (w.kind === 'delete' && resolvedRefs.has(identity)) {
        throw badRequest(`A conditional reference resolves to ${identity}, which Bundle.entry[${p.index}] deletes`, [`Bundle.entry[${p.index}]`]);
      }
    }
  }
}

/**
 * Step 6, inside the transaction after the writes: the response entries in Bundle order, each write's from its
 * own slice of the write results, then each read run against the written state.
 * @see https://hl7.org/fhir/R5/http.html#transaction-response
 */
async function transactionResponse(
  size: number,
  plans: EntryPlan[],
  reads: EntryRead[],
  results: WriteResult[],
  prefer: Preferences,
): Promise<BundleEntry[]> {
  const out: BundleEntry[] = new Array<BundleEntry>(size);
  let offset = 0;
  for (const p of plans) {
    const mine = results.slice(offset, offset + p.planned.writes.length);
    offset += p.planned.writes.length;
    const outcome = p.planned.after ? await p.planned.after(mine) : { status: 200 };
    out[p.index] = responseEntry(outcome, prefer);
  }
  for (const r of reads) {
    try {
      out[r.index] = responseEntry(await r.route.run(), prefer);
    } catch (e) {
      throw annotate(e, r.index);
    }
  }
  return out;
}

/** Prefixes an entry's error with its position, keeping its status. */
function annotate(e: unknown, index: number): FhirError {
  const err = toFhirError(e);
  const outcome = {
    ...err.outcome,
    issue: err.outcome.issue.map((i) => ({ ...i, diagnostics: `Bundle.entry[${index}]: ${i.diagnostics ?? i.code}` })),
  };
  return new FhirError(err.status, outcome, err.headers);
}
