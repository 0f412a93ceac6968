import type { Resource } from 'fhir/r5';
import type { Difference, Outcome, Variant } from './differential.js';
import type { GeneratedQuery, Param } from './queries.js';

/*
 * The differences between this store and HAPI FHIR R5 (fhir-test-server/ of this repository: HAPI FHIR JPA
 * 8.8 on H2, searches served from SQL) that the differential suite accepts, each with its reason and who
 * departs from R5 (https://hl7.org/fhir/R5/search.html). A difference that these entries do not account for
 * fails the suite.
 *
 * An entry has a predicate on the query and the kind of difference (`applies`) and says, with a proof, which
 * of the differing ids it accounts for (`accounts`), on each side: the ids only the store found (ours minus
 * HAPI's) and the ids only HAPI found (HAPI's minus ours). Every kind of difference has ids: for matches and
 * includes the ids one side found and the other did not; for an error on one side every id the other side
 * found; for the order every id at another position. The proofs:
 *   - a *variant* of the local store that reads the data the way HAPI does (e.g. absolute references on the
 *     server's own base as external URLs): an id is accounted for when the variant answers for it what HAPI
 *     answered;
 *   - an *auxiliary query* on the local store (e.g. the query without a clause HAPI ignores, or the ids
 *     within a day of a date boundary): the same, or membership in its result;
 *   - a *data property* of the differing resource (e.g. a CodeableConcept with text only);
 *   - a *sub-query on both servers*: when HAPI rejects a clause, the query without it must agree on both
 *     (up to the entries listed here, applied to the sub-query in turn) and find every id the store found;
 *     when only the order differs, the query without the sort key in question must give the same order.
 * A difference is explained when the entries that apply account for every differing id on both sides
 * together (a query may combine two deviations). So an entry cannot hide an unrelated difference in the
 * same query: a new id that differs, or another error, still fails the suite.
 */

export type Departs = 'store' | 'HAPI' | 'both' | 'neither';

/** What the proofs may use: the local store, its variants, the data. */
export interface Lab {
  /** Runs a query (a relative URL, values already on the remote's base) on the local store. */
  local(url: string): Promise<Outcome>;
  /** Runs the query on a variant of the local store (see VARIANTS). */
  variant(names: VariantName[], q: GeneratedQuery): Promise<Outcome>;
  /** The query with other parameters, as a URL for `local`. */
  url(q: GeneratedQuery, params: Param[]): string;
  /** A resource of the data set by `Type/id`. */
  resource(key: string): Resource | undefined;
  /** What the remote answered. */
  remote: Outcome;
  /** What the local store answered. */
  localAnswer: Outcome;
  /**
   * Runs the query with other parameters on both servers: what each answered, the differences, and the
   * lab for explaining those (its `remote` is the sub-query's).
   */
  both(q: GeneratedQuery, params: Param[]): Promise<SubQuery>;
  /**
   * How HAPI serves searches: `sql` (the default of HAPI JPA) or `lucene` (fhir-test-server's default:
   * Hibernate Search indexes search parameters too, and HAPI answers what it can from Lucene).
   */
  mode: HapiMode;
}

export type HapiMode = 'sql' | 'lucene';

/** A query run on both servers for a proof. */
export interface SubQuery {
  query: GeneratedQuery;
  local: Outcome;
  remote: Outcome;
  differences: Difference[];
  lab: Lab;
}

/**
 * The differing ids an entry accounts for: `local` among the ids only the store found, `remote` among the
 * ids only HAPI found. Undefined when the entry's proof does not hold for this difference.
 */
export type Account = { local: ReadonlySet<string>; remote: ReadonlySet<string> } | undefined;

export interface Deviation {
  id: string;
  departs: Departs;
  /** What differs, why, and who is right per R5. */
  reason: string;
  applies(q: GeneratedQuery, d: Difference): boolean;
  /** Only when HAPI serves searches this way (default: either). */
  mode?: HapiMode;
  /** Which differing ids the entry accounts for, by its proof. */
  accounts(q: GeneratedQuery, d: Difference, lab: Lab): Promise<Account>;
}

// ---------------------------------------------------------------------------------------------------------
// Query helpers
// ---------------------------------------------------------------------------------------------------------

const REFERENCE_CODES = new Set(['subject', 'patient', 'derived-from', 'based-on', 'body-structure']);
const DATE_CODES = new Set(['issued', 'started', 'birthdate', '_lastUpdated', 'authored']);
const STRING_CODES = new Set(['name', 'family', 'given']);
const SORT_BY_TOKEN_OR_REFERENCE = new Set(['code', 'identifier', 'subject', 'patient', 'modality', 'code-concept', 'body-site']);
const MODIFIERS = new Set(['missing', 'not', 'text', 'exact', 'contains', 'of-type', 'identifier', 'in', 'not-in', 'above', 'below', 'iterate']);

/** The code a parameter finally tests: `subject:Patient.birthdate` → `birthdate`, `_has:A:b:issued` → `issued`. */
export function finalCode(name: string): string {
  if (name.startsWith('_has:')) return finalCode(name.split(':').slice(3).join(':'));
  const last = name.split('.').pop()!;
  if (last.startsWith('_has:')) return finalCode(last);
  return last.split(':')[0]!;
}
/** The modifier of the final parameter (`subject:Patient.name:contains` → `contains`), if any. */
export function finalModifier(name: string): string | undefined {
  const parts = name.split('.').pop()!.split(':');
  const m = parts[parts.length - 1]!;
  return parts.length > 1 && MODIFIERS.has(m) ? m : undefined;
}
const isResultParameter = (name: string): boolean => /^_(sort|count|include|revinclude)/.test(name);
const criteria = (q: GeneratedQuery): Param[] => q.params.filter(([n]) => !isResultParameter(n));
const has = (q: GeneratedQuery, test: (name: string, value: string) => boolean): boolean => criteria(q).some(([n, v]) => test(n, v));
const isDate = (name: string): boolean => DATE_CODES.has(finalCode(name));
const isMatchOrInclude = (d: Difference): boolean => d.kind === 'match' || d.kind === 'include';
const errorFromRemote = (d: Difference, status?: number): boolean =>
  d.kind === 'error' && d.localStatus === 200 && (status === undefined ? (d.remoteStatus ?? 0) >= 400 : d.remoteStatus === status);
const sortKeys = (q: GeneratedQuery): string[] => (q.params.find(([n]) => n === '_sort')?.[1] ?? '').split(',').filter(Boolean).map((k) => k.replace(/^-/, ''));

/** The query with `replace` applied to its criteria (a param mapped to undefined is dropped, to several expanded). */
const rewrite = (q: GeneratedQuery, replace: (p: Param) => Param | Param[] | undefined): Param[] =>
  q.params.flatMap((p): Param[] => {
    if (isResultParameter(p[0])) return [p];
    const r = replace(p);
    if (r === undefined) return [];
    return Array.isArray(r[0]) ? (r as Param[]) : [r as Param];
  });

