import { badRequest, FhirError } from '../../errors/fhir-error.js';
import { dateIndexBounds, matchesDate, splitPrefix, type DateIndexBounds } from '../dates/date-prefix.js';
import { parseDateRange } from '../dates/date-range.js';
import { splitOr, splitToken, splitUnescaped, unescape } from '../query/escape.js';
import { localReference } from '../parameters/extract.js';
import { END, key, normaliseText, type IndexEntry } from '../parameters/index-entry.js';
import type { ChainClause, Clause, HasClause, ParamClause, TextClause } from '../query/search-query.js';
import { exactly, type CandidateRow, type KeyRange, type SearchSource, type TextDoc } from './source.js';
import type { TerminologyRegistry } from '../terminology/index.js';
import { bm25, matchesText, parseTextQuery, queryTerms, type TextQuery } from '../text/index.js';

/** What compiling clauses needs. */
export interface ClauseContext {
  source: SearchSource;
  terminology: TerminologyRegistry;
  timeZone: string;
  now: number;
  baseUrl: string;
  /** The `type` resources matching one clause (for chains and `_has`). */
  rowsMatching: (type: string, clause: Clause) => Promise<CandidateRow[]>;
}

/**
 * A clause ready to run: how many rows its index access would select, the ids it selects, and the exact test.
 * The same `matches` filters candidates whether they came from an index or a scan, so the two paths cannot
 * disagree.
 */
export interface ClausePlan {
  clause: Clause;
  /**
   * A bounded probe of the clause's index access: its candidate ids (a superset of the matches) when it selects
   * fewer than `limit` index keys, else undefined, having read at most about `limit` keys. Always undefined for a
   * clause without an index access (it only filters) and for a complement (`:not`, `:missing=true`), which would
   * read every key of the type.
   */
  probe: (limit: number) => Promise<string[] | undefined>;
  /**
   * The rows of the candidates the probe found, read straight from the clause's index ranges (one `getAll` per
   * range, which reads rows faster than a `get` per id); only for clauses whose access is a set of key ranges.
   */
  rows?: () => Promise<CandidateRow[]>;
  /**
   * A bounded probe that reads rows instead of keys: the candidates' rows when the ranges hold fewer than `limit`
   * entries, else undefined. For a search whose only index access is this clause, where the rows are the next read
   * anyway: one round trip instead of two.
   */
  probeRows?: (limit: number) => Promise<CandidateRow[] | undefined>;
  /**
   * For a complement (`:not`, `:not-in`, `:missing=true`): its candidate ids as every live id minus the ids of the
   * keys it excludes, read as keys only. The planner's last resort before loading every row: keys cost less than rows.
   */
  complement?: () => Promise<string[]>;
  matches: (row: CandidateRow) => boolean;
  /** Relevance per id, for `_sort=_score` (full text only). */
  score?: (row: CandidateRow) => number;
}

const entriesOf = (row: CandidateRow, param: string): IndexEntry[] => row.index.filter((e) => e.param === param);

/** Every key of a parameter (dates are stored as sortable strings too). */
const EVERY_KEY: KeyRange = { lower: '', upper: END + END };

/** The range of keys starting with `prefix`. */
const startsWith = (prefix: string): KeyRange => ({ lower: prefix, upper: prefix + END });

/** Whether a key lies in one of the ranges (the in-memory twin of an index range scan). */
const inRanges = (k: string, ranges: KeyRange[]): boolean =>
  ranges.some((r) => typeof r.lower === 'string' && typeof r.upper === 'string' && k >= r.lower && k <= r.upper);

