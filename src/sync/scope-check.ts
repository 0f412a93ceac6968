import type { Resource } from 'fhir/r5';
import { matchingRowIds } from '../search/engine/match-rows.js';
import type { CandidateRow } from '../search/engine/source.js';
import { parseSearch } from '../search/query/parse.js';
import type { Clause } from '../search/query/search-query.js';
import type { SyncContext } from './context.js';
import type { TypeScope } from './scope.js';

/**
 * The context with `prepare` remembered per resource object: the scope check validates and indexes a pulled resource
 * to match it, and the pull's write of the same object then costs nothing more.
 * @see https://hl7.org/fhir/R5/validation.html
 */
export function withPreparedCache(ctx: SyncContext): SyncContext {
  const prepared = new WeakMap<Resource, ReturnType<SyncContext['prepare']>>();
  return {
    ...ctx,
    prepare: (resource) => {
      let p = prepared.get(resource);
      if (p === undefined) prepared.set(resource, (p = ctx.prepare(resource)));
      return p;
    },
  };
}

/**
 * The scope check of pulled resources: a resource is in scope when it matches its type's criteria with the very
 * predicates a search of the store applies (`matchingRowIds`), evaluated on the resource alone before it is written.
 * A type the scope does not name (not synced) is in scope; a type whose scope is `none` never is.
 * @see https://hl7.org/fhir/R5/search.html
 */
export class ScopeCheck {
  private constructor(
    private readonly ctx: SyncContext,
    private readonly search: NonNullable<SyncContext['search']>,
    private readonly clauses: Map<string, Clause[] | 'none'>,
    private readonly now: number,
  ) {}

  /** The check of `compiled` (parsed once per cycle: a sliding window moves with `now`). */
  static create(ctx: SyncContext, compiled: Map<string, TypeScope>, now: Date): ScopeCheck {
    if (ctx.search === undefined) throw new TypeError('a scoped replication needs the store\'s search (SyncContext.search)');
    const clauses = new Map<string, Clause[] | 'none'>();
    for (const [type, t] of compiled) clauses.set(type, t.none ? 'none' : parseSearch([type], t.pairs, { registry: ctx.search.registry, handling: 'strict' }).clauses);
    return new ScopeCheck(ctx, ctx.search, clauses, now.getTime());
  }

  /** `Type/id` of each resource in scope; one that fails validation is left to the pull, which reports it. */
  async inScope(resources: Resource[]): Promise<Set<string>> {
    const inScope = new Set<string>();
    const byType = new Map<string, CandidateRow[]>();
    for (const r of resources) {
      const key = `${r.resourceType}/${r.id}`;
      const clauses = this.clauses.get(r.resourceType);
      if (clauses === undefined || (clauses !== 'none' && clauses.length === 0)) {
        inScope.add(key);
        continue;
      }
      if (clauses === 'none') continue;
      const prepared = this.ctx.prepare(r);
      if ('error' in prepared) {
        inScope.add(key);
        continue;
      }
      const row: CandidateRow = { type: r.resourceType, id: r.id!, versionId: 0, ts: Date.parse(r.meta?.lastUpdated ?? '') || 0, resource: r, index: prepared.index };
      byType.set(r.resourceType, [...(byType.get(r.resourceType) ?? []), row]);
    }
    const { registry: _, source: __, ...match } = this.search;
    for (const [type, rows] of byType) {
      const clauses = this.clauses.get(type) as Clause[];
      const ids = await matchingRowIds(type, clauses, rows, { ...match, now: this.now, baseUrl: this.ctx.baseUrl ?? '' });
      for (const id of ids) inScope.add(`${type}/${id}`);
    }
    return inScope;
  }

  /** The parsed criteria of a type (undefined: the whole type; `none`: nothing of it). */
  criteria(type: string): Clause[] | 'none' | undefined {
    const c = this.clauses.get(type);
    return c !== undefined && c !== 'none' && c.length === 0 ? undefined : c;
  }
}