/** The differing ids among `ids`, each on the side where it differs. */
const sides = (d: Difference, ids: ReadonlySet<string>): Account => ({ local: new Set(d.onlyLocal.filter((k) => ids.has(k))), remote: new Set(d.onlyRemote.filter((k) => ids.has(k))) });
/** Every differing id, when a proof covers the whole difference. */
const whole = (d: Difference): Account => ({ local: new Set(d.onlyLocal), remote: new Set(d.onlyRemote) });

/**
 * The differing ids for which `other` (an outcome standing for HAPI's reading) answers what the remote
 * answered: an id only the store found is accounted for when `other` does not find it, an id only the remote
 * found when `other` finds it.
 */
function accountedBy(d: Difference, other: Outcome): Account {
  if (!other.ok) return undefined;
  const found = new Set(d.kind === 'include' ? other.include : other.match);
  return { local: new Set(d.onlyLocal.filter((k) => !found.has(k))), remote: new Set(d.onlyRemote.filter((k) => found.has(k))) };
}
/** Accounts by a variant of the local store. */
const byVariant = (...names: VariantName[]) => async (q: GeneratedQuery, d: Difference, lab: Lab): Promise<Account> => accountedBy(d, await lab.variant(names, q));
/** Accounts by a rewritten query on the local store. */
const byRewrite = (replace: (p: Param) => Param | Param[] | undefined) => async (q: GeneratedQuery, d: Difference, lab: Lab): Promise<Account> =>
  accountedBy(d, await lab.local(lab.url(q, rewrite(q, replace))));
/** Accounts for the differing ids that are among the matches (or includes) of some auxiliary queries. */
async function within(d: Difference, lab: Lab, urls: string[]): Promise<Account> {
  const ids = new Set<string>();
  for (const url of urls) {
    const o = await lab.local(url);
    if (!o.ok) continue;
    o.match.forEach((k) => ids.add(k));
    o.include.forEach((k) => ids.add(k));
  }
  return sides(d, ids);
}
/** Which side a data property explains: HAPI finding more (`remote`), fewer (`local`), or either. */
type Side = 'local' | 'remote' | 'either';
/** Accounts for the differing ids on `side` whose resource satisfies `test`. */
const byData = (test: (r: Resource, lab: Lab) => boolean, side: (q: GeneratedQuery) => Side = () => 'either') => async (q: GeneratedQuery, d: Difference, lab: Lab): Promise<Account> => {
  const ok = (k: string): boolean => {
    const r = lab.resource(k);
    return r !== undefined && test(r, lab);
  };
  const s = side(q);
  return { local: new Set(s === 'remote' ? [] : d.onlyLocal.filter(ok)), remote: new Set(s === 'local' ? [] : d.onlyRemote.filter(ok)) };
};
/** Text as :text compares it: accents folded, lower case, punctuation as space. */
const normText = (x: string): string => x.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
/** For `X:missing=true` HAPI finds more, for `X:missing=false` fewer, when it counts a present X as missing. */
const missingSide = (clause: (name: string) => boolean) => (q: GeneratedQuery): Side => {
  const values = new Set(criteria(q).filter(([n]) => clause(n)).map(([, v]) => v));
  return values.size !== 1 ? 'either' : values.has('true') ? 'remote' : 'local';
};

/**
 * Whether every difference of a sub-query is explained by the listed deviations (none is best). The
 * sub-queries of proofs drop a clause or a sort key, so this recursion ends.
 */
async function explainedAll(sub: SubQuery): Promise<boolean> {
  for (const d of sub.differences) if (!(await explain(sub.query, d, sub.lab))) return false;
  return true;
}

/**
 * The proof for a query HAPI rejects: HAPI answered `status` with a message matching `message` (so another
 * error is not excused), and the query without the rejected clauses (`drop`) agrees on both servers up to the
 * listed deviations and finds every id the store found for the whole query. Then the ids only the store has
 * are those HAPI would have filtered by the clause it rejected.
 */
const byRejection = (status: number, message: RegExp, drop: (name: string, value: string) => boolean) => async (q: GeneratedQuery, d: Difference, lab: Lab): Promise<Account> => {
  if (d.kind !== 'error' || d.localStatus !== 200 || d.remoteStatus !== status || !message.test(d.remoteMessage ?? '')) return undefined;
  const sub = await lab.both(q, rewrite(q, (p) => (drop(p[0], p[1]) ? undefined : p)));
  if (!sub.local.ok || !(await explainedAll(sub))) return undefined;
  return sides(d, new Set(sub.local.match));
};

/** What the reason of an entry built by `rejected` adds. */
const REJECTED = 'Proved per id: HAPI answered that error, and every id the store found is found by both servers for the query without the rejected clause.';
/** `applies` and `accounts` of an entry for a clause HAPI rejects with `status` and `message`. */
const rejected = (status: number, message: RegExp, clause: (q: GeneratedQuery) => (name: string, value: string) => boolean): Pick<Deviation, 'applies' | 'accounts'> => ({
  applies: (q, d) => errorFromRemote(d, status) && has(q, clause(q)),
  accounts: (q, d, lab) => byRejection(status, message, clause(q))(q, d, lab),
});

/** The query's `_sort` without the keys `drop` names (`_id` stays, so the order is still total). */
const sortWithout = (q: GeneratedQuery, drop: (key: string) => boolean): Param[] =>
  q.params.map(([n, v]): Param => (n === '_sort' ? [n, v.split(',').filter((k) => !drop(k.replace(/^-/, ''))).join(',')] : [n, v]));
/**
 * The proof for an order that differs by one sort key: the match sets are the same (an order difference is
 * only reported then), and with that key left out of `_sort` both servers give the same order.
 */
const byOrderWithout = (drop: (key: string) => boolean) => async (q: GeneratedQuery, d: Difference, lab: Lab): Promise<Account> => {
  if (d.kind !== 'order') return undefined;
  const sub = await lab.both({ ...q, ordered: true }, sortWithout(q, drop));
  return (await explainedAll(sub)) ? whole(d) : undefined;
};

/** The Patients a resource is, or points at directly or through one more resource (a study, an order). */
function patientsOf(r: Resource | undefined, lab: Lab, depth = 2): { name?: { family?: string; given?: string[] }[] }[] {
  if (!r) return [];
  if (r.resourceType === 'Patient') return [r as { name?: { family?: string; given?: string[] }[] }];
  if (depth === 0) return [];
  const refs = [...JSON.stringify(r).matchAll(/"reference":"(?:[^"]*\/)?((?:Patient|ImagingStudy|ServiceRequest|BodyStructure)\/[^"/]+)"/g)].map((m) => m[1]!);
  return refs.flatMap((k) => patientsOf(lab.resource(k), lab, depth - 1));
}