/** A set of key ranges of one parameter: the building block of most access paths. */
function keyAccess(ctx: ClauseContext, type: string, param: string, ranges: KeyRange[]): Pick<ClausePlan, 'probe' | 'rows' | 'probeRows'> {
  const each = <T>(read: (r: KeyRange) => Promise<T>): Promise<T[]> => readEach(ctx, ranges, read);
  return {
    probe: async (limit) => {
      // Every range at once: one round trip, each range bounded by the limit.
      const found = await each((r) => ctx.source.idsUpTo(type, param, r, limit));
      return unionOrUndefined(found);
    },
    rows: async () => uniqueRows(await each((r) => ctx.source.rowsInKeyOrder(type, param, r))),
    probeRows: async (limit) => {
      const found = await each((r) => ctx.source.rowsInKeyOrder(type, param, r, { limit }));
      return found.some((f) => f.read >= limit) ? undefined : uniqueRows(found);
    },
  };
}

/** Above this many ranges, a clause's reads share one transaction (a few cost less each on their own). */
const SHARED_TRANSACTION_RANGES = 8;

/** One read per range, all issued at once; many in one transaction (each IndexedDB transaction has a cost). */
function readEach<T>(ctx: ClauseContext, ranges: KeyRange[], read: (r: KeyRange) => Promise<T>): Promise<T[]> {
  const all = () => Promise.all(ranges.map(read));
  return ranges.length > SHARED_TRANSACTION_RANGES ? ctx.source.together(all) : all();
}

/** The rows of several range reads, each once (a row with several keys in the ranges comes once per key). */
const uniqueRows = (reads: { rows: CandidateRow[] }[]): CandidateRow[] => [...new Map(reads.flatMap((f) => f.rows).map((row) => [row.id, row])).values()];

/** The union of id lists, or undefined when one of them is (a probe that hit its limit). */
function unionOrUndefined(lists: (readonly string[] | undefined)[]): string[] | undefined {
  const ids = new Set<string>();
  for (const list of lists) {
    if (list === undefined) return undefined;
    for (const id of list) ids.add(id);
  }
  return [...ids];
}

/** No index access: the clause only filters rows another clause (or the scan) found. */
const filterOnly: Pick<ClausePlan, 'probe'> = { probe: async () => undefined };

/** The live resources of `type` without a key in the ranges: never probed, only read as a last resort (see `complement`). */
function complementAccess(ctx: ClauseContext, type: string, param: string, ranges: KeyRange[]): Pick<ClausePlan, 'probe' | 'complement'> {
  return {
    ...filterOnly,
    complement: async () => {
      const [all, excluded] = await Promise.all([ctx.source.allIds(type), readEach(ctx, ranges, (r) => ctx.source.ids(type, param, r))]);
      const out = new Set(excluded.flat());
      return all.filter((id) => !out.has(id));
    },
  };
}

/** The ids among at most `limit` keys of the ranges whose key passes `hit` (a filter on keys, e.g. `:contains`). */
function keyFilterAccess(ctx: ClauseContext, type: string, param: string, ranges: KeyRange[], hit: (k: string) => boolean): Pick<ClausePlan, 'probe'> {
  return {
    probe: async (limit) => {
      const found = await Promise.all(ranges.map((r) => ctx.source.keys(type, param, r, { limit })));
      if (found.some((keys) => keys.length >= limit)) return undefined;
      return [...new Set(found.flat().filter((k) => hit(String(k.value))).map((k) => k.id))];
    },
  };
}

const stringKeys = (row: CandidateRow, param: string): string[] =>
  entriesOf(row, param).flatMap((e) => (typeof e.value === 'string' ? [e.value] : []));

/** Compiles one clause of a search on `type`; a bad value answers 400 naming the parameter. */
export async function compileClause(type: string, clause: Clause, ctx: ClauseContext): Promise<ClausePlan> {
  try {
    return await compileAny(type, clause, ctx);
  } catch (e) {
    if (e instanceof FhirError && e.status === 400 && !e.outcome.issue.some((i) => i.expression?.includes(clause.name))) {
      throw badRequest(`Search parameter '${clause.name}': ${e.outcome.issue.map((i) => i.diagnostics).join('; ')}`, [clause.name]);
    }
    throw e;
  }
}

function compileAny(type: string, clause: Clause, ctx: ClauseContext): Promise<ClausePlan> | ClausePlan {
  switch (clause.kind) {
    case 'param':
      return compileParam(type, clause, ctx);
    case 'chain':
      return compileChain(type, clause, ctx);
    case 'has':
      return compileHas(type, clause, ctx);
    case 'text':
      return compileText(type, clause, ctx);
  }
}

