import fhirpath from 'fhirpath';
import r5 from 'fhirpath/fhir-context/r5';
import type { Resource } from 'fhir/r5';
import { refParameter, type RefParameter } from './parameters.js';
import { codeSystemCodes, valueSetMembers } from './terminology.js';

/*
 * An independent reference for FHIR R5 search matching, for the property test matcher-reference.test.ts. It
 * reads no code of src/search: each parameter's FHIRPath expression (parameters.ts) is evaluated by
 * fhirpath.js on the R5 model, and the values are compared by the rules of the R5 search page, written
 * out here from https://hl7.org/fhir/R5/search.html. Where R5 leaves the choice to the server (string
 * punctuation, the `ap` margin, the text of a bare code, a URI prefix that is not at a path segment), the
 * answer for that resource is "open" and either result is accepted.
 */

/** Whether a resource matches: yes, no, or open (R5 lets the server decide). */
export type Truth = 'yes' | 'no' | 'open';

const anyOf = (ts: Iterable<Truth>): Truth => {
  let open = false;
  for (const t of ts) {
    if (t === 'yes') return 'yes';
    if (t === 'open') open = true;
  }
  return open ? 'open' : 'no';
};
const not = (t: Truth): Truth => (t === 'yes' ? 'no' : t === 'no' ? 'yes' : 'open');
/** Three-valued AND, by De Morgan: no if one is no, else open if one is open, else yes. */
const allOf = (ts: Iterable<Truth>): Truth => not(anyOf([...ts].map(not)));
const truth = (b: boolean): Truth => (b ? 'yes' : 'no');

/** The reference's answer to a query: per resource id, or why it cannot answer. */
export type RefOutcome =
  | { kind: 'ok'; truths: Map<string, Truth> }
  /** R5 makes the query an error (the store must answer 4xx). */
  | { kind: 'invalid'; why: string }
  /** Outside what this reference covers (chains, `_has`, full text, terminology modifiers, …). */
  | { kind: 'unsupported'; why: string };

export interface RefEnv {
  /** The store's base URL: absolute references on it are local references (search.html#reference). */
  baseUrl: string;
  /**
   * The UTC offset (minutes) of the store's time zone, a fixed-offset zone: dates and times without an
   * offset are read there ("the server's local time zone should be assumed", search.html#date).
   */
  zoneOffsetMinutes: number;
  /** Bounds of "now" while the store answers, for the `ap` margin. */
  now: number;
}

class Invalid extends Error {}
class Unsupported extends Error {}
const unsupported = (why: string): never => {
  throw new Unsupported(why);
};

// ------------------------------------------------------------------------------------------------------
// Values: FHIRPath over the R5 model
// ------------------------------------------------------------------------------------------------------

/** One value of a parameter in a resource: its FHIR type (from the R5 model) and its JSON. */
interface Value {
  type: string;
  data: unknown;
  /**
   * Kept by `where(resolve() is T)` only on the strength of `Reference.type`: a logical reference cannot be
   * resolved, so whether FHIRPath keeps it is open (the store keeps it, docs/search.md "patient keeps …").
   */
  uncertain?: boolean;
}

interface FpNode {
  data: unknown;
  fhirNodeDataType?: string | null;
}

const compiled = new Map<string, (r: Resource) => unknown[]>();

/**
 * The values of `param` in `resource`. Only the branches of the (possibly multi-resource) expression that
 * start with the resource's type or Resource/DomainResource are evaluated. `X.where(resolve() is T)` is
 * evaluated as `X` filtered on references that name type T, since search never resolves references
 * (docs/search.md, "patient keeps references whose type is Patient"; R5 fhirpath `resolve()`).
 */
