import type { Resource } from 'fhir/r5';
import type { Difference, Outcome, Variant } from './differential.js';
import type { GeneratedQuery, Param } from './queries.js';

/*
 * The differences between this store and HAPI FHIR R5 (fhir-test-server/ of this repository: HAPI FHIR JPA
 * 8.8 on H2, searches served from SQL) that the differential suite accepts, each with its reason and who
 * departs from R5 (https://hl7.org/fhir/R5/search.html). A difference that these entries do not account for
 * fails the suite.
 *
 * An entry has a predicate on the query and the kind of difference (`applies`) and, for differences in the
 * matches or includes, says which of the differing ids it accounts for (`accounts`), with a proof:
 *   - a *variant* of the local store that reads the data the way HAPI does (e.g. absolute references on the
 *     server's own base as external URLs): an id is accounted for when the variant answers for it what HAPI
 *     answered;
 *   - an *auxiliary query* on the local store (e.g. the query without a clause HAPI ignores, or the ids
 *     within a day of a date boundary): the same, or membership in its result;
 *   - a *data property* of the differing resource (e.g. a CodeableConcept with text only).
 * A difference is explained when the entries that apply account for every differing id together (a query
 * may combine two deviations). So an entry cannot hide an unrelated difference in the same query.
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
  /**
   * How HAPI serves searches: `sql` (the default of HAPI JPA) or `lucene` (fhir-test-server's default:
   * Hibernate Search indexes search parameters too, and HAPI answers what it can from Lucene).
   */
  mode: HapiMode;
}

export type HapiMode = 'sql' | 'lucene';

/** The differing ids an entry accounts for, or all of the difference (errors, order). */
export type Account = 'all' | ReadonlySet<string>;