function compileParam(type: string, clause: ParamClause, ctx: ClauseContext): ClausePlan {
  const code = clause.param.code;
  if (clause.modifier === 'missing') {
    const missing = clause.values[0] === 'true';
    // Every resource has an id and a lastUpdated: all rows or none.
    if (code === '_id' || code === '_lastUpdated') return { clause, probe: async () => (missing ? [] : undefined), matches: () => !missing };
    // Any index entry of the parameter means it has a value: the whole key range of the parameter.
    const present = (row: CandidateRow): boolean => row.index.some((e) => e.param === code);
    const access = missing ? complementAccess(ctx, type, code, [EVERY_KEY]) : keyAccess(ctx, type, code, [EVERY_KEY]);
    return { clause, ...access, matches: (row) => present(row) !== missing };
  }
  if (code === '_id') return compileId(type, clause, ctx);
  if (code === '_lastUpdated') return compileLastUpdated(type, clause, ctx);
  switch (clause.param.type) {
    case 'token':
      return compileToken(type, clause, ctx);
    case 'reference':
      return compileReference(type, clause, ctx);
    case 'date':
      return compileDate(type, clause, ctx);
    case 'string':
      return compileString(type, clause, ctx);
    case 'uri':
      return compileUri(type, clause, ctx);
    default:
      throw badRequest(`Search parameter '${clause.name}' of type ${clause.param.type} is not supported`, [clause.name]);
  }
}

function compileId(type: string, clause: ParamClause, ctx: ClauseContext): ClausePlan {
  const ids = clause.values.map(unescape);
  const set = new Set(ids);
  if (clause.modifier === 'not') {
    return { clause, ...filterOnly, matches: (row) => !set.has(row.id) };
  }
  if (clause.modifier !== undefined) throw badRequest(`Modifier ':${clause.modifier}' is not supported on _id`, [clause.name]);
  return { clause, probe: async () => [...set], matches: (row) => set.has(row.id) };
}

function compileLastUpdated(type: string, clause: ParamClause, ctx: ClauseContext): ClausePlan {
  const tests = clause.values.map((raw) => dateTest(clause, raw, ctx));
  const matches = (row: CandidateRow): boolean => tests.some((t) => matchesDate(t.prefix, t.range, { low: row.ts, high: row.ts }, ctx.now));
  // `meta.lastUpdated` is a point: its low and high are one value, so every bound applies to the one key.
  const ranges = tests.map((t) => dateRange(t.bounds, 0));
  if (ranges.some((r) => r === undefined)) return { clause, ...filterOnly, matches };
  return { clause, ...keyAccess(ctx, type, '_lastUpdated', ranges as KeyRange[]), matches };
}

function dateTest(clause: ParamClause, raw: string, ctx: ClauseContext) {
  const { prefix, value } = splitPrefix(unescape(raw));
  const range = parseDateRange(value, { timeZone: ctx.timeZone });
  if (!range) throw badRequest(`Search parameter '${clause.name}': '${raw}' is not a valid date, dateTime or instant`, [clause.name]);
  return { prefix, range, bounds: dateIndexBounds(prefix, range, ctx.now) };
}

/** The token key ranges a search value selects (https://hl7.org/fhir/R5/search.html#token). */
function tokenValueRanges(raw: string): KeyRange[] {
  const { system, code } = splitToken(raw);
  if (system === undefined) return [exactly(key.code(code)), exactly(key.caseless(code))];
  if (system === '' && code === '') throw badRequest(`'|' alone is not a token value`);
  if (system === '') return [exactly(key.noSystem(code))];
  if (code === '') return [startsWith(key.systemPrefix(system))];
  return [exactly(key.systemCode(system, code))];
}