// -- dates --------------------------------------------------------------------------------------------------

const DAY = 86_400_000;
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
/** The UTC range of a date search value without prefix, at its precision (both servers run in UTC). */
export function dateRange(value: string): { low: number; high: number; precision: 'year' | 'month' | 'day' | 'time' } {
  if (/^\d{4}$/.test(value)) return { low: Date.UTC(+value, 0, 1), high: Date.UTC(+value + 1, 0, 1) - 1, precision: 'year' };
  if (/^\d{4}-\d{2}$/.test(value)) {
    const [y, m] = value.split('-').map(Number) as [number, number];
    return { low: Date.UTC(y, m - 1, 1), high: Date.UTC(y, m, 1) - 1, precision: 'month' };
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const low = Date.parse(`${value}T00:00:00Z`);
    return { low, high: low + DAY - 1, precision: 'day' };
  }
  const t = Date.parse(/[zZ]$|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
  return { low: t, high: t, precision: 'time' };
}
const splitPrefix = (v: string): [string, string] => {
  const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(.*)$/.exec(v);
  return m ? [m[1]!, m[2]!] : ['eq', v];
};
/** The date values of a query's criteria. */
const dateValues = (q: GeneratedQuery): { name: string; prefix: string; value: string }[] =>
  criteria(q)
    .filter(([n]) => isDate(n) && finalModifier(n) === undefined)
    .flatMap(([name, v]) =>
      v.split(',').map((x) => {
        const [prefix, value] = splitPrefix(x);
        return { name, prefix, value };
      }),
    );
/**
 * The ids whose date lies within a day of a boundary (start or end at its precision) of one of the query's
 * date values: for each boundary, the query without that date clause, minus what ends before the day before
 * the boundary (`eb`), minus what starts after the day after it (`sa`).
 */
async function nearBoundaries(q: GeneratedQuery, d: Difference, lab: Lab): Promise<Account> {
  const ids = new Set<string>();
  const keys = (o: Outcome): Set<string> => new Set(o.ok ? [...o.match, ...o.include] : []);
  for (const { name, value } of dateValues(q)) {
    const { low, high } = dateRange(value);
    const without = rewrite(q, (p) => (p[0] === name ? undefined : p));
    const all = keys(await lab.local(lab.url(q, without)));
    for (const edge of [low, high]) {
      const before = keys(await lab.local(lab.url(q, [...without, [name, `eb${day(edge - DAY)}`]])));
      const after = keys(await lab.local(lab.url(q, [...without, [name, `sa${day(edge + DAY)}`]])));
      for (const k of all) if (!before.has(k) && !after.has(k)) ids.add(k);
    }
  }
  return sides(d, ids);
}

/** The element a date sort key reads, per parameter code (single-valued in the data set). */
const DATE_ELEMENTS: Partial<Record<string, string>> = { started: 'started', issued: 'issued', birthdate: 'birthDate', authored: 'authoredOn' };
/**
 * The last millisecond of a date value's period: a time is a period too, of its precision (`…T10:00:05` lasts
 * to 10:00:05.999, `….5` to .599).
 */
function periodEnd(value: string): number {
  const r = dateRange(value);
  if (r.precision !== 'time') return r.high;
  const digits = /T\d\d:\d\d:\d\d\.(\d+)/.exec(value)?.[1]?.length ?? 0;
  return r.high + (digits >= 3 ? 0 : 10 ** (3 - digits) - 1);
}
const sortParam = (q: GeneratedQuery): string => q.params.find(([n]) => n === '_sort')?.[1] ?? '';
/**
 * The proof of `sort-period-descending` for a query sorted first by a date descending: the store's order is
 * non-increasing by the end of each value, HAPI's by its start; the ids without a value stand at the same
 * places; without the values coarser than an instant the two orders are the same.
 */
function periodOrders(q: GeneratedQuery, d: Difference, lab: Lab): boolean {
  if (!lab.remote.ok || !lab.localAnswer.ok || d.kind !== 'order') return false;
  const element = DATE_ELEMENTS[sortKeys(q)[0]!]!;
  const value = (k: string): string | undefined => (lab.resource(k) as Record<string, unknown> | undefined)?.[element] as string | undefined;
  const ours = lab.localAnswer.match;
  const hapi = lab.remote.match;
  const nonIncreasing = (order: readonly string[], at: 'low' | 'high'): boolean => {
    const xs = order.map(value).filter((v): v is string => v !== undefined).map((v) => (at === 'low' ? dateRange(v).low : periodEnd(v)));
    return xs.every((x, i) => i === 0 || xs[i - 1]! >= x);
  };
  const blanks = (order: readonly string[]): string => order.map((k, i) => (value(k) === undefined ? `${i}:${k}` : '')).filter(Boolean).join();
  const instants = (order: readonly string[]): string => order.filter((k) => {
    const v = value(k);
    return v !== undefined && dateRange(v).precision === 'time';
  }).join();
  return ours.length === hapi.length && nonIncreasing(ours, 'high') && nonIncreasing(hapi, 'low') && blanks(ours) === blanks(hapi) && instants(ours) === instants(hapi);
}

// ---------------------------------------------------------------------------------------------------------
// Variants of the data, as HAPI reads it
// ---------------------------------------------------------------------------------------------------------

const REFERENCE_KEYS = new Set(['subject', 'patient', 'derivedFrom', 'basedOn', 'focus', 'actor', 'reference']);
type Ref = { reference?: string; identifier?: unknown };
const isEmptyObject = (x: unknown): boolean => typeof x === 'object' && x !== null && !Array.isArray(x) && Object.keys(x).length === 0;

/** Removes the References for which `drop` holds (then the arrays and objects left empty), everywhere in a resource. */
function dropReferences(r: Resource, drop: (ref: Ref) => boolean): Resource {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk).filter((x) => x !== undefined);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      let w: unknown;
      if (REFERENCE_KEYS.has(k) && typeof v === 'object' && v !== null) {
        const kept = (Array.isArray(v) ? v : [v]).filter((x) => !(typeof x === 'object' && x !== null && drop(x as Ref))).map(walk).filter((x) => x !== undefined && !isEmptyObject(x));
        w = Array.isArray(v) ? kept : kept[0];
      } else {
        w = walk(v);
      }
      if (w === undefined || (Array.isArray(w) && w.length === 0) || isEmptyObject(w)) continue;
      out[k] = w;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  };
  return walk(r) as Resource;
}