export interface Deviation {
  id: string;
  departs: Departs;
  /** What differs, why, and who is right per R5. */
  reason: string;
  applies(q: GeneratedQuery, d: Difference): boolean;
  /** Only when HAPI serves searches this way (default: either). */
  mode?: HapiMode;
  /** Default: the whole difference. */
  accounts?(q: GeneratedQuery, d: Difference, lab: Lab): Promise<Account>;
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

const EMPTY: ReadonlySet<string> = new Set();

/**
 * The differing ids for which `other` (an outcome standing for HAPI's reading) answers what the remote
 * answered: an id only the store found is accounted for when `other` does not find it, an id only the remote
 * found when `other` finds it.
 */
function accountedBy(d: Difference, other: Outcome): ReadonlySet<string> {
  if (!other.ok) return EMPTY;
  const found = new Set(d.kind === 'include' ? other.include : other.match);
  return new Set([...d.onlyLocal.filter((k) => !found.has(k)), ...d.onlyRemote.filter((k) => found.has(k))]);
}
/** Accounts by a variant of the local store. */
const byVariant = (...names: VariantName[]) => async (q: GeneratedQuery, d: Difference, lab: Lab): Promise<Account> => accountedBy(d, await lab.variant(names, q));
/** Accounts by a rewritten query on the local store. */
const byRewrite = (replace: (p: Param) => Param | Param[] | undefined) => async (q: GeneratedQuery, d: Difference, lab: Lab): Promise<Account> =>
  accountedBy(d, await lab.local(lab.url(q, rewrite(q, replace))));
/** Accounts for the differing ids that are among the matches (or includes) of some auxiliary queries. */
async function within(d: Difference, lab: Lab, urls: string[]): Promise<ReadonlySet<string>> {
  const ids = new Set<string>();
  for (const url of urls) {
    const o = await lab.local(url);
    if (!o.ok) continue;
    o.match.forEach((k) => ids.add(k));
    o.include.forEach((k) => ids.add(k));
  }
  return new Set([...d.onlyLocal, ...d.onlyRemote].filter((k) => ids.has(k)));
}
/** Accounts for the differing ids whose resource satisfies `test`. */
const byData = (test: (r: Resource, lab: Lab) => boolean) => async (_q: GeneratedQuery, d: Difference, lab: Lab): Promise<Account> =>
  new Set([...d.onlyLocal, ...d.onlyRemote].filter((k) => {
    const r = lab.resource(k);
    return r !== undefined && test(r, lab);
  }));

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
async function nearBoundaries(q: GeneratedQuery, d: Difference, lab: Lab): Promise<ReadonlySet<string>> {
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
  return new Set([...d.onlyLocal, ...d.onlyRemote].filter((k) => ids.has(k)));
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
const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

export const DEVIATIONS: Deviation[] = [
  // ---- includes that follow from different matches ----------------------------------------------------------
  {
    id: 'includes-follow-matches',
    departs: 'neither',
    reason:
      'Not a deviation of its own: the includes differ only because the matches differ (for a reason listed for the match difference). Accounted for by the store giving exactly HAPI\'s includes for HAPI\'s matches (reading absolute references on the server base either way).',
    applies: (q, d) => d.kind === 'include',
    accounts: async (q, _d, lab) => {
      const remote = lab.remote.ok ? lab.remote.include : [];
      return (await includesOfRemoteMatches(q, lab)).some((inc) => sameSet(inc, remote)) ? 'all' : EMPTY;
    },
  },
  {
    id: 'hapi-include-limit',
    departs: 'HAPI',
    reason:
      'HAPI returns at most 1000 included resources a page (JpaStorageSettings.maximumIncludesToLoadPerPage) and drops the rest without a warning; the store includes every resource the page\'s matches refer to (or that refer to them). R5 says included resources are returned for the matches of the page and sets no limit. Accounted for by HAPI having reached 1000 includes on a page and its includes being a subset of the store\'s for the same matches.',
    applies: (_q, d) => d.kind === 'include',
    accounts: async (q, _d, lab) => {
      if (!lab.remote.ok || lab.remote.maxPageIncludes < 1000) return EMPTY;
      const remote = lab.remote.include;
      return (await includesOfRemoteMatches(q, lab)).some((inc) => remote.every((k) => inc.includes(k))) ? 'all' : EMPTY;
    },
  },

  // ---- parameters, modifiers and forms HAPI rejects --------------------------------------------------------
  {
    id: 'hapi-no-_language',
    departs: 'HAPI',
    reason: "HAPI answers 400 'Unknown search parameter _language'. R5 defines _language (token on Resource.language) for every resource; the store supports it.",
    applies: (q, d) => errorFromRemote(d, 400) && has(q, (n) => finalCode(n) === '_language'),
  },
  {
    id: 'hapi-of-type-disabled',
    departs: 'HAPI',
    reason: "HAPI answers 405 'The :of-type modifier is not enabled on this server' (JpaStorageSettings.indexIdentifierOfType is off in fhir-test-server). R5 defines :of-type for Identifier tokens, and an unsupported modifier SHALL be rejected with 400, not 405.",
    applies: (q, d) => errorFromRemote(d) && has(q, (n) => finalModifier(n) === 'of-type'),
  },
  {
    id: 'hapi-no-reference-identifier',
    departs: 'HAPI',
    reason: "HAPI 8.8 answers 400 'Unsupported search modifier(s): [:identifier]'. R5 defines :identifier on reference parameters (it matches Reference.identifier); the store supports it.",
    applies: (q, d) => errorFromRemote(d, 400) && has(q, (n) => finalModifier(n) === 'identifier'),
  },
  {
    id: 'hapi-no-reference-text',
    departs: 'HAPI',
    reason: "HAPI reads `subject:text` as a type modifier and answers 400 'Invalid/unsupported resource type: text'. R5 lists :text for reference parameters (trial use, on Reference.display); the store supports it.",
    applies: (q, d) => errorFromRemote(d, 400) && has(q, (n) => finalModifier(n) === 'text' && REFERENCE_CODES.has(finalCode(n))),
  },
  {
    id: 'hapi-no-uri-above-on-_source',
    departs: 'HAPI',
    reason: "HAPI answers 400 'Unsupported search modifier(s): [:above]' for _source:above. R5 allows :above on uri parameters, and _source is one.",
    applies: (q, d) => errorFromRemote(d, 400) && has(q, (n) => n === '_source:above' || n === '_source:below'),
  },
  {
    id: 'hapi-tag-system-only',
    departs: 'HAPI',
    reason: "HAPI answers 400 'Missing _tag parameter (must supply a value/code and not just a system)' for `_tag=[system]|`. R5 defines `[system]|` (any code of that system) for every token parameter.",
    applies: (q, d) => errorFromRemote(d, 400) && has(q, (n, v) => /^_(tag|security)$/.test(n) && v.split(',').some((x) => x.endsWith('|'))),
  },
  {
    id: 'hapi-date-or',
    departs: 'HAPI',
    reason: "HAPI answers 400 'DateRange parameter does not support OR queries' for a date parameter with comma-separated values. R5 allows OR on every parameter, each value with its own prefix.",
    applies: (q, d) => errorFromRemote(d, 400) && has(q, (n, v) => isDate(n) && finalModifier(n) === undefined && v.includes(',')),
  },
  {
    id: 'hapi-date-repeated',
    departs: 'HAPI',
    reason: "HAPI answers 400 when a date parameter is repeated with two lower or two upper bounds ('Can not have multiple date range parameters for the same param that specify a lower bound', e.g. sa…&ge…), or with :missing beside a value ('… without a qualifier'). R5 ANDs repeated parameters, whatever their prefixes and modifiers.",
    applies: (q, d) => {
      const dates = criteria(q).filter(([n]) => isDate(n)).map(([n]) => n.replace(/:missing$/, ''));
      return errorFromRemote(d, 400) && new Set(dates).size < dates.length;
    },
  },
  {
    id: 'hapi-no-ap-on-date',
    departs: 'HAPI',
    reason: "HAPI answers 400 'Unknown comparator: APPROXIMATE' for `ap` on a date. R5 defines ap for dates (how approximate is the server's choice).",
    applies: (q, d) => errorFromRemote(d, 400) && dateValues(q).some((v) => v.prefix === 'ap'),
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
    }),
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
      "HAPI's token :text searches CodeableConcept.text and Coding.display but not Identifier.type, so `identifier:text=accession` finds nothing. R5: :text on a token also tests Identifier.type.text. Accounted for by the store without that clause finding the same ids.",
    applies: (q, d) => d.kind === 'match' && d.onlyRemote.length === 0 && has(q, (n) => n === 'identifier:text'),
    accounts: async (_q, d, lab) => (lab.remote.ok && lab.remote.match.length === 0 ? 'all' : EMPTY),
  },
  {
    id: 'hapi-canonical-version',
    departs: 'HAPI',
    reason:
      'HAPI indexes _profile as a plain uri, so `_profile=http://…/key-images` does not find meta.profile `http://…/key-images|1.0`. R5 defines _profile as a reference to a canonical, and a canonical without a version matches every version. Accounted for by the differing selections having a versioned profile.',
    applies: (q, d) => d.kind === 'match' && has(q, (n) => n === '_profile'),
    accounts: byData((r) => (r.meta?.profile ?? []).some((p) => p.includes('|'))),
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
      })(q, d, lab);
    },
  },

  // ---- strings --------------------------------------------------------------------------------------------
  {
    id: 'hapi-string-punctuation',
    departs: 'HAPI',
    reason:
      "HAPI's string normalisation keeps punctuation, so `family=o brien` does not find O'Brien and `family=smith jones` does not find Smith-Jones; the store reads punctuation as a space. R5: string search ignores punctuation and non-significant whitespace. Accounted for by the differing resources being, or pointing at, a Patient with punctuation in a name.",
    applies: (q, d) => isMatchOrInclude(d) && d.onlyRemote.length === 0 && has(q, (n, v) => STRING_CODES.has(finalCode(n)) && / /.test(v)),
    accounts: byData((r, lab) => patientsOf(r, lab).some((p) => (p.name ?? []).some((n) => /['\-]/.test([n.family ?? '', ...(n.given ?? [])].join(' '))))),
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
      'Sorting on a token or reference parameter (code, identifier, subject, patient, modality, …) orders differently: the store sorts by the code or the reference as written (least value ascending, greatest descending, systems ignored), HAPI by system and code, and references by its internal target key. R5 does not define an order of token or reference values. Only the order differs: the match sets agree.',
    applies: (q, d) => d.kind === 'order' && sortKeys(q).some((k) => SORT_BY_TOKEN_OR_REFERENCE.has(k)),
  },
  {
    id: 'sort-_lastUpdated-is-load-time',
    departs: 'neither',
    reason:
      'Each server stamps meta.lastUpdated itself when the data is loaded (HAPI per resource, the store once per transaction), so ordering by _lastUpdated compares two different sets of times. Only the order differs: the match sets agree.',
    applies: (q, d) => d.kind === 'order' && sortKeys(q).includes('_lastUpdated'),
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
      const norm = (x: string): string => x.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
      const values = criteria(q).filter(([n]) => finalModifier(n) === 'text').flatMap(([, v]) => v.split(',')).map(norm);
      return byData((r) => {
        const texts = [...JSON.stringify(r).matchAll(/"(?:text|display)":"([^"]*)"/g)].map((m) => norm(m[1]!));
        return texts.some((t) => values.some((v) => ` ${t}`.includes(` ${v}`)));
      })(q, d, lab);
    },
  },
  {
    id: 'hapi-lucene-_profile-error',
    mode: 'lucene',
    departs: 'HAPI',
    reason: "Answering from Lucene, HAPI answers 500 'Unsupported full-text param type: UriParam' for _profile. R5 defines _profile for every resource.",
    applies: (q, d) => d.kind === 'error' && d.remoteStatus === 500 && has(q, (n) => n === '_profile'),
  },
  {
    id: 'hapi-lucene-sort-by-id-ignored',
    mode: 'lucene',
    departs: 'HAPI',
    reason:
      'Answering from Lucene, HAPI ignores `_id` as a sort key of a search with criteria (`_sort=_id` and `_sort=-_id` give the same order, neither by id). R5: _sort may name _id. Only the order differs: the match sets agree.',
    applies: (q, d) => d.kind === 'order' && sortKeys(q).includes('_id'),
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
 * it. The first entry that accounts for the whole difference wins; otherwise the applicable entries pool the
 * ids they account for.
 */
export async function explain(q: GeneratedQuery, d: Difference, lab: Lab): Promise<Deviation[] | undefined> {
  const differing = new Set([...d.onlyLocal, ...d.onlyRemote]);
  const covered = new Set<string>();
  const used: Deviation[] = [];
  for (const dev of DEVIATIONS) {
    if ((dev.mode !== undefined && dev.mode !== lab.mode) || !dev.applies(q, d)) continue;
    const account = dev.accounts ? await dev.accounts(q, d, lab) : 'all';
    if (account === 'all') return [dev];
    const added = [...account].filter((k) => differing.has(k) && !covered.has(k));
    if (added.length === 0) continue;
    added.forEach((k) => covered.add(k));
    used.push(dev);
    if (covered.size === differing.size) return used;
  }
  return undefined;
}