/**
 * The keys a terminology concept (`system` + `code`) selects for `:in`, `:not-in`, `:above` and `:below`.
 * Membership and subsumption go by system and code: a Coding (alone or in a CodeableConcept) or an Identifier
 * without a `system` is in no value set and under no code, so the `|code` (no system) and `code` (any system)
 * keys are never read here. A plain `code` element has no system of its own; R5 says its system "is defined
 * in the value set" it is bound to: the implied system when the store knows the binding (indexed as
 * `system|code`, e.g. `status`), else the code alone (`key.implicitSystem`). `:not-in` is the complement of
 * these keys, so a resource whose codings all lack a system is not in the value set and matches it.
 * @see https://hl7.org/fhir/R5/search.html#modifieringeneral
 * @see https://hl7.org/fhir/R5/search.html#modifierin
 * @see https://hl7.org/fhir/R5/search.html#modifiernotin
 * @see https://hl7.org/fhir/R5/search.html#modifierabove
 * @see https://hl7.org/fhir/R5/search.html#modifierbelow
 * @see https://hl7.org/fhir/R5/search.html#token
 */
function conceptRanges(system: string, code: string): KeyRange[] {
  return [exactly(key.systemCode(system, code)), exactly(key.implicitSystem(code))];
}

function compileToken(type: string, clause: ParamClause, ctx: ClauseContext): ClausePlan {
  const code = clause.param.code;
  const mod = clause.modifier;
  if (mod === 'text') {
    const prefixes = clause.values.map((v) => key.text(normaliseText(unescape(v))));
    const ranges = prefixes.map((p) => ({ lower: p, upper: p + END }));
    return { clause, ...keyAccess(ctx, type, code, ranges), matches: (row) => stringKeys(row, code).some((k) => prefixes.some((p) => k.startsWith(p))) };
  }
  let ranges: KeyRange[];
  if (mod === 'of-type') {
    ranges = clause.values.map((raw) => {
      const parts = splitUnescaped(raw, '|').map(unescape);
      if (parts.length !== 3 || parts.some((p) => p === '')) throw badRequest(`Search parameter '${clause.name}': :of-type takes system|code|value, got '${raw}'`, [clause.name]);
      return exactly(key.ofType(parts[0]!, parts[1]!, parts[2]!));
    });
  } else if (mod === 'in' || mod === 'not-in') {
    ranges = clause.values.flatMap((raw) => {
      const url = unescape(raw);
      const concepts = ctx.terminology.expand(url);
      if (!concepts) throw badRequest(`Search parameter '${clause.name}': unknown value set '${url}' (register it with store.registerTerminology)`, [clause.name]);
      return concepts.flatMap((c) => conceptRanges(c.system, c.code));
    });
  } else if (mod === 'above' || mod === 'below') {
    ranges = clause.values.flatMap((raw) => {
      const { system, code: c } = splitToken(raw);
      if (!system || !c) throw badRequest(`Search parameter '${clause.name}': :${mod} takes system|code, got '${raw}'`, [clause.name]);
      const codes = mod === 'below' ? ctx.terminology.descendantsOrSelf(system, c) : ctx.terminology.ancestorsOrSelf(system, c);
      if (!codes) throw badRequest(`Search parameter '${clause.name}': unknown code system '${system}' (register it with store.registerTerminology)`, [clause.name]);
      return codes.flatMap((x) => conceptRanges(system, x));
    });
  } else {
    ranges = clause.values.flatMap(tokenValueRanges);
  }
  const has = (row: CandidateRow): boolean => stringKeys(row, code).some((k) => inRanges(k, ranges));
  if (mod === 'not' || mod === 'not-in') {
    return { clause, ...complementAccess(ctx, type, code, ranges), matches: (row) => !has(row) };
  }
  return { clause, ...keyAccess(ctx, type, code, ranges), matches: has };
}

