import { compileDateGroup, type ClauseContext, type ClausePlan } from './clauses.js';
import type { Clause, ParamClause } from '../query/search-query.js';
import type { CandidateRow } from './source.js';

/** The first probe reads at most this many index keys per clause; each next round four times more. */
const FIRST_PROBE = 128;
const PROBE_GROWTH = 4;

/**
 * The candidate ids of a search on one type, found by bounded probes. The first round reads every clause's index
 * access up to 128 keys at once (one round trip); the clauses that finished under the limit give their ids
 * (intersected when several did). If none did, each next round has a limit four times larger and probes the
 * unfinished clauses one after another, the ones after a finished clause only up to that clause's size (they
 * can only narrow it). So the keys read stay within a few times the size of the smallest clause, however broad
 * the others are (a broad `status` never has its keys read in full to save loading a few rows). When none
 * finished under half the type's rows, a complement clause gives its ids if they are fewer; else undefined:
 * loading every row then costs about what loading that many candidates would. With `walkWant` (a page of that many
 * matches can be found by walking the sort index instead) the probes stop earlier, where walking gets cheaper.
 * @see https://hl7.org/fhir/R5/search.html#combining
 */
export async function candidates(plans: ClausePlan[], typeCount: () => Promise<number>, walkWant?: number): Promise<Candidates | undefined> {
  let open = plans;
  let live: number | undefined;
  let first = FIRST_PROBE;
  const lone = plans.length === 1 ? plans[0]!.probeRows : undefined;
  if (lone) {
    // One clause: its rows are the next read anyway, so the first probe reads them.
    const rows = await lone(FIRST_PROBE);
    if (rows) return { ids: rows.map((r) => r.id), rows: async () => rows };
    first *= PROBE_GROWTH;
  }
  for (let limit = first; open.length > 0; limit *= PROBE_GROWTH) {
    const found = limit === first ? await Promise.all(open.map((p) => p.probe(limit))) : await probeInTurn(open, limit);
    const complete = found.filter((ids): ids is string[] => ids !== undefined);
    // One clause alone: its rows come from its index ranges; several: only the ids in all of them are loaded.
    const alone = complete.length === 1 ? open[found.indexOf(complete[0])]?.rows : undefined;
    if (complete.length > 0) return { ids: intersect(complete), ...(alone ? { rows: alone } : {}) };
    live ??= await typeCount();
    if (limit >= live / 2) break;
    // A page of `walkWant` matches found by walking the sort index reads about walkWant·live/limit rows when the
    // smallest clause holds over `limit`: past √(walkWant·live) keys, probing on costs more than the walk.
    if (walkWant !== undefined && limit >= Math.max(first * PROBE_GROWTH, 2 * Math.sqrt(walkWant * live))) break;
    open = open.filter((_, i) => found[i] === undefined);
  }
  // Every clause is broad; a complement may still be narrow (`issued:missing=true`), and its keys cost less than rows.
  const complement = plans.find((p) => p.complement !== undefined);
  if (complement === undefined) return undefined;
  const ids = await complement.complement!();
  return ids.length < (live ?? (await typeCount())) / 2 ? { ids } : undefined;
}

/** Probes clauses one after another, each after the first finished one bounded by the smallest size found. */
async function probeInTurn(plans: ClausePlan[], limit: number): Promise<(string[] | undefined)[]> {
  const found: (string[] | undefined)[] = [];
  let bound = limit;
  for (const p of plans) {
    const ids = await p.probe(bound);
    found.push(ids);
    if (ids !== undefined) bound = Math.min(bound, ids.length + 1);
  }
  return found;
}

/** What the planner found: the candidate ids, and where the one clause that found them can read their rows. */
export interface Candidates {
  ids: string[];
  rows?: () => Promise<CandidateRow[]>;
}

/** The ids in every list, smallest list first. */
function intersect(lists: string[][]): string[] {
  const [first, ...rest] = [...lists].sort((a, b) => a.length - b.length);
  const sets = rest.map((l) => new Set(l));
  return first!.filter((id) => sets.every((s) => s.has(id)));
}

/**
 * The clauses to probe: AND-ed clauses on one date parameter are replaced by one access that reads their bounds as
 * one key range (see `compileDateGroup`), which is never wider than any of them; the others are probed as they are.
 * Every clause still filters the rows.
 */
export function probedPlans(type: string, clauses: Clause[], plans: ClausePlan[], ctx: ClauseContext): ClausePlan[] {
  const byCode = new Map<string, ParamClause[]>();
  for (const c of clauses) {
    if (c.kind !== 'param' || (c.param.type !== 'date' && c.param.code !== '_lastUpdated')) continue;
    byCode.set(c.param.code, [...(byCode.get(c.param.code) ?? []), c]);
  }
  const grouped = new Set<Clause>();
  const groups: ClausePlan[] = [];
  for (const members of byCode.values()) {
    const group = compileDateGroup(type, members, ctx);
    if (group === undefined) continue;
    groups.push(group);
    for (const m of members) grouped.add(m);
  }
  return [...plans.filter((p) => !grouped.has(p.clause)), ...groups];
}