export const VARIANTS = {
  /** Absolute references on the server's own base are external URLs (HAPI without `treatBaseUrlsAsLocal`). */
  'own-base-external': { base: 'http://store-variant.invalid/fhir' },
  /** References to resources that do not exist are not there (HAPI cannot search for a target it cannot resolve). */
  'no-dangling-references': {
    transform: (rs, known) => rs.map((r) => dropReferences(r, (ref) => typeof ref.reference === 'string' && /^[A-Za-z]+\/[^/]+$/.test(ref.reference) && !known.has(ref.reference))),
  },
  /** References with only an identifier (logical references) are not there (HAPI indexes no link for them). */
  'no-logical-references': { transform: (rs) => rs.map((r) => dropReferences(r, (ref) => ref.reference === undefined && ref.identifier !== undefined)) },
} satisfies Record<string, Variant>;
export type VariantName = keyof typeof VARIANTS;

/** Several variants at once: the transforms in order, the base of the first that has one. */
export function combineVariants(names: readonly VariantName[]): Variant {
  const vs: Variant[] = names.map((n) => VARIANTS[n]);
  return {
    base: vs.find((v) => v.base)?.base,
    transform: (rs, known) => vs.reduce((acc, v) => (v.transform ? v.transform(acc, known) : acc), rs),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------------------------------------

/**
 * The includes the store gives for the remote's matches (the query's _include/_revinclude on `_id=` those),
 * read as the store does and as HAPI does (absolute references on the server's own base as external).
 */
async function includesOfRemoteMatches(q: GeneratedQuery, lab: Lab): Promise<string[][]> {
  if (!lab.remote.ok) return [];
  if (lab.remote.match.length === 0) return [[]];
  const params: Param[] = [['_id', lab.remote.match.map((k) => k.split('/')[1]!).join(',')], ...q.params.filter(([n]) => /^_(include|revinclude)/.test(n)), ['_count', '1000']];
  const outcomes = [await lab.local(lab.url(q, params)), await lab.variant(['own-base-external'], { ...q, params })];
  return outcomes.filter((o) => o.ok).map((o) => (o.ok ? o.include : []));
}

/** How many matches `hapi-include-limit` asks HAPI for at a time: few enough that their includes stay under its cap. */
const INCLUDE_CHUNK = 100;

export const DEVIATIONS: Deviation[] = [
  // ---- includes that follow from different matches ----------------------------------------------------------
  {
    id: 'includes-follow-matches',
    departs: 'neither',
    reason:
      'Not a deviation of its own: the includes differ because the matches differ (for a reason listed for the match difference). Accounted for per id by the store asked for the includes of HAPI\'s matches (reading absolute references on the server base either way): an include only the store has is not among them, one only HAPI has is.',
    applies: (q, d) => d.kind === 'include',
    accounts: async (q, d, lab) => {
      const accounts = (await includesOfRemoteMatches(q, lab)).map((include) => accountedBy(d, { ok: true, match: [], include, total: undefined, pages: 1, maxPageIncludes: 0 }));
      return accounts.reduce<Account>((best, a) => (a !== undefined && (best === undefined || a.local.size + a.remote.size > best.local.size + best.remote.size) ? a : best), undefined);
    },
  },
  {
    id: 'hapi-include-limit',
    departs: 'HAPI',
    reason:
      'HAPI loads at most 1000 includes a page (JpaStorageSettings.maximumIncludesToLoadPerPage) and drops the rest without a warning. The cap counts the reference links it follows, not the distinct resources it returns: a page of 330 selections with `_include=ImagingSelection:*` (several references each, many to the same Patient or to targets that do not exist) loses includes with only 480 resources included. The store includes every resource the page\'s matches refer to (or that refer to them). R5 says included resources are returned for the matches of the page and sets no limit. Accounted for per id: HAPI itself includes each id only the store found when asked for the same matches (HAPI\'s) 100 at a time, with the same _include and _revinclude.',
    applies: (_q, d) => d.kind === 'include',
    accounts: async (q, d, lab) => {
      if (!lab.remote.ok || d.onlyLocal.length === 0) return undefined;
      const ids = lab.remote.match.map((k) => k.split('/')[1]!);
      const includes = q.params.filter(([n]) => /^_(include|revinclude)/.test(n));
      const found = new Set<string>();
      for (let i = 0; i < ids.length; i += INCLUDE_CHUNK) {
        const sub = await lab.both(q, [['_id', ids.slice(i, i + INCLUDE_CHUNK).join(',')], ...includes, ['_count', '1000']]);
        if (!sub.remote.ok) return undefined;
        sub.remote.include.forEach((k) => found.add(k));
      }
      return { local: new Set(d.onlyLocal.filter((k) => found.has(k))), remote: new Set<string>() };
    },
  },

  // ---- parameters, modifiers and forms HAPI rejects --------------------------------------------------------
  // Each: HAPI's answer must be that error (status and message), and the ids only the store has are every id
  // it found, each also found on both servers by the query without the rejected clause (see byRejection).
  {
    id: 'hapi-no-_language',
    departs: 'HAPI',
    reason: `HAPI answers 400 'Unknown search parameter _language'. R5 defines _language (token on Resource.language) for every resource; the store supports it. ${REJECTED}`,
    ...rejected(400, /Unknown search parameter "?_language/, () => (n) => finalCode(n) === '_language'),
  },
  {
    id: 'hapi-of-type-disabled',
    departs: 'HAPI',
    reason: `HAPI answers 405 'The :of-type modifier is not enabled on this server' (JpaStorageSettings.indexIdentifierOfType is off in fhir-test-server). R5 defines :of-type for Identifier tokens, and an unsupported modifier SHALL be rejected with 400, not 405. ${REJECTED}`,
    ...rejected(405, /of-type modifier is not enabled/, () => (n) => finalModifier(n) === 'of-type'),
  },
  {
    id: 'hapi-no-reference-identifier',
    departs: 'HAPI',
    reason: `HAPI 8.8 answers 400 'Unsupported search modifier(s): [:identifier]' (HAPI-2498). R5 defines :identifier on reference parameters (it matches Reference.identifier); the store supports it. The message also names the query's other modifiers outside HAPI's short list for that check ('[:identifier, :not]' beside \`_id:not\`, '[:identifier, :above]' beside \`status:above\`), which HAPI accepts in a query without reference :identifier. ${REJECTED}`,
    ...rejected(400, /Unsupported search modifier\(s\): "?\[[^\]]*:identifier\b/, () => (n) => finalModifier(n) === 'identifier'),
  },
  {
    id: 'hapi-no-reference-text',
    departs: 'HAPI',
    reason: `HAPI reads \`subject:text\` as a type modifier and answers 400 'Invalid/unsupported resource type: text'; when the query also has a modifier outside HAPI's short list for that check (\`status:above\`, \`_id:not\`, which it accepts in a query without reference :text), it answers 400 'Unsupported search modifier(s): [:above]' (HAPI-2498) instead. R5 lists :text for reference parameters (trial use, on Reference.display); the store supports it. ${REJECTED}`,
    ...rejected(400, /Invalid\/unsupported resource type: "?text|Unsupported search modifier\(s\)/, () => (n) => finalModifier(n) === 'text' && REFERENCE_CODES.has(finalCode(n))),
  },
  {
    id: 'hapi-no-uri-above-on-_source',
    departs: 'HAPI',
    reason: `HAPI answers 400 'Unsupported search modifier(s): [:above]' for _source:above. R5 allows :above on uri parameters, and _source is one. ${REJECTED}`,
    ...rejected(400, /Unsupported search modifier\(s\): "?\[:above\]/, () => (n) => n === '_source:above'),
  },
  {
    id: 'hapi-tag-system-only',
    departs: 'HAPI',
    reason: `HAPI answers 400 'Missing _tag parameter (must supply a value/code and not just a system)' for \`_tag=[system]|\`. R5 defines \`[system]|\` (any code of that system) for every token parameter. ${REJECTED}`,
    ...rejected(400, /must supply a value\/code and not just a system/, () => (n, v) => /^_(tag|security)$/.test(n) && v.split(',').some((x) => x.endsWith('|'))),
  },
  {
    id: 'hapi-date-or',
    departs: 'HAPI',
    reason: `HAPI answers 400 'DateRange parameter does not support OR queries' for a date parameter with comma-separated values. R5 allows OR on every parameter, each value with its own prefix. ${REJECTED}`,
    ...rejected(400, /does not support OR queries/, () => (n, v) => isDate(n) && finalModifier(n) === undefined && v.includes(',')),
  },
  {
    id: 'hapi-date-repeated',
    departs: 'HAPI',
    reason: `HAPI answers 400 when a date parameter is repeated with two lower or two upper bounds ('Can not have multiple date range parameters for the same param that specify a lower bound', e.g. sa…&ge…), or with :missing beside a value ('… without a qualifier'). R5 ANDs repeated parameters, whatever their prefixes and modifiers. ${REJECTED}`,
    ...rejected(400, /Can not have multiple date range parameters for the same param/, (q) => {
      const bases = criteria(q).filter(([n]) => isDate(n)).map(([n]) => n.replace(/:missing$/, ''));
      const repeated = new Set(bases.filter((b, i) => bases.indexOf(b) !== i));
      return (n) => isDate(n) && repeated.has(n.replace(/:missing$/, ''));
    }),
  },
  {
    id: 'hapi-no-ap-on-date',
    departs: 'HAPI',
    reason: `HAPI answers 400 'Unknown comparator: APPROXIMATE' (on a chained date 'Invalid comparator for date range parameter:APPROXIMATE') for \`ap\` on a date. R5 defines ap for dates (how approximate is the server's choice). ${REJECTED}`,
    ...rejected(400, /comparator.*APPROXIMATE/, () => (n, v) => isDate(n) && finalModifier(n) === undefined && v.split(',').some((x) => x.startsWith('ap'))),
  },

  // ---- references -----------------------------------------------------------------------------------------
  {
    id: 'hapi-own-base-references-external',
    departs: 'HAPI',
    reason:
      'HAPI treats an absolute reference on its own base (http://127.0.0.1:N/fhir/Patient/x) as an external URL: `subject=Patient/x` does not find it, `subject=<base>/Patient/x` finds only references written absolutely, and chains, _has and includes do not follow it. R5: a relative reference and the equivalent absolute URL on the server base match each other. Accounted for by a store under another base URL.',
    applies: (q, d) => isMatchOrInclude(d),
    accounts: byVariant('own-base-external'),
  },
  {
    id: 'hapi-dangling-references-unsearchable',
    departs: 'neither',
    reason:
      'With referential integrity off HAPI stores a reference to a resource that does not exist (Group/grp-0001, Patient/pat-0201) but cannot search for it: `subject=Group/grp-0001` and `subject:Group=grp-0001` find nothing; the store matches the reference as written. R5 search does not ask for the target to exist, but R5 also says a reference SHALL be resolvable, so such data is outside the specification. Accounted for by a store without those references.',
    applies: (q, d) => d.kind === 'match' && has(q, (n) => REFERENCE_CODES.has(finalCode(n)) && !n.includes('.') && finalModifier(n) === undefined),
    accounts: byVariant('no-dangling-references'),
  },
  {
    id: 'hapi-logical-references-missing',
    departs: 'HAPI',
    reason:
      'HAPI answers :missing on a reference parameter from its link index, so a Reference with only an identifier (a logical reference) counts as missing: `subject:missing=true` finds it, `subject:missing=false` does not. R5: :missing tests whether the element has a value, and a logical reference is one. Accounted for by a store without logical references.',
    applies: (q, d) => d.kind === 'match' && has(q, (n) => finalModifier(n) === 'missing' && REFERENCE_CODES.has(finalCode(n))),
    accounts: byVariant('no-logical-references'),
  },
  {
    id: 'hapi-contained-reference-missing',
    departs: 'HAPI',
    reason:
      'HAPI counts a reference to a contained resource (`subject: {"reference": "#p1"}`) as missing: `subject:missing=true` finds the selection, `subject:missing=false` does not. The store counts it as present (no `subject=` value finds it, but the element has a value). R5: `:missing=true` is for resources without a value in the element. Accounted for by each differing id having a reference to a contained resource (`#…`), on the side the :missing value predicts: HAPI finds more for true, fewer for false.',
    applies: (q, d) => d.kind === 'match' && has(q, (n) => finalModifier(n) === 'missing' && REFERENCE_CODES.has(finalCode(n))),
    accounts: byData((r) => /"reference":"#/.test(JSON.stringify(r)), missingSide((n) => finalModifier(n) === 'missing' && REFERENCE_CODES.has(finalCode(n)))),
  },
  {
    id: 'hapi-versioned-reference-any-version',
    departs: 'HAPI',
    reason:
      'HAPI matches a versioned reference value (`subject=Patient/x/_history/1`) against every reference to Patient/x, whatever version it names (or none). The store matches a value with /_history/ as written: only references to that version. R5 (References and Versions): a value without /_history/ matches versioned and unversioned references alike; a value with one names a version. Accounted for by the store with the /_history/ part of the values removed answering what HAPI answered, id by id.',
    applies: (q, d) => isMatchOrInclude(d) && has(q, (n, v) => REFERENCE_CODES.has(finalCode(n)) && v.includes('/_history/')),
    accounts: byRewrite(([n, v]) => [n, REFERENCE_CODES.has(finalCode(n)) ? v.replace(/\/_history\/[^,]*/g, '') : v]),
  },
  {
    id: 'hapi-chained-first-page-without-next',
    departs: 'HAPI',
    reason:
      "HAPI can answer the first page of a chained search (`subject:Patient.family=…`) or of a `_has` search without its `next` link although more matches exist, so a client following links stops there (seen with the default page size, and under load with `_has:…&_sort=-gender&_count=30`). The store links every page that has a successor. R5 (paging): the `next` link is how a client reaches the rest. Accounted for by HAPI's answer having been one page (no `next`), every id it gave being one of the store's, and each id only the store found being found by HAPI when asked for 1000 a page (on which both servers agree).",
    // Not on a query that already asks for 1000 a page: that is this proof's own sub-query, which must not recurse.
    applies: (q, d) => d.kind === 'match' && d.onlyRemote.length === 0 && !q.params.some(([n, v]) => n === '_count' && Number(v) >= 1000) && has(q, (n) => n.includes('.') || n.startsWith('_has:')),
    accounts: async (q, d, lab) => {
      if (!lab.remote.ok || lab.remote.pages !== 1) return undefined;
      const sub = await lab.both(q, [...q.params.filter(([n]) => n !== '_count'), ['_count', '1000']]);
      if (!sub.remote.ok || !(await explainedAll(sub))) return undefined;
      return sides(d, new Set(sub.remote.match));
    },
  },

  // ---- tokens ---------------------------------------------------------------------------------------------
  {
    id: 'hapi-text-only-concept-missing',
    departs: 'HAPI',
    reason:
      'HAPI answers :missing on a token parameter from its token index, so a CodeableConcept with only text counts as missing (`code:missing=true` finds it, `body-site:missing=false` does not). R5: :missing tests whether the element has a value. Accounted for by the differing selections having that CodeableConcept without a coding.',
    applies: (q, d) => d.kind === 'match' && has(q, (n) => finalModifier(n) === 'missing' && (finalCode(n) === 'code' || finalCode(n) === 'body-site')),
    accounts: byData((r) => {
      const s = r as { code?: { coding?: unknown[] }; bodySite?: { concept?: { coding?: unknown[] } } };
      return (s.code !== undefined && !s.code.coding?.length) || (s.bodySite?.concept !== undefined && !s.bodySite.concept.coding?.length);
    }, missingSide((n) => finalModifier(n) === 'missing' && (finalCode(n) === 'code' || finalCode(n) === 'body-site'))),
  },
  {
    id: 'hapi-missing-ignored-on-meta',
    departs: 'HAPI',
    reason:
      'HAPI ignores :missing on _tag, _security and _profile: the clause filters nothing, even under Prefer: handling=strict. R5: :missing applies to token and reference parameters, and an unsupported modifier SHALL be rejected. Accounted for by the store without that clause.',
    applies: (q, d) => isMatchOrInclude(d) && has(q, (n) => /^_(tag|security|profile):missing$/.test(n)),
    accounts: byRewrite((p) => (/^_(tag|security|profile):missing$/.test(p[0]) ? undefined : p)),
  },
  {
    id: 'hapi-lucene-empty-system-ignored',
    mode: 'lucene',
    departs: 'HAPI',
    reason:
      'Answering from Lucene, HAPI reads `code=|113009` (no system) like `code=113009` (any system); from SQL it answers correctly. R5: `|[code]` matches only codes without a system. Accounted for by the store with the `|` removed.',
    applies: (q, d) => d.kind === 'match' && has(q, (_n, v) => v.split(',').some((x) => x.startsWith('|'))),
    accounts: byRewrite(([n, v]) => [n, v.split(',').map((x) => (x.startsWith('|') ? x.slice(1) : x)).join(',')]),
  },
  {
    id: 'hapi-no-identifier-type-text',
    departs: 'HAPI',
    reason:
      "HAPI's token :text searches CodeableConcept.text and Coding.display but not Identifier.type, so `identifier:text=accession` finds nothing. R5: :text on a token also tests Identifier.type.text. Accounted for by HAPI finding nothing and each id only the store found having an Identifier.type whose text or display starts with the value.",
    applies: (q, d) => d.kind === 'match' && d.onlyRemote.length === 0 && has(q, (n) => n === 'identifier:text'),
    accounts: async (q, d, lab) => {
      if (!lab.remote.ok || lab.remote.match.length > 0) return undefined;
      const values = criteria(q).filter(([n]) => n === 'identifier:text').flatMap(([, v]) => v.split(',')).map(normText);
      return byData((r) => {
        const types = ((r as { identifier?: { type?: { text?: string; coding?: { display?: string }[] } }[] }).identifier ?? []).map((i) => i.type);
        const texts = types.flatMap((t) => [t?.text, ...(t?.coding ?? []).map((c) => c.display)]).filter((x): x is string => x !== undefined).map(normText);
        return texts.some((t) => values.some((v) => t.startsWith(v)));
      }, () => 'local')(q, d, lab);
    },
  },
  {
    id: 'hapi-canonical-version',
    departs: 'HAPI',
    reason:
      'HAPI indexes _profile as a plain uri, so `_profile=http://…/key-images` does not find meta.profile `http://…/key-images|1.0`. R5 defines _profile as a reference to a canonical, and a canonical without a version matches every version. Accounted for by the differing selections having a versioned profile.',
    applies: (q, d) => d.kind === 'match' && has(q, (n) => n === '_profile'),
    accounts: byData((r) => (r.meta?.profile ?? []).some((p) => p.includes('|')), () => 'local'),
  },

  // ---- uri ------------------------------------------------------------------------------------------------
  {
    id: 'hapi-uri-below-is-prefix',
    departs: 'HAPI',
    reason:
      "HAPI answers _source:below as a string prefix: `_source:below=http://pacs.example.org/fh` finds http://pacs.example.org/fhir/…. R5: :below on a uri matches the URI and those below it by path segments. Accounted for by the differing selections' meta.source starting with the value but not at a segment boundary.",
    applies: (q, d) => d.kind === 'match' && has(q, (n) => n === '_source:below'),
    accounts: async (q, d, lab) => {
      const values = criteria(q).filter(([n]) => n === '_source:below').flatMap(([, v]) => v.split(','));
      return byData((r) => {
        const src = r.meta?.source ?? '';
        return values.some((v) => src.startsWith(v) && src !== v && !src.startsWith(v.endsWith('/') ? v : `${v}/`));
      }, () => 'remote')(q, d, lab);
    },
  },

  // ---- strings --------------------------------------------------------------------------------------------
  {
    id: 'hapi-string-punctuation',
    departs: 'HAPI',
    reason:
      "HAPI's string normalisation keeps punctuation, so `family=o brien` does not find O'Brien and `family=smith jones` does not find Smith-Jones; the store reads punctuation as a space. R5: string search ignores punctuation and non-significant whitespace. Accounted for by the differing resources being, or pointing at, a Patient with punctuation in a name.",
    applies: (q, d) => isMatchOrInclude(d) && d.onlyRemote.length === 0 && has(q, (n, v) => STRING_CODES.has(finalCode(n)) && / /.test(v)),
    accounts: byData((r, lab) => patientsOf(r, lab).some((p) => (p.name ?? []).some((n) => /['\-]/.test([n.family ?? '', ...(n.given ?? [])].join(' ')))), () => 'local'),
  },

  // ---- dates ----------------------------------------------------------------------------------------------
  {
    id: 'hapi-ge-le-year-month',
    departs: 'HAPI',
    reason:
      'HAPI applies ge and le at year or month precision to the wrong end of the period: `ge2023` misses dates in 2023 before its last day, `le2024-03` misses dates in March after its first day. R5: ge is gt or eq and le is lt or eq, so a date inside the period matches both. Accounted for by the differing ids matching the query with that prefix replaced by eq.',
    applies: (q, d) => d.kind === 'match' && dateValues(q).some((v) => (v.prefix === 'ge' || v.prefix === 'le') && /^\d{4}(-\d{2})?$/.test(v.value)),
    accounts: async (q, d, lab) =>
      within(d, lab, [lab.url(q, rewrite(q, ([n, v]) => (isDate(n) ? [n, v.split(',').map((x) => x.replace(/^(ge|le)(\d{4}(-\d{2})?)$/, 'eq$2')).join(',')] : [n, v])))]),
  },
  {
    id: 'hapi-date-boundaries',
    departs: 'HAPI',
    reason:
      'At the edges of a date search range HAPI decides differently: for a value of day, month or year precision it compares the calendar date of the target as written, ignoring the UTC offset (`issued=ge2024-01-01` finds 2024-01-01T00:00:00+01:00, which is 2023-12-31T23:00Z, and misses 2023-12-31T19:59:00-05:00, which is 2024-01-01T00:59Z), and `le2024-06-30T00:00` finds a target of 2024-06-30 that starts at that minute but lasts the whole day. R5: correct for time zones, and le is "lt or eq" on ranges; the store compares UTC ranges (both servers run in UTC). Accounted for by the differing ids lying within a day of a boundary of the date value.',
    applies: (q, d) => d.kind === 'match' && dateValues(q).length > 0,
    accounts: (q, d, lab) => nearBoundaries(q, d, lab),
  },

  // ---- full text and _has ---------------------------------------------------------------------------------
  {
    id: 'hapi-text-in-_has-ignored',
    departs: 'HAPI',
    reason:
      'HAPI ignores _text and _content inside _has: `Patient?_has:ImagingSelection:patient:_text=fracture` finds every Patient with a selection. R5 lets _has test any search parameter of the referring type. Accounted for by the store with the inner clause replaced by one every selection meets.',
    applies: (q, d) => d.kind === 'match' && has(q, (n) => /^_has:.*:_(text|content)$/.test(n)),
    accounts: byRewrite(([n, v]) => (/^_has:.*:_(text|content)$/.test(n) ? [n.replace(/_(text|content)$/, '_lastUpdated'), 'gt2000'] : [n, v])),
  },
  {
    id: 'full-text-engines',
    departs: 'neither',
    reason:
      'The full-text engines differ: the store (lunr) stems words (`scans` finds "scan"), drops English stop words, folds accents and reads AND, OR, NOT, `-` and parentheses; HAPI (Lucene simple query syntax) matches words as written, reads OR as `|`, so `teaching OR research` finds nothing, and needs every word of `region of interest`. R5 leaves the full-text semantics of _text and _content to the server. Accounted for by the differing ids meeting every other clause of the query.',
    applies: (q, d) => isMatchOrInclude(d) && has(q, (n) => n === '_text' || n === '_content'),
    accounts: async (q, d, lab) => within(d, lab, [lab.url(q, rewrite(q, (p) => (p[0] === '_text' || p[0] === '_content' ? undefined : p)))]),
  },

  // ---- sorting --------------------------------------------------------------------------------------------
  {
    id: 'sort-token-reference-order',
    departs: 'neither',
    reason:
      'Sorting on a token or reference parameter (code, identifier, subject, patient, modality, …) orders differently: the store sorts by the code or the reference as written (least value ascending, greatest descending, systems ignored), HAPI by system and code, and references by its internal target key. R5 does not define an order of token or reference values. Only the order differs: the match sets agree, and with the token and reference keys left out of _sort both servers give the same order.',
    applies: (q, d) => d.kind === 'order' && sortKeys(q).some((k) => SORT_BY_TOKEN_OR_REFERENCE.has(k)),
    accounts: byOrderWithout((k) => SORT_BY_TOKEN_OR_REFERENCE.has(k)),
  },
  {
    id: 'hapi-sort-ignored-with-full-text',
    departs: 'HAPI',
    reason:
      'With _text or _content in the query HAPI ignores _sort: the matches come in the order of its full-text search, the same for `_sort=_id`, `-_id`, `status` and `-status,-_id`, even under Prefer: handling=strict. R5 (_sort): the matches are returned in the order the sort parameters give. Only the order differs: the match sets agree, and HAPI, asked the query and then the query with the direction of every sort key reversed, gives the same order for both (a sort that ends in _id is total, so an applied sort would reverse the order). The two are asked back to back, up to twice, because the order of HAPI\'s full-text results changes while its $reindex job (started by the `code` SearchParameter) is still running.',
    applies: (q, d) => d.kind === 'order' && has(q, (n) => n === '_text' || n === '_content'),
    accounts: async (q, d, lab) => {
      const reversed = q.params.map(([n, v]): Param => (n === '_sort' ? [n, v.split(',').map((k) => (k.startsWith('-') ? k.slice(1) : `-${k}`)).join(',')] : [n, v]));
      for (let attempt = 0; attempt < 2; attempt++) {
        const asked = (await lab.both(q, q.params)).remote;
        const flipped = (await lab.both(q, reversed)).remote;
        if (asked.ok && flipped.ok && asked.match.length > 1 && asked.match.join() === flipped.match.join()) return whole(d);
      }
      return undefined;
    },
  },
  {
    id: 'sort-_lastUpdated-is-load-time',
    departs: 'neither',
    reason:
      'Each server stamps meta.lastUpdated itself when the data is loaded (HAPI per resource, the store once per transaction), so ordering by _lastUpdated compares two different sets of times. Only the order differs: the match sets agree, and with _lastUpdated left out of _sort both servers give the same order.',
    applies: (q, d) => d.kind === 'order' && sortKeys(q).includes('_lastUpdated'),
    accounts: byOrderWithout((k) => k === '_lastUpdated'),
  },
  {
    id: 'sort-period-descending',
    departs: 'neither',
    reason:
      'Sorting descending on a date whose values are periods (`_sort=-started` over `2024-03`, `2024-03-15` and instants): the store orders a period by its end (descending by the greatest value, see docs/search.md), HAPI by its start, so `2024-03` (ends 2024-03-31) and `2024-03-15` change places. R5 (_sort) leaves the order of range values to the server. Accounted for by the same ids on both sides, the store\'s order descending by the end of each value and HAPI\'s by the start, resources without a value at the same places, and both orders the same once the values of year, month or day precision are left out.',
    applies: (q, d) => d.kind === 'order' && /^-/.test(sortParam(q)) && DATE_ELEMENTS[sortKeys(q)[0]!] !== undefined,
    accounts: async (q, d, lab) => (lab.remote.ok && periodOrders(q, d, lab) ? whole(d) : undefined),
  },

  // ---- HAPI answering from Lucene (HAPI_JAVA_OPTS=-Dfhir-test-server.hsearch-search-params=true) ----
  {
    id: 'hapi-lucene-reference-by-id',
    mode: 'lucene',
    departs: 'HAPI',
    reason:
      'Answering from Lucene, HAPI finds nothing for a reference value without a type (`subject=pat-0015`) or with a type modifier (`subject:Patient=pat-0015`) when ids are assigned by the client; `subject=Patient/pat-0015` works. R5: `[id]` and `:[type]` forms are equivalent to `[type]/[id]`. Accounted for by the store with those values removed.',
    applies: (q, d) => isMatchOrInclude(d) && has(q, (n, v) => isPlainReference(n) && (finalModifier(n) === undefined && /^[A-Z]/.test(n.split(':')[1] ?? '') || v.split(',').some((x) => !x.includes('/')))),
    accounts: byRewrite(([n, v]) => {
      if (!isPlainReference(n)) return [n, v];
      const typed = /^[A-Z]/.test(n.split(':')[1] ?? '');
      const kept = typed ? [] : v.split(',').filter((x) => x.includes('/'));
      return kept.length > 0 ? [n, kept.join(',')] : ['_id', 'no-such-id'];
    }),
  },
  {
    id: 'hapi-lucene-empty-instead-of-400',
    mode: 'lucene',
    departs: 'HAPI',
    reason:
      'Answering from Lucene, HAPI answers :identifier and :text on a reference parameter with an empty result instead of rejecting them (400 when it answers from SQL). R5 defines both modifiers, and an unsupported modifier SHALL be rejected. Accounted for by the store with that clause matching nothing.',
    applies: (q, d) => d.kind === 'match' && has(q, (n) => REFERENCE_CODES.has(finalCode(n)) && (finalModifier(n) === 'identifier' || finalModifier(n) === 'text')),
    accounts: byRewrite(([n, v]) => (REFERENCE_CODES.has(finalCode(n)) && (finalModifier(n) === 'identifier' || finalModifier(n) === 'text') ? ['_id', 'no-such-id'] : [n, v])),
  },
  {
    id: 'hapi-lucene-token-text-words',
    mode: 'lucene',
    departs: 'HAPI',
    reason:
      "Answering from Lucene, HAPI's token :text matches any word of the text (`code:text=for` finds \"Rejected for Quality Reasons\"). R5: :text on a token is a basic string match, starts-with or equals, on the whole text; the store does that. Accounted for by the differing selections having a text or display with a word that starts with the value.",
    applies: (q, d) => d.kind === 'match' && d.onlyLocal.length === 0 && has(q, (n) => finalModifier(n) === 'text' && !REFERENCE_CODES.has(finalCode(n))),
    accounts: async (q, d, lab) => {
      const values = criteria(q).filter(([n]) => finalModifier(n) === 'text').flatMap(([, v]) => v.split(',')).map(normText);
      return byData((r) => {
        const texts = [...JSON.stringify(r).matchAll(/"(?:text|display)":"([^"]*)"/g)].map((m) => normText(m[1]!));
        return texts.some((t) => values.some((v) => ` ${t}`.includes(` ${v}`)));
      }, () => 'remote')(q, d, lab);
    },
  },
  {
    id: 'hapi-lucene-_profile-error',
    mode: 'lucene',
    departs: 'HAPI',
    reason: `Answering from Lucene, HAPI answers 500 'Unsupported full-text param type: UriParam' for _profile. R5 defines _profile for every resource. ${REJECTED}`,
    ...rejected(500, /Unsupported full-text param type: UriParam/, () => (n) => n === '_profile'),
  },
  {
    id: 'hapi-lucene-sort-by-id-ignored',
    mode: 'lucene',
    departs: 'HAPI',
    reason:
      'Answering from Lucene, HAPI ignores `_id` as a sort key of a search with criteria (`_sort=_id` and `_sort=-_id` give the same order, neither by id). R5: _sort may name _id. Only the order differs: the match sets agree, and HAPI gives exactly the same order with the direction of _id reversed.',
    applies: (q, d) => d.kind === 'order' && sortKeys(q).includes('_id'),
    accounts: async (q, d, lab) => {
      const flipped = q.params.map(([n, v]): Param => (n === '_sort' ? [n, v.split(',').map((k) => (k === '_id' ? '-_id' : k === '-_id' ? '_id' : k)).join(',')] : [n, v]));
      const sub = await lab.both(q, flipped);
      return lab.remote.ok && sub.remote.ok && sub.remote.match.join() === lab.remote.match.join() ? whole(d) : undefined;
    },
  },
];

/** A reference parameter without chain (`subject`, `subject:Patient`), not a chain or a modifier such as :missing. */
function isPlainReference(name: string): boolean {
  if (name.includes('.') || name.startsWith('_has')) return false;
  const [code, mod] = name.split(':');
  return REFERENCE_CODES.has(code!) && (mod === undefined || /^[A-Z]/.test(mod));
}

/**
 * The deviations that together account for a difference, or undefined when they do not account for all of
 * it: the applicable entries whose proof holds pool the ids they account for, per side, until every id only
 * the store found and every id only HAPI found is covered. A difference without ids (an error where the store
 * found nothing) needs one entry whose proof holds.
 */
export async function explain(q: GeneratedQuery, d: Difference, lab: Lab): Promise<Deviation[] | undefined> {
  const need = d.onlyLocal.length + d.onlyRemote.length;
  const local = new Set<string>();
  const remote = new Set<string>();
  const used: Deviation[] = [];
  for (const dev of DEVIATIONS) {
    if ((dev.mode !== undefined && dev.mode !== lab.mode) || !dev.applies(q, d)) continue;
    const account = await dev.accounts(q, d, lab);
    if (account === undefined) continue;
    const before = local.size + remote.size;
    d.onlyLocal.filter((k) => account.local.has(k)).forEach((k) => local.add(k));
    d.onlyRemote.filter((k) => account.remote.has(k)).forEach((k) => remote.add(k));
    if (local.size + remote.size > before || need === 0) used.push(dev);
    if (local.size === new Set(d.onlyLocal).size && remote.size === new Set(d.onlyRemote).size && used.length > 0) return used;
  }
  return undefined;
}