/** The reference keys a search value selects (https://hl7.org/fhir/R5/search.html#reference). */
function referenceValueKey(raw: string, modifier: string | undefined, baseUrl: string): string[] {
  const v = unescape(raw);
  if (modifier !== undefined && /^[A-Z]/.test(modifier)) return [key.ref(`${modifier}/${v}`)];
  if (/^[A-Za-z0-9\-.]{1,64}$/.test(v)) return [key.refId(v)];
  const local = localReference(v, baseUrl);
  if (local) return [local.version ? key.refVersion(local.typeAndId, local.version) : key.ref(local.typeAndId)];
  return [key.uri(v)];
}

function compileReference(type: string, clause: ParamClause, ctx: ClauseContext): ClausePlan {
  const code = clause.param.code;
  if (clause.modifier === 'text') {
    const prefixes = clause.values.map((v) => key.text(normaliseText(unescape(v))));
    return {
      clause,
      ...keyAccess(ctx, type, code, prefixes.map((p) => ({ lower: p, upper: p + END }))),
      matches: (row) => stringKeys(row, code).some((k) => prefixes.some((p) => k.startsWith(p))),
    };
  }
  const ranges: KeyRange[] =
    clause.modifier === 'identifier'
      ? clause.values.flatMap((raw) =>
          tokenValueRanges(raw)
            .filter((r) => !String(r.lower).startsWith(key.caseless('')))
            .map((r) => ({ lower: key.refIdentifier(String(r.lower)), upper: key.refIdentifier(String(r.upper)) })),
        )
      : [...new Set(clause.values.flatMap((raw) => referenceValueKey(raw, clause.modifier, ctx.baseUrl)))].map(exactly);
  return { clause, ...keyAccess(ctx, type, code, ranges), matches: (row) => stringKeys(row, code).some((k) => inRanges(k, ranges)) };
}

function compileDate(type: string, clause: ParamClause, ctx: ClauseContext): ClausePlan {
  const code = clause.param.code;
  const tests = clause.values.map((raw) => dateTest(clause, raw, ctx));
  const matches = (row: CandidateRow): boolean =>
    entriesOf(row, code).some((e) => typeof e.value === 'number' && tests.some((t) => matchesDate(t.prefix, t.range, { low: e.value as number, high: e.high ?? (e.value as number) }, ctx.now)));
  return { clause, ...spannedAccess(ctx, type, code, tests.map((t) => t.bounds), false), matches };
}

/**
 * The key access of date bounds (one range per bounds, see `dateRange`), made once the parameter's span is read
 * (once per clause, not per probe); `point`: the values are points (`_lastUpdated`), span 0 without a read. No
 * access when some bounds give no range (`ne`).
 */
function spannedAccess(ctx: ClauseContext, type: string, code: string, bounds: DateIndexBounds[], point: boolean): Pick<ClausePlan, 'probe' | 'rows' | 'probeRows'> {
  let access: Promise<Pick<ClausePlan, 'probe' | 'rows' | 'probeRows'>> | undefined;
  const ranged = (): Promise<Pick<ClausePlan, 'probe' | 'rows' | 'probeRows'>> =>
    (access ??= (async () => {
      const span = point ? 0 : await ctx.source.dateSpan(type, code);
      const ranges = bounds.map((b) => dateRange(b, span));
      return ranges.every((r) => r !== undefined) ? keyAccess(ctx, type, code, ranges as KeyRange[]) : filterOnly;
    })());
  return {
    probe: async (limit) => (await ranged()).probe(limit),
    rows: async () => (await ranged()).rows?.() ?? [],
    probeRows: async (limit) => (await ranged()).probeRows?.(limit),
  };
}

/**
 * The one index range to read for date bounds: on the low end, with the bounds on the high end turned into bounds
 * on the low end by `span`, an upper bound of `high - low` (a point has span 0: `high >= a` is `low >= a`); on the
 * high end when only it is bounded and the span is unknown; none for `ne`.
 * @see https://hl7.org/fhir/R5/search.html#date
 */
