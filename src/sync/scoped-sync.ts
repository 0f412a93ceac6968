import type { Group, OperationOutcome } from 'fhir/r5';
import { FhirError } from '../errors/fhir-error.js';
import { executeSearch } from '../search/engine/execute-search.js';
import { parseSearch } from '../search/query/parse.js';
import type { Clause } from '../search/query/search-query.js';
import type { CandidateRow } from '../search/engine/source.js';
import type { Mutation } from '../storage/port.js';
import { evictLocally, saveCheckpoint, type EvictionMutation } from '../storage/replica-mutations.js';
import { forgetCheckpoints, forgetOutOfScopeTombstones } from '../storage/forget-checkpoints.js';
import { describeAnswer, type FhirClient } from './client.js';
import type { SyncContext } from './context.js';
import { RetryableError } from './errors.js';
import type { PullReport } from './pull.js';
import { compileScope, scopedExport, scopedSearchUrl, scopeFingerprint, windowStart, type SyncScope, type TypeScope } from './scope.js';
import { ScopeCheck, withPreparedCache } from './scope-check.js';
import { offeredExportLevels, type BulkPullOptions } from './bulk-pull.js';

/** Local resources evicted per transaction by a sweep. */
const SWEEP_CHUNK = 500;

/**
 * One cycle of a scoped replication, prepared: the context whose pulls check the scope, the compiled criteria, the
 * kick-off of a scoped export, and the types to leave out of this cycle's pull (nothing of them is in scope).
 * @see https://hl7.org/fhir/uv/bulkdata/export.html
 */
export interface ScopedCycle {
  ctx: SyncContext;
  compiled: Map<string, TypeScope>;
  exportRequest: NonNullable<BulkPullOptions['scoped']>;
  /** Types with nothing in scope: not pulled (their local resources were swept). */
  skip: Set<string>;
}

/**
 * The key of the checkpoint row that records the scope the checkpoints were made under.
 * @see https://hl7.org/fhir/R5/http.html#history
 */
export const scopeKey = (baseUrl: string): string => `${baseUrl}|$scope`;

/**
 * Prepares a scoped cycle: reads the Group's members (a worklist) from the server, compiles the scope at the
 * replication's clock, and compares it with the scope the checkpoints were made under (stored as a fingerprint in the
 * checkpoint row `${baseUrl}|$scope`). When it changed (another patient list, Group membership, study, window or
 * search, or the first scoped run over an unscoped replica), the local resources of the synced types that are out
 * of the new scope are removed (never those with a pending change) and the types' checkpoints are reset, so the
 * first sync runs again for the new scope (what is held is not written twice: `applyPage` skips versions held).
 * A sliding window is swept every cycle: resources its start passed are removed.
 * @see https://hl7.org/fhir/R5/search.html
 */
export async function prepareScopedCycle(
  ctx: SyncContext,
  client: FhirClient,
  scope: SyncScope,
  types: string[],
  options: { baseUrl: string; now: Date },
  report: PullReport,
): Promise<ScopedCycle> {
  const search = ctx.search;
  if (search === undefined) throw new TypeError('a scoped replication needs the store\'s search (SyncContext.search)');
  const groupPatients = scope.group !== undefined ? await groupMembers(client, scope.group) : undefined;
  const compiled = compileScope(scope, types, {
    now: options.now,
    ...(groupPatients !== undefined ? { groupPatients } : {}),
    hasParameter: (type, code) => search.registry.get(type, code) !== undefined,
  });
  const cached = withPreparedCache(ctx);
  const check = ScopeCheck.create(cached, compiled, options.now);
  const scoped: SyncContext = { ...cached, scope: check };
  const fingerprint = scopeFingerprint(scope, types, groupPatients);
  const stored = await ctx.storage.checkpoint(scopeKey(options.baseUrl));
  if (stored?.scope !== fingerprint) {
    const checkpointed = await Promise.all(types.map((t) => ctx.storage.checkpoint(`${options.baseUrl}|${t}`)));
    const exporting = await ctx.storage.checkpoint(`${options.baseUrl}|$export`);
    if (stored !== undefined || checkpointed.some((c) => c !== undefined) || exporting !== undefined) {
      for (const type of types) await sweep(scoped, type, await outOfScope(scoped, check, type), report);
    }
    // One transaction: the types start over under the new scope (a bulk sync in progress for the old one is dropped).
    await ctx.storage.commit(() => ({
      mutations: [forgetCheckpoints([...types.map((t) => `${options.baseUrl}|${t}`), `${options.baseUrl}|$export`]), saveCheckpoint({ key: scopeKey(options.baseUrl), scope: fingerprint })],
    }));
  } else if (scope.issued !== undefined && 'last' in scope.issued) {
    const start = windowStart(options.now, scope.issued.last).toISOString();
    for (const type of types) if (search.registry.get(type, 'issued') !== undefined) await sweep(scoped, type, await passedByWindow(scoped, check, type, start), report);
  }
  const skip = new Set(types.filter((t) => compiled.get(t)?.none === true));
  return {
    ctx: scoped,
    compiled,
    skip,
    exportRequest: (statement, firstSync) => {
      const levels = offeredExportLevels(statement);
      return scopedExport(scope, firstSync.filter((t) => !skip.has(t)), compiled, (level) => levels.has(level));
    },
  };
}

/**
 * An unscoped replication of a replica that was scoped (the `scope` option left out since): the checkpoints were
 * made under the scope, so the types start over and pull everything (what is held is not written twice), and the
 * resources removed for being out of the scope are written again.
 * @see https://hl7.org/fhir/R5/http.html#history
 */
