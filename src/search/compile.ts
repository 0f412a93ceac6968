import { badRequest } from '../errors/fhir-error.js';
import { matchesDate, splitPrefix, type Prefix } from './date-prefix.js';
import { parseDateRange, type DateRange } from './date-range.js';
import { splitToken, unescape } from './escape.js';
import { tokenKey } from './index-entry.js';
import type { SearchClause } from './query.js';
import type { CandidateRow } from './source.js';

/** How a clause can be answered from an index, if it can. */
export type AccessPath =
  | { kind: 'ids'; ids: string[] }
  | { kind: 'keys'; param: string; keys: string[] }
  | { kind: 'lastUpdated'; low: number; high: number }
  | { kind: 'scan' };

/** A clause turned into a predicate over candidate rows plus the index access it allows. */
export interface CompiledClause {
  clause: SearchClause;
  matches: (row: CandidateRow) => boolean;
  access: AccessPath;
}

/** Settings that affect how values are read. */
export interface CompileContext {
  /** IANA zone for date values without an offset. */
  timeZone: string;
  /** The current time in ms, for the `ap` prefix. */
  now: number;
}

/**
 * Compiles one clause. The same predicate filters candidates whether they came from an index or a scan, so
 * the two paths cannot disagree.
 * @see https://hl7.org/fhir/R5/search.html
 */
export function compileClause(clause: SearchClause, ctx: CompileContext): CompiledClause {
  if (clause.code === '_id') return compileId(clause);
  if (clause.def.type === 'token') return compileToken(clause);
  return compileLastUpdated(clause, ctx);
}

function compileId(clause: SearchClause): CompiledClause {
  const ids = clause.values.map(unescape);
  const set = new Set(ids);
  return { clause, matches: (row) => set.has(row.id), access: { kind: 'ids', ids } };
}

/** Token search on precomputed keys (https://hl7.org/fhir/R5/search.html#token). */
function compileToken(clause: SearchClause): CompiledClause {
  const keys = clause.values.map((raw) => {
    const { system, code } = splitToken(raw);
    if (system === undefined) return tokenKey.code(code);
    if (system === '' && code === '') throw badRequest(`'|' alone is not a token value in '${clause.name}'`, [clause.name]);
    if (system === '') return tokenKey.noSystem(code);
    if (code === '') return tokenKey.system(system);
    return tokenKey.systemCode(system, code);
  });
  const set = new Set(keys);
  const param = clause.code;
  return {
    clause,
    matches: (row) => row.index.some((e) => e.param === param && typeof e.value === 'string' && set.has(e.value)),
    access: { kind: 'keys', param, keys },
  };
}

/** `_lastUpdated`: an instant, so the target is a point (https://hl7.org/fhir/R5/search.html#date). */
function compileLastUpdated(clause: SearchClause, ctx: CompileContext): CompiledClause {
  const tests = clause.values.map((raw) => {
    const { prefix, value } = splitPrefix(unescape(raw));
    const range = parseDateRange(value, { timeZone: ctx.timeZone });
    if (!range) throw badRequest(`'${raw}' is not a valid date for '${clause.name}'`, [clause.name]);
    return { prefix, range };
  });
  const matches = (row: CandidateRow): boolean =>
    tests.some((t) => matchesDate(t.prefix, t.range, { low: row.ts, high: row.ts }, ctx.now));
  // The union of the point ranges each OR value admits bounds the index scan.
  const bounds = tests.map((t) => pointBounds(t.prefix, t.range));
  const low = Math.min(...bounds.map((b) => b[0]));
  const high = Math.max(...bounds.map((b) => b[1]));
  const access: AccessPath = Number.isFinite(low) || Number.isFinite(high) ? { kind: 'lastUpdated', low, high } : { kind: 'scan' };
  return { clause, matches, access };
}

/** The interval of instants that can satisfy `prefix` against `search` (a superset; the predicate decides). */
function pointBounds(prefix: Prefix, search: DateRange): [number, number] {
  switch (prefix) {
    case 'eq':
      return [search.low, search.high];
    case 'gt':
    case 'sa':
      return [search.high + 1, Infinity];
    case 'ge':
      return [search.low, Infinity];
    case 'lt':
    case 'eb':
      return [-Infinity, search.low - 1];
    case 'le':
      return [-Infinity, search.high];
    default:
      return [-Infinity, Infinity]; // ne, ap
  }
}