function dateRange(b: DateIndexBounds, span: number): KeyRange | undefined {
  const lowMin = Math.max(b.lowMin ?? -Infinity, (b.highMin ?? -Infinity) - span);
  const lowMax = Math.min(b.lowMax ?? Infinity, b.highMax ?? Infinity);
  if (Number.isFinite(lowMin) || Number.isFinite(lowMax)) return { lower: lowMin, upper: lowMax };
  if (b.highMin !== undefined || b.highMax !== undefined) return { lower: b.highMin ?? -Infinity, upper: b.highMax ?? Infinity, on: 'high' };
  return undefined;
}

/**
 * One access for several AND-ed clauses on one date parameter (`issued=ge2024-01&issued=lt2024-02`): their bounds
 * intersected into one key range, where each alone would read a half-open range of the whole index. It only finds
 * candidates: the clauses themselves still test every row. Undefined when a clause has several values (an OR) or
 * a modifier.
 * @see https://hl7.org/fhir/R5/search.html#combining
 */
export function compileDateGroup(type: string, clauses: ParamClause[], ctx: ClauseContext): ClausePlan | undefined {
  if (clauses.length < 2 || clauses.some((c) => c.values.length !== 1 || c.modifier !== undefined)) return undefined;
  const code = clauses[0]!.param.code;
  const point = code === '_lastUpdated';
  const bounds = clauses.map((c) => dateTest(c, c.values[0]!, ctx).bounds);
  const max = (pick: (b: DateIndexBounds) => number | undefined) => Math.max(...bounds.map((b) => pick(b) ?? -Infinity));
  const min = (pick: (b: DateIndexBounds) => number | undefined) => Math.min(...bounds.map((b) => pick(b) ?? Infinity));
  const both: DateIndexBounds = { lowMin: max((b) => b.lowMin), lowMax: min((b) => b.lowMax), highMin: max((b) => b.highMin), highMax: min((b) => b.highMax), exact: false };
  return {
    clause: clauses[0]!,
    ...spannedAccess(ctx, type, code, [both], point),
    matches: () => true,
  };
}

function compileString(type: string, clause: ParamClause, ctx: ClauseContext): ClausePlan {
  const code = clause.param.code;
  const values = clause.values.map(unescape);
  if (clause.modifier === 'exact') {
    const set = new Set(values.map(key.exact));
    return { clause, ...keyAccess(ctx, type, code, [...set].map(exactly)), matches: (row) => stringKeys(row, code).some((k) => set.has(k)) };
  }
  if (clause.modifier === 'contains') {
    const needles = values.map(normaliseText);
    const hit = (k: string): boolean => k.startsWith(key.string('')) && needles.some((n) => k.slice(key.string('').length).includes(n));
    return { clause, ...keyFilterAccess(ctx, type, code, [{ lower: key.string(''), upper: key.string(END) }], hit), matches: (row) => stringKeys(row, code).some(hit) };
  }
  const prefixes = values.map((v) => key.string(normaliseText(v)));
  return {
    clause,
    ...keyAccess(ctx, type, code, prefixes.map((p) => ({ lower: p, upper: p + END }))),
    matches: (row) => stringKeys(row, code).some((k) => prefixes.some((p) => k.startsWith(p))),
  };
}

/** The URL prefixes of a URL at path-segment boundaries, itself included (for `:above`). */
function urlAncestors(url: string): string[] {
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/]+)(\/.*)?$/i.exec(url);
  if (!m) return [url];
  const out = [m[1]!];
  let acc = m[1]!;
  for (const seg of (m[2] ?? '').split('/').filter((s) => s !== '')) {
    acc += `/${seg}`;
    out.push(acc);
  }
  return out;
}