export async function dropScope(ctx: SyncContext, baseUrl: string, types: string[]): Promise<void> {
  await ctx.storage.commit(() => ({
    mutations: [forgetCheckpoints([...types.map((t) => `${baseUrl}|${t}`), `${baseUrl}|$export`, scopeKey(baseUrl)]), forgetOutOfScopeTombstones()],
  }));
}

/**
 * The first sync of a type the export did not cover, by its scoped search: the search URL is recorded as the
 * link the pull resumes from, so `pullType` pages it (each page committed with the next link, resumable) and then
 * catches up on `_history` since the first page's server time.
 * @see https://hl7.org/fhir/R5/search.html#paging
 */
export async function seedScopedSearch(ctx: SyncContext, baseUrl: string, type: string, t: TypeScope, count: number): Promise<void> {
  const key = `${baseUrl}|${type}`;
  if ((await ctx.storage.checkpoint(key)) !== undefined) return;
  await ctx.storage.commit(() => ({ mutations: [saveCheckpoint({ key, next: scopedSearchUrl(type, t, count) })] }));
}

/** The Patient ids among a Group's members, read from the server; a Group the server does not have stops the cycle. */
async function groupMembers(client: FhirClient, id: string): Promise<string[]> {
  const res = await client.send('GET', `Group/${encodeURIComponent(id)}`);
  const group = res.body as Group | undefined;
  if (res.status === 404 || res.status === 410) {
    // The server's own OperationOutcome, with what it means here: a worklist that is gone empties nothing by itself.
    const outcome = (res.body as OperationOutcome | undefined)?.resourceType === 'OperationOutcome' ? (res.body as OperationOutcome) : undefined;
    throw new FhirError(res.status, [
      { code: 'not-found', diagnostics: `replicate: scope.group ${id}: ${describeAnswer(res)}; nothing was removed locally`, expression: ['scope.group'] },
      ...(outcome?.issue ?? []).map((i) => ({ code: i.code, diagnostics: i.diagnostics ?? i.code, severity: i.severity })),
    ]);
  }
  if (res.status !== 200 || group?.resourceType !== 'Group') throw new RetryableError(`${describeAnswer(res)}: expected the Group of the scope`);
  const ids = new Set<string>();
  for (const m of group.member ?? []) {
    if (m.inactive === true) continue;
    const ref = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(m.entity.reference ?? '')?.[1];
    if (ref !== undefined) ids.add(ref);
  }
  return [...ids];
}

/** The local resources of a type out of the scope: every id minus those a local search of the criteria finds. */
async function outOfScope(ctx: SyncContext, check: ScopeCheck, type: string): Promise<string[]> {
  const criteria = check.criteria(type);
  if (criteria === undefined) return [];
  const all = await ctx.search!.source.allIds(type);
  if (criteria === 'none') return all;
  const kept = new Set(await localMatches(ctx, type, criteria));
  return all.filter((id) => !kept.has(id));
}

/** The local resources of a type that a sliding window's start passed: `issued` before it, confirmed by the check. */
async function passedByWindow(ctx: SyncContext, check: ScopeCheck, type: string, start: string): Promise<string[]> {
  const criteria = check.criteria(type);
  if (criteria === undefined || criteria === 'none') return [];
  const search = ctx.search!;
  const rows = await localRows(ctx, type, parseSearch([type], [['issued', `lt${start}`]], { registry: search.registry, handling: 'strict' }).clauses);
  const kept = await check.inScope(rows.map((r) => r.resource));
  return rows.filter((r) => !kept.has(`${type}/${r.id}`)).map((r) => r.id);
}

/** The ids of the local resources of a type matching the clauses (the store's own search, every page). */
async function localMatches(ctx: SyncContext, type: string, clauses: Clause[]): Promise<string[]> {
  return (await localRows(ctx, type, clauses)).map((r) => r.id);
}

/** The local resources of a type matching the clauses, as the store's search finds them (every match, one page). */
async function localRows(ctx: SyncContext, type: string, clauses: Clause[]): Promise<CandidateRow[]> {
  const search = ctx.search!;
  const result = await executeSearch(
    { types: [type], clauses, count: Number.MAX_SAFE_INTEGER, sort: [], include: [], ignored: [], total: 'none' },
    { source: search.source, registry: search.registry, terminology: search.terminology, timeZone: search.timeZone, now: ctx.clock().getTime(), baseUrl: ctx.baseUrl ?? '' },
  );
  return result.matches.map((m) => m.row);
}

/**
 * Removes the listed local resources in chunks (`evictLocally`, reason `out-of-scope`: never pushed; one with a
 * pending change, an open conflict or a dead letter is kept), each chunk planned on there being no pending change.
 */
async function sweep(ctx: SyncContext, type: string, ids: string[], report: PullReport): Promise<void> {
  for (let i = 0; i < ids.length; i += SWEEP_CHUNK) {
    const chunk = ids.slice(i, i + SWEEP_CHUNK);
    let eviction: EvictionMutation | undefined;
    await ctx.storage.commit(async () => {
      const { pending } = await ctx.storage.heldAndPending(chunk.map((id) => [type, id]));
      const refs = chunk.filter((_, j) => pending[j] === undefined).map((id) => ({ type, id }));
      eviction = refs.length > 0 ? evictLocally(refs, 'out-of-scope') : undefined;
      const mutations: Mutation[] = eviction ? [eviction] : [];
      return { assumes: refs.map((r) => ({ type: r.type, id: r.id, seq: undefined })), mutations };
    });
    const evicted = eviction?.outcome.evicted ?? [];
    if (evicted.length > 0) (report.evicted ??= []).push(...evicted.map((r) => `${r.type}/${r.id}`));
  }
}