function valuesOf(param: RefParameter, resource: Resource): Value[] {
  const out: Value[] = [];
  for (const raw of param.expression.split(' | ')) {
    const branch = raw.trim();
    if (![resource.resourceType, 'Resource', 'DomainResource'].some((t) => branch.startsWith(`${t}.`))) continue;
    const m = /^(.*)\.where\(resolve\(\) is (\w+)\)$/.exec(branch);
    const path = m ? m[1]! : branch;
    let fn = compiled.get(path);
    if (fn === undefined) {
      const f = fhirpath.compile(path, r5, { resolveInternalTypes: false });
      fn = (r: Resource) => f(r) as unknown[];
      compiled.set(path, fn);
    }
    for (const node of fn(resource) as FpNode[]) {
      const v: Value = { type: node.fhirNodeDataType ?? 'unknown', data: node.data };
      if (m) {
        if (v.type !== 'Reference') continue;
        const ref = v.data as Ref;
        const literalType = ref.reference === undefined ? undefined : literal(ref.reference);
        if (literalType !== undefined && 'type' in literalType) {
          if (literalType.type !== m[2]) continue;
        } else if (ref.type === m[2]) v.uncertain = true;
        else continue;
      }
      out.push(v);
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------------
// Values of a search: escaping (search.html#escaping), OR lists
// ------------------------------------------------------------------------------------------------------

/** Splits on `sep` where not escaped; escapes stay in the pieces. `\` before anything else is an error. */
function splitEscaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const next = s[i + 1];
      if (next === undefined || !',$|\\'.includes(next)) throw new Invalid(`bad escape in ${s}`);
      cur += c + next;
      i++;
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}
const unescape = (s: string): string => s.replace(/\\(.)/g, '$1');

// ------------------------------------------------------------------------------------------------------
// Strings (search.html#string): case- and accent-insensitive; punctuation and whitespace MAY be ignored
// ------------------------------------------------------------------------------------------------------

const fold = (s: string): string => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
/** As far as R5 allows a server to go: also ignoring punctuation and whitespace. */
const loose = (s: string): string => fold(s).replace(/[^\p{L}\p{N}]/gu, '');

function startsWith(target: string, q: string): Truth {
  if (fold(target).startsWith(fold(q))) return 'yes';
  return loose(target).startsWith(loose(q)) ? 'open' : 'no';
}
function contains(target: string, q: string): Truth {
  if (fold(target).includes(fold(q))) return 'yes';
  return loose(target).includes(loose(q)) ? 'open' : 'no';
}

/** The strings of a value for string search: a HumanName's parts, or the string itself. */
function stringsOf(v: Value): string[] {
  if (typeof v.data === 'string') return [v.data];
  if (v.type === 'HumanName') {
    const n = v.data as { family?: string; given?: string[]; prefix?: string[]; suffix?: string[]; text?: string };
    return [n.family, ...(n.given ?? []), ...(n.prefix ?? []), ...(n.suffix ?? []), n.text].filter((s): s is string => s !== undefined);
  }
  throw new Unsupported(`string search on ${v.type}`);
}

// ------------------------------------------------------------------------------------------------------
// Tokens (search.html#token)
// ------------------------------------------------------------------------------------------------------

interface Coding {
  system?: string;
  code?: string;
  display?: string;
}
interface Identifier {
  system?: string;
  value?: string;
  type?: { coding?: Coding[]; text?: string };
}
/** A coded thing in a token search: a Coding, an Identifier (value as code), or a bare code. */
interface Coded {
  kind: 'coding' | 'identifier' | 'code';
  system?: string | undefined;
  code?: string | undefined;
  /** The text R5's `:text` reads (CodeableConcept.text, Coding.display, Identifier.type text). */
  texts: string[];
  identifier?: Identifier;
}

function codedOf(v: Value): Coded[] {
  switch (v.type) {
    case 'Coding': {
      const c = v.data as Coding;
      return [{ kind: 'coding', system: c.system, code: c.code, texts: c.display ? [c.display] : [] }];
    }
    case 'CodeableConcept': {
      const cc = v.data as { coding?: Coding[]; text?: string };
      const codings = (cc.coding ?? []).map((c): Coded => ({ kind: 'coding', system: c.system, code: c.code, texts: c.display ? [c.display] : [] }));
      // The CodeableConcept's own text belongs to it, not to one coding.
      return [...codings, { kind: 'coding', texts: cc.text ? [cc.text] : [] }];
    }
    case 'Identifier': {
      const i = v.data as Identifier;
      const texts = [i.type?.text, ...(i.type?.coding ?? []).map((c) => c.display)].filter((s): s is string => s !== undefined);
      return [{ kind: 'identifier', system: i.system, code: i.value, texts, identifier: i }];
    }
    case 'code':
    case 'id':
    case 'string':
    case 'uri':
    case 'System.String':
      return [{ kind: 'code', code: v.data as string, texts: [] }];
    default:
      throw new Unsupported(`token search on ${v.type}`);
  }
}

/** `[code]`, `[system]|[code]`, `|[code]`, `[system]|` against one coded thing. */
function tokenMatch(c: Coded, q: string): Truth {
  const parts = splitEscaped(q, '|').map(unescape);
  if (parts.length > 2) throw new Unsupported(`token value with two bars: ${q}`);
  if (parts.length === 1) return truth(c.code !== undefined && c.code === parts[0]);
  // A bare code's system is implied by its binding (search.html#token); this reference has no bindings.
  if (c.kind === 'code') throw new Unsupported(`system|code on a bare code: ${q}`);
  const [system, code] = parts as [string, string];
  if (system === '') return truth(c.system === undefined && c.code === code);
  if (code === '') return truth(c.system === system);
  return truth(c.system === system && c.code === code);
}

/** `:text`: basic string matching on the text of the code (search.html#modifiertext). */
function tokenText(c: Coded, q: string): Truth {
  // A bare code's text is its display in the code system, which a server may look up or not.
  if (c.kind === 'code') return 'open';
  return anyOf(c.texts.map((t) => startsWith(t, unescape(q))));
}

/** `:of-type` `[system]|[code]|[value]` on an Identifier (search.html#modifierOfType). */
function ofType(c: Coded, q: string): Truth {
  const parts = splitEscaped(q, '|').map(unescape);
  if (parts.length !== 3 || parts.some((p) => p === '')) throw new Invalid(`:of-type needs system|code|value: ${q}`);
  const [system, code, value] = parts as [string, string, string];
  if (c.kind !== 'identifier' || c.identifier === undefined) return 'no';
  const typed = (c.identifier.type?.coding ?? []).some((t) => t.system === system && t.code === code);
  return truth(typed && c.identifier.value === value);
}

// ------------------------------------------------------------------------------------------------------
// References (search.html#reference) and canonicals (search.html#versions)
// ------------------------------------------------------------------------------------------------------

interface Ref {
  reference?: string;
  type?: string;
  identifier?: Identifier;
  display?: string;
}

/** The store's base URL, set by {@link referenceSearch} for the query it answers. */
let BASE = '';

/** A literal reference as type and id when it is local (relative, or absolute on the base), else its URL. */
function literal(reference: string): { type: string; id: string } | { url: string } {
  const rel = reference.startsWith(`${BASE}/`) ? reference.slice(BASE.length + 1) : reference;
  const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(rel);
  return m ? { type: m[1]!, id: m[2]! } : { url: reference };
}

function referenceMatch(r: Ref, q: string): Truth {
  if (q.includes('/_history/')) throw new Unsupported('versioned reference');
  if (r.reference === undefined) return 'no'; // a logical reference: only :identifier reaches it
  const target = literal(r.reference);
  const wanted = literal(q);
  if ('type' in wanted) return truth('type' in target && target.type === wanted.type && target.id === wanted.id);
  if (/^[a-z][a-z0-9+.-]*:/i.test(q)) return truth(r.reference === q); // absolute, on another server
  return truth('id' in target && target.id === q); // a bare id: any type
}

function canonicalMatch(stored: string, q: string): Truth {
  const [url] = stored.split('|');
  return truth(q.includes('|') ? stored === q : url === q);
}

// ------------------------------------------------------------------------------------------------------
// URIs (search.html#uri)
// ------------------------------------------------------------------------------------------------------

const isUrn = (s: string): boolean => s.startsWith('urn:');

/** `:below`: the URI or one under it. A prefix that ends inside a path segment is left open. */
function below(target: string, q: string): Truth {
  if (target === q) return 'yes';
  if (isUrn(q) || isUrn(target)) return 'no'; // "these modifiers only apply to URLs, not URNs"
  if (!target.startsWith(q)) return 'no';
  return q.endsWith('/') || target[q.length] === '/' ? 'yes' : 'open';
}
const above = (target: string, q: string): Truth => below(q, target);

// ------------------------------------------------------------------------------------------------------
// Dates (search.html#date, search.html#prefix)
// ------------------------------------------------------------------------------------------------------

interface Range {
  low: number;
  high: number;
}

const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** The store's zone offset in ms, set by {@link referenceSearch} for the query it answers. */
let ZONE_OFFSET = 0;

/**
 * The range a date, dateTime or search value covers at its precision (ms, inclusive). Without an offset
 * the store's time zone applies ("where neither has a time zone, the server's local time zone should be
 * assumed").
 */
function dateRange(text: string): Range | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const num = (x: string | undefined, dflt: number): number => (x === undefined ? dflt : Number(x));
  const year = Number(y);
  const month = num(mo, 1);
  const day = num(d, 1);
  const hour = num(h, 0);
  const minute = num(mi, 0);
  const second = num(s, 0);
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > days || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  let offset = ZONE_OFFSET;
  if (zone === 'Z') offset = 0;
  else if (zone !== undefined) offset = (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  const low = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset;
  let next: number;
  if (mo === undefined) next = Date.UTC(year + 1, 0, 1) - offset;
  else if (d === undefined) next = Date.UTC(year, month, 1) - offset;
  else if (h === undefined) next = Date.UTC(year, month - 1, day + 1) - offset;
  else if (s === undefined) next = low + 60_000;
  else if (frac === undefined) next = low + 1000;
  else next = low + Math.max(1, 10 ** (3 - Math.min(frac.length, 3)));
  return { low, high: next - 1 };
}

/** The range of a value in a resource: an instant is a point (search.html#date), others their precision. */
function valueRange(v: Value): Range {
  switch (v.type) {
    case 'instant': {
      const r = dateRange(v.data as string);
      if (!r) throw new Error(`bad instant in data: ${String(v.data)}`);
      return { low: r.low, high: r.low };
    }
    case 'date':
    case 'dateTime': {
      const r = dateRange(v.data as string);
      if (!r) throw new Error(`bad date in data: ${String(v.data)}`);
      return r;
    }
    case 'Period': {
      const p = v.data as { start?: string; end?: string };
      return { low: p.start ? dateRange(p.start)!.low : -Infinity, high: p.end ? dateRange(p.end)!.high : Infinity };
    }
    default:
      throw new Unsupported(`date search on ${v.type}`);
  }
}

const PREFIX = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.*)$/;

/** A date search value against a target range, by the R5 prefix table (search.html#prefix). */
function dateMatch(t: Range, q: string, now: number): Truth {
  const [, prefix = 'eq', text = ''] = PREFIX.exec(q)!;
  const s = dateRange(text);
  if (s === undefined) throw new Invalid(`not a date: ${q}`);
  const contains = s.low <= t.low && t.high <= s.high;
  const overlaps = (a: Range): boolean => a.low <= t.high && t.low <= a.high;
  switch (prefix) {
    case 'eq': // the range of the search value fully contains the range of the target value
      return truth(contains);
    case 'ne':
      return truth(!contains);
    case 'gt': // the range above the search value intersects the range of the target value
      return truth(t.high > s.high);
    case 'lt': // the range below the search value intersects the range of the target value
      return truth(t.low < s.low);
    case 'ge':
      return truth(t.high > s.high || contains);
    case 'le':
      return truth(t.low < s.low || contains);
    case 'sa': // does not overlap, and the range above the search value contains the target
      return truth(t.low > s.high);
    case 'eb':
      return truth(t.high < s.low);
    default: {
      // ap: overlapping is approximately equal; how far beyond is the server's choice, R5 recommending
      // 10% of the gap between now and the date: anything within 10% of the larger gap is left open.
      if (overlaps(s)) return 'yes';
      const margin = 0.1 * Math.max(Math.abs(now - s.low), Math.abs(now - s.high));
      return overlaps({ low: s.low - margin, high: s.high + margin }) ? 'open' : 'no';
    }
  }
}

// ------------------------------------------------------------------------------------------------------
// Clauses
// ------------------------------------------------------------------------------------------------------

type Clause = (resource: Resource) => Truth;

const TOKEN_UNCOVERED = new Set(['code-text', 'text-advanced']);

/**
 * `:in`: the Coding's system and code are in the ValueSet (search.html#modifierin). A bare code takes the
 * system of its binding, which this reference does not read: left to the table tests.
 */
function inValueSet(c: Coded, members: (system: string, code: string) => boolean): Truth {
  if (c.kind === 'code') throw new Unsupported(':in on a bare code');
  return truth(c.kind === 'coding' && c.system !== undefined && c.code !== undefined && members(c.system, c.code));
}

function clause(type: string, name: string, value: string, env: RefEnv): Clause {
  if (name.includes('.') || name.startsWith('_has') || ['_text', '_content', '_filter', '_type', '_list', '_in', '_query'].includes(name))
    throw new Unsupported(`${name}: chains, _has and special parameters are not covered`);
  const colon = name.indexOf(':');
  const code = colon < 0 ? name : name.slice(0, colon);
  const modifier = colon < 0 ? undefined : name.slice(colon + 1);
  const param = refParameter(type, code);
  if (param === undefined) throw new Unsupported(`unknown parameter ${type}.${code}`);
  const values = splitEscaped(value, ',');
  const valuesIn = (r: Resource): Value[] => valuesOf(param, r);

  if (modifier === 'missing') {
    if (values.some((v) => v !== 'true' && v !== 'false')) throw new Invalid(':missing takes true or false');
    return (r) => {
      const vs = valuesIn(r);
      const certain = vs.filter((v) => v.uncertain !== true).length;
      const missing: Truth = vs.length === 0 ? 'yes' : certain === 0 ? 'open' : 'no';
      return anyOf(values.map((v) => (v === 'true' ? missing : not(missing))));
    };
  }
  /** Any value of the resource matches any value of the search; a match on an uncertain value is open. */
  const any = (r: Resource, test: (v: Value, q: string) => Truth): Truth => {
    const vs = valuesIn(r);
    return anyOf(values.flatMap((q) => vs.map((v) => {
      const t = test(v, q);
      return v.uncertain === true && t === 'yes' ? 'open' : t;
    })));
  };

  switch (param.type) {
    case 'token': {
      if (modifier !== undefined && TOKEN_UNCOVERED.has(modifier)) throw new Unsupported(`token :${modifier}`);
      if (modifier === undefined) return (r) => any(r, (v, q) => anyOf(codedOf(v).map((c) => tokenMatch(c, q))));
      if (modifier === 'not') return (r) => not(any(r, (v, q) => anyOf(codedOf(v).map((c) => tokenMatch(c, q)))));
      if (modifier === 'text') return (r) => any(r, (v, q) => anyOf(codedOf(v).map((c) => tokenText(c, q))));
      if (modifier === 'in' || modifier === 'not-in') {
        const members = values.map((q) => valueSetMembers(unescape(q)) ?? unsupported(`ValueSet ${q} is not in data/`));
        const isIn = (r: Resource): Truth => anyOf(valuesIn(r).flatMap((v) => codedOf(v).flatMap((c) => members.map((m) => inValueSet(c, m)))));
        return modifier === 'in' ? isIn : (r) => not(isIn(r));
      }
      if (modifier === 'below' || modifier === 'above') {
        // The CodeSystems in data/ are flat (no concept has children): a code subsumes only itself.
        for (const q of values) {
          const [system, code] = splitEscaped(q, '|').map(unescape);
          if (system === undefined || code === undefined || !codeSystemCodes(system)) throw new Unsupported(`:${modifier} outside the CodeSystems in data/`);
        }
        return (r) => any(r, (v, q) => anyOf(codedOf(v).map((c) => (c.kind === 'code' ? unsupported(':below on a bare code') : tokenMatch(c, q)))));
      }
      if (modifier === 'of-type') {
        values.forEach((q) => ofType({ kind: 'code', texts: [] }, q)); // validates every value up front
        return (r) => any(r, (v, q) => anyOf(codedOf(v).map((c) => ofType(c, q))));
      }
      throw new Invalid(`:${modifier} is not a token modifier`);
    }
    case 'string': {
      if (modifier === undefined) return (r) => any(r, (v, q) => anyOf(stringsOf(v).map((s) => startsWith(s, unescape(q)))));
      if (modifier === 'exact') return (r) => any(r, (v, q) => anyOf(stringsOf(v).map((s) => truth(s === unescape(q)))));
      if (modifier === 'contains') return (r) => any(r, (v, q) => anyOf(stringsOf(v).map((s) => contains(s, unescape(q)))));
      if (modifier === 'text') throw new Unsupported('string :text');
      throw new Invalid(`:${modifier} is not a string modifier`);
    }
    case 'uri': {
      const uriOf = (v: Value): string => v.data as string;
      if (modifier === undefined) return (r) => any(r, (v, q) => truth(uriOf(v) === unescape(q)));
      if (modifier === 'below') return (r) => any(r, (v, q) => below(uriOf(v), unescape(q)));
      if (modifier === 'above') return (r) => any(r, (v, q) => above(uriOf(v), unescape(q)));
      // :contains on a uri: R5 does not say whether case counts, so a match ignoring case is open.
      if (modifier === 'contains')
        return (r) =>
          any(r, (v, q) => (uriOf(v).includes(unescape(q)) ? 'yes' : uriOf(v).toLowerCase().includes(unescape(q).toLowerCase()) ? 'open' : 'no'));
      throw new Unsupported(`uri :${modifier}`);
    }
    case 'date': {
      if (modifier !== undefined) throw new Invalid(`:${modifier} on a date`);
      values.forEach((q) => dateMatch({ low: 0, high: 0 }, q, env.now)); // validates every value up front
      return (r) => any(r, (v, q) => dateMatch(valueRange(v), q, env.now));
    }
    case 'reference': {
      const onRef = (test: (ref: Ref, q: string) => Truth) => (v: Value, q: string): Truth => {
        if (v.type === 'canonical') return test({ reference: v.data as string }, q);
        if (v.type !== 'Reference') throw new Unsupported(`reference search on ${v.type}`);
        return test(v.data as Ref, q);
      };
      const canonical = param.target?.includes('StructureDefinition') === true;
      if (modifier === undefined)
        return (r) => any(r, onRef((ref, q) => (canonical ? canonicalMatch(ref.reference ?? '', unescape(q)) : referenceMatch(ref, unescape(q)))));
      if (modifier === 'identifier')
        return (r) => any(r, onRef((ref, q) => (ref.identifier ? anyOf(codedOf({ type: 'Identifier', data: ref.identifier }).map((c) => tokenMatch(c, q))) : 'no')));
      if (modifier === 'text') return (r) => any(r, onRef((ref, q) => (ref.display ? startsWith(ref.display, unescape(q)) : 'no')));
      if (/^[A-Z]/.test(modifier)) {
        if (!param.target?.includes(modifier)) throw new Invalid(`${modifier} is not a target of ${code}`);
        return (r) => any(r, onRef((ref, q) => referenceMatch(ref, `${modifier}/${unescape(q)}`)));
      }
      throw new Unsupported(`reference :${modifier}`);
    }
    default:
      throw new Unsupported(`${param.type} parameters`);
  }
}

/**
 * What R5 says `type?params` matches among `resources` (all of that type), each param ANDed, each
 * comma-separated value ORed.
 */
export function referenceSearch(type: string, params: readonly (readonly [string, string])[], resources: readonly Resource[], env: RefEnv): RefOutcome {
  BASE = env.baseUrl;
  ZONE_OFFSET = env.zoneOffsetMinutes * 60_000;
  const clauses: Clause[] = [];
  let unsupported: string | undefined;
  for (const [name, value] of params) {
    try {
      clauses.push(clause(type, name, value, env));
    } catch (e) {
      if (e instanceof Invalid) return { kind: 'invalid', why: e.message };
      if (e instanceof Unsupported) unsupported ??= e.message;
      else throw e;
    }
  }
  if (unsupported !== undefined) return { kind: 'unsupported', why: unsupported };
  try {
    const truths = new Map<string, Truth>();
    for (const r of resources) truths.set(r.id!, allOf(clauses.map((c) => c(r))));
    return { kind: 'ok', truths };
  } catch (e) {
    if (e instanceof Unsupported) return { kind: 'unsupported', why: e.message };
    if (e instanceof Invalid) return { kind: 'invalid', why: e.message };
    throw e;
  }
}