function compileUri(type: string, clause: ParamClause, ctx: ClauseContext): ClausePlan {
  const code = clause.param.code;
  const values = clause.values.map(unescape);
  const uris = (row: CandidateRow): string[] => stringKeys(row, code).filter((k) => k.startsWith(key.uri(''))).map((k) => k.slice(key.uri('').length));
  if (clause.modifier === 'below') {
    const under = (u: string): boolean => values.some((v) => u === v || u.startsWith(v.endsWith('/') ? v : `${v}/`));
    const ranges = values.map((v) => ({ lower: key.uri(v), upper: key.uri(v) + END }));
    return { clause, ...keyFilterAccess(ctx, type, code, ranges, (k) => under(k.slice(key.uri('').length))), matches: (row) => uris(row).some(under) };
  }
  if (clause.modifier === 'contains') {
    const hit = (u: string): boolean => values.some((v) => u.toLowerCase().includes(v.toLowerCase()));
    return { clause, ...keyFilterAccess(ctx, type, code, [{ lower: key.uri(''), upper: key.uri(END) }], (k) => hit(k.slice(key.uri('').length))), matches: (row) => uris(row).some(hit) };
  }
  const exact = new Set((clause.modifier === 'above' ? values.flatMap(urlAncestors) : values).map(key.uri));
  return { clause, ...keyAccess(ctx, type, code, [...exact].map(exactly)), matches: (row) => stringKeys(row, code).some((k) => exact.has(k)) };
}

async function compileChain(type: string, clause: ChainClause, ctx: ClauseContext): Promise<ClausePlan> {
  const keys = new Set<string>();
  for (const branch of clause.branches) {
    for (const row of await ctx.rowsMatching(branch.type, branch.inner)) keys.add(key.ref(`${branch.type}/${row.id}`));
  }
  const code = clause.param.code;
  return { clause, ...keyAccess(ctx, type, code, [...keys].map(exactly)), matches: (row) => stringKeys(row, code).some((k) => keys.has(k)) };
}

async function compileHas(type: string, clause: HasClause, ctx: ClauseContext): Promise<ClausePlan> {
  const rows = await ctx.rowsMatching(clause.type, clause.inner);
  const prefix = key.ref(`${type}/`);
  const ids = new Set<string>();
  for (const row of rows) for (const k of stringKeys(row, clause.ref.code)) if (k.startsWith(prefix)) ids.add(k.slice(prefix.length));
  return { clause, probe: async () => [...ids], matches: (row) => ids.has(row.id) };
}

async function compileText(type: string, clause: TextClause, ctx: ClauseContext): Promise<ClausePlan> {
  // Comma-separated values are alternatives, like any search parameter's OR list.
  const alternatives = splitOr(clause.value).map((v) => parseTextQuery(unescape(v)));
  const q: TextQuery = alternatives.length === 1 ? alternatives[0]! : { op: 'or', args: alternatives };
  const terms = queryTerms(q);
  // Postings are shared by `_text` and `_content` and hand out the documents: keep this field's document of each
  // hit, and count a term's documents in this field (its BM25 document frequency) on them.
  // The postings of every term and the statistics are read at once: one round trip.
  const [postings, stats] = await Promise.all([ctx.source.textsWithTerms(type, terms), ctx.source.textStats(type, clause.field)]);
  const docs = new Map<string, TextDoc>();
  const df = new Map<string, number>();
  terms.forEach((t, i) => {
    let n = 0;
    for (const hit of postings[i] ?? []) {
      const doc = hit.text[clause.field];
      if (!doc || !doc.terms.some(([term]) => term === t)) continue;
      n++;
      docs.set(hit.id, doc);
    }
    df.set(t, n);
  });
  const matches = (row: CandidateRow): boolean => {
    const doc = docs.get(row.id);
    if (!doc) return false;
    const have = new Set(doc.terms.map(([t]) => t));
    return matchesText(q, (t) => have.has(t));
  };
  const score = (row: CandidateRow): number => {
    const doc = docs.get(row.id);
    if (!doc) return 0;
    const tf = new Map(doc.terms);
    return bm25({
      terms: terms.map((t) => ({ tf: tf.get(t) ?? 0, df: df.get(t) ?? 0 })),
      docLength: doc.length,
      avgDocLength: stats.docs > 0 ? stats.length / stats.docs : 1,
      docCount: stats.docs,
    });
  };
  // Every alternative needs a word that must be present (parseTextQuery refuses the others), so a match holds one
  // of the terms: the documents of their postings are every candidate, and the ones `matches` reads.
  return { clause, probe: async () => [...docs.keys()], matches, score };
}
