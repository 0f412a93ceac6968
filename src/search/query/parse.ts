import { badRequest } from '../../errors/fhir-error.js';
import { isResourceType } from '../../model/resource-types.js';
import type { CompiledSearchParameter } from '../parameters/types.js';
import { splitOr } from './escape.js';
import {
  DEFAULT_COUNT,
  MAX_COUNT,
  type ChainClause,
  type Clause,
  type HasClause,
  type IncludeSpec,
  type ParamClause,
  type SearchQuery,
  type SortKey,
  type SummaryMode,
  type TextClause,
  type TotalMode,
} from './search-query.js';
import type { SearchRegistry } from '../parameters/registry.js';

/** How unknown parameters are treated (`Prefer: handling=`, https://hl7.org/fhir/R5/search.html#errors). */
export type Handling = 'strict' | 'lenient';

/** The modifiers each parameter type supports here; anything else answers 400 (R5 search.html#modifiers). */
const MODIFIERS: Record<string, ReadonlySet<string>> = {
  token: new Set(['missing', 'not', 'text', 'of-type', 'in', 'not-in', 'above', 'below']),
  reference: new Set(['missing', 'identifier', 'text']),
  date: new Set(['missing']),
  string: new Set(['missing', 'exact', 'contains']),
  uri: new Set(['missing', 'below', 'above', 'contains']),
};

/** Parameters accepted and ignored: the answer is always JSON. */
const IGNORED = new Set(['_format', '_pretty']);

/** What parsing needs from the store. */
interface ParseContext {
  registry: SearchRegistry;
  handling: Handling;
  /** Whether `name` is an element of `type` (for `_elements`). */
  isKnownElement?: (type: string, name: string) => boolean;
}

/** A parsed query plus the parameters it applied, for the `self` link (https://hl7.org/fhir/R5/search.html#return). */
export interface ParsedSearch extends SearchQuery {
  /** The name/value pairs applied, in order, without `_page`. */
  used: [string, string][];
}

const fail = (name: string, why: string) => badRequest(`Search parameter '${name}': ${why}`, [name]);

/**
 * Bounds on one search, so one request cannot hold the database for minutes (each value is an index read):
 * the characters of every name and value together, the parameters, and the OR values of one parameter.
 * Far above what any real query needs (the R5 search page sets no limits; servers do).
 */
export const SEARCH_LIMITS = { chars: 32 * 1024, parameters: 100, orValues: 5000 } as const;

/**
 * Parses the query of a search into the one model planning, matching and links share. Empty values are
 * ignored (R5 search.html#errors); an unknown parameter is a 400 unless `handling` is `lenient`; an
 * unsupported modifier always is.
 * @see https://hl7.org/fhir/R5/search.html
 */
export function parseSearch(types: string[], params: Iterable<[string, string]>, ctx: ParseContext): ParsedSearch {
  const query: ParsedSearch = { types, clauses: [], count: DEFAULT_COUNT, sort: [], include: [], ignored: [], used: [] };
  const unknown = (name: string, why: string): void => {
    if (ctx.handling === 'lenient') query.ignored.push(name);
    else throw fail(name, why);
  };
  const seen = new Set<string>();
  const pairs = [...params];
  const chars = pairs.reduce((n, [name, value]) => n + name.length + value.length + 2, 0);
  if (chars > SEARCH_LIMITS.chars) throw badRequest(`The search is too long: ${chars} characters of parameters, at most ${SEARCH_LIMITS.chars}`);
  if (pairs.length > SEARCH_LIMITS.parameters) throw badRequest(`The search has ${pairs.length} parameters, at most ${SEARCH_LIMITS.parameters}`);
  for (const [name, value] of pairs) {
    if (value === '' || IGNORED.has(name)) continue;
    if (name.startsWith('_') && resultParameter(query, name, value, seen, ctx, unknown)) continue;
    const clause = parseClause(types, name, value, ctx, unknown);
    if (clause) {
      query.clauses.push(clause);
      query.used.push([name, value]);
    }
  }
  if (query.summary === 'text' && query.include.length > 0) {
    throw badRequest('_include and _revinclude cannot be combined with _summary=text', ['_summary']);
  }
  return query;
}

/** Handles a result parameter; false when `name` is not one (it is then a search parameter like `_id`). */
function resultParameter(
  query: ParsedSearch,
  name: string,
  value: string,
  seen: Set<string>,
  ctx: ParseContext,
  unknown: (name: string, why: string) => void,
): boolean {
  const base = name.split(':')[0]!;
  const once = (): void => {
    if (seen.has(name)) throw fail(name, 'may appear only once');
    seen.add(name);
  };
  switch (base) {
    case '_count': {
      once();
      if (!/^\d+$/.test(value)) throw fail(name, `must be a non-negative integer, got '${value}'`);
      const n = Number(value);
      query.count = Math.min(n, MAX_COUNT);
      if (n === 0) query.summary = 'count';
      query.used.push([name, String(query.count)]); // the self link shows what was applied
      return true;
    }
    case '_summary':
      once();
      if (!['true', 'text', 'data', 'count', 'false'].includes(value)) throw fail(name, `must be true, text, data, count or false, got '${value}'`);
      if (query.summary !== 'count') query.summary = value as SummaryMode;
      break;
    case '_total':
      once();
      if (!['none', 'estimate', 'accurate'].includes(value)) throw fail(name, `must be none, estimate or accurate, got '${value}'`);
      query.total = value as TotalMode;
      break;
    case '_page':
      query.page = value;
      return true; // not part of `used`: links add their own
    case '_sort':
      once();
      query.sort = value.split(',').map((raw) => sortKey(query.types, raw, ctx));
      break;
    case '_elements': {
      once();
      const known = (n: string): boolean =>
        !ctx.isKnownElement ||
        (n.includes('.')
          ? ctx.isKnownElement(n.slice(0, n.indexOf('.')), n.slice(n.indexOf('.') + 1))
          : query.types.some((t) => ctx.isKnownElement!(t, n)));
      const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
      const applied: string[] = [];
      for (const n of names) {
        if (known(n)) applied.push(n);
        else unknown(`${name}=${n}`, `'${n}' is not an element of ${query.types.join(', ')}`);
      }
      if (applied.length === 0) return true;
      query.elements = applied;
      query.used.push([name, applied.join(',')]);
      return true;
    }
    case '_include':
    case '_revinclude':
      for (const raw of splitOr(value)) query.include.push(includeSpec(name, raw, query.types, ctx));
      break;
    default:
      return false;
  }
  query.used.push([name, value]);
  return true;
}

function sortKey(types: string[], raw: string, ctx: ParseContext): SortKey {
  const descending = raw.startsWith('-');
  const [code = '', modifier] = (descending ? raw.slice(1) : raw).split(':');
  if (modifier !== undefined) throw fail('_sort', `sorting by '${code}:${modifier}' is not supported`);
  if (code === '_score' || code === '_id' || code === '_lastUpdated') return { code, descending };
  // In a system search a type without the parameter sorts its resources last.
  const param = types.map((t) => ctx.registry.get(t, code)).find((p) => p !== undefined);
  if (!param) throw fail('_sort', `'${code}' is not a search parameter of ${types.join(', ')}`);
  if (!['token', 'reference', 'date', 'string', 'uri'].includes(param.type)) throw fail('_sort', `cannot sort on '${code}'`);
  return { code, descending, param };
}

function includeSpec(name: string, raw: string, types: string[], ctx: ParseContext): IncludeSpec {
  const [base, modifier] = name.split(':');
  if (modifier !== undefined && modifier !== 'iterate') throw fail(name, `unsupported modifier ':${modifier}'`);
  const reverse = base === '_revinclude';
  if (raw === '*') return { raw, reverse, iterate: modifier === 'iterate', sourceType: '*', param: '*' };
  const [sourceType = '', param = '', targetType, ...rest] = raw.split(':');
  if (rest.length > 0 || !isResourceType(sourceType) || param === '') throw fail(name, `'${raw}' is not Type:param[:targetType]`);
  if (param !== '*') {
    const def = ctx.registry.get(sourceType, param);
    if (!def || def.type !== 'reference') throw fail(name, `${sourceType} has no reference parameter '${param}'`);
  }
  if (targetType !== undefined && !isResourceType(targetType)) throw fail(name, `'${targetType}' is not a resource type`);
  if (!reverse && !types.includes(sourceType) && modifier !== 'iterate') {
    throw fail(name, `${sourceType} is not the type searched (${types.join(', ')}); use _include:iterate`);
  }
  return { raw, reverse, iterate: modifier === 'iterate', sourceType, param, ...(targetType ? { targetType } : {}) };
}

/** Parses one search parameter (plain, chained or reverse-chained) for every searched type. */
function parseClause(types: string[], name: string, value: string, ctx: ParseContext, unknown: (n: string, why: string) => void): Clause | undefined {
  const type = types[0]!;
  if (types.length > 1) {
    // System search: only parameters that every searched type has (R5 search.html#searchcontexts).
    for (const t of types.slice(1)) {
      const c = name.split(/[.:]/)[0]!;
      if (!isEngineHandled(c) && !ctx.registry.get(t, c)) {
        unknown(name, `is not a parameter of every type searched (${t} has none)`);
        return undefined;
      }
    }
  }
  try {
    return clauseFor(type, name, value, ctx);
  } catch (e) {
    if (e instanceof UnknownParameter) {
      unknown(name, e.message);
      return undefined;
    }
    throw e;
  }
}

class UnknownParameter extends Error {}

/** The full-text parameters (R5 search.html#text and #content), answered by the engine rather than the registry. */
const FULL_TEXT = new Set(['_text', '_content']);

/** Whether the engine answers `code` itself (reverse chaining and full text), so no registry entry is needed. */
const isEngineHandled = (code: string): boolean => code === '_has' || FULL_TEXT.has(code);

/**
 * Parses one search parameter of `type` by its kind: full text, reverse chain (`_has`), chain (`ref.inner`)
 * or a plain parameter with an optional modifier. Throws {@link UnknownParameter} when `type` has no such parameter.
 * @see https://hl7.org/fhir/R5/search.html
 */
function clauseFor(type: string, name: string, value: string, ctx: ParseContext): Clause {
  const text = fullTextClause(name, value);
  if (text) return text;
  if (name.startsWith('_has:')) return reverseChainClause(type, name, value, ctx);

  const dot = name.indexOf('.');
  const head = dot < 0 ? name : name.slice(0, dot);
  const [code = '', modifier] = head.split(':', 2) as [string, string | undefined];
  const param = ctx.registry.get(type, code);
  if (!param) throw new UnknownParameter(`unknown search parameter '${code}' for ${type}`);
  if (dot >= 0) return chainClause(name, param, code, modifier, name.slice(dot + 1), value, ctx);
  return parameterClause(name, param, code, modifier, value);
}

/**
 * `_text` / `_content`; undefined when `name` is not a full-text parameter. Modifiers on them answer 400.
 * @see https://hl7.org/fhir/R5/search.html#text
 */
function fullTextClause(name: string, value: string): TextClause | undefined {
  const base = name.split(':')[0]!;
  if (!FULL_TEXT.has(base)) return undefined;
  if (base !== name) throw fail(name, 'modifiers are not supported on full-text parameters');
  return { kind: 'text', name, field: name as TextClause['field'], value };
}

/**
 * `_has:Type:reference:parameter`: reverse chaining; `Type.reference` must be able to refer to `type`.
 * @see https://hl7.org/fhir/R5/search.html#has
 */
function reverseChainClause(type: string, name: string, value: string, ctx: ParseContext): HasClause {
  const [, refType = '', refCode = '', ...rest] = name.split(':');
  const innerName = rest.join(':');
  if (!isResourceType(refType) || refCode === '' || innerName === '') throw fail(name, 'must be _has:Type:reference:parameter');
  const ref = ctx.registry.get(refType, refCode);
  if (!ref || ref.type !== 'reference') throw fail(name, `${refType} has no reference parameter '${refCode}'`);
  if (ref.targets.length > 0 && !ref.targets.includes(type)) throw fail(name, `${refType}.${refCode} cannot refer to ${type}`);
  return { kind: 'has', name, type: refType, ref, inner: clauseFor(refType, innerName, value, ctx) };
}

/**
 * `reference[:Type].inner`: chaining, one branch per target type that has the inner parameter (`:Type` picks one).
 * @see https://hl7.org/fhir/R5/search.html#chaining
 */
function chainClause(
  name: string,
  param: CompiledSearchParameter,
  code: string,
  modifier: string | undefined,
  innerName: string,
  value: string,
  ctx: ParseContext,
): ChainClause {
  if (param.type !== 'reference') throw fail(name, `'${code}' is not a reference parameter, so it cannot be chained`);
  let targets = param.targets;
  if (modifier !== undefined) {
    if (!isResourceType(modifier) || (targets.length > 0 && !targets.includes(modifier))) throw fail(name, `'${modifier}' is not a target of '${code}'`);
    targets = [modifier];
  }
  const innerCode = innerName.split(/[.:]/)[0]!;
  const viable = targets.filter((t) => isEngineHandled(innerCode) || ctx.registry.get(t, innerCode));
  if (viable.length === 0) throw fail(name, `no target of '${code}' (${targets.join(', ') || 'any'}) has a parameter '${innerCode}'`);
  return { kind: 'chain', name, param, branches: viable.map((t) => ({ type: t, inner: clauseFor(t, innerName, value, ctx) })) };
}

/**
 * `code[:modifier]=v1,v2`: a plain parameter of a supported type, its OR values split.
 * @see https://hl7.org/fhir/R5/search.html#ptypes
 */
function parameterClause(name: string, param: CompiledSearchParameter, code: string, modifier: string | undefined, value: string): ParamClause {
  const values = splitOr(value);
  if (values.length > SEARCH_LIMITS.orValues) throw fail(name, `${values.length} values, at most ${SEARCH_LIMITS.orValues} (split the search)`);
  if (modifier !== undefined) checkModifier(name, param, code, modifier, values);
  if (param.type === 'special' || !MODIFIERS[param.type]) throw fail(name, `parameters of type ${param.type} are not supported`);
  return { kind: 'param', name, param, ...(modifier !== undefined ? { modifier } : {}), values };
}

/**
 * A modifier must be one this parameter type supports here, or a target type of a reference parameter;
 * `:missing` takes exactly `true` or `false`.
 * @see https://hl7.org/fhir/R5/search.html#modifiers
 */
function checkModifier(name: string, param: CompiledSearchParameter, code: string, modifier: string, values: string[]): void {
  const isTypeModifier = param.type === 'reference' && isResourceType(modifier);
  if (!isTypeModifier && !MODIFIERS[param.type]?.has(modifier)) throw fail(name, `modifier ':${modifier}' is not supported on ${param.type} parameter '${code}'`);
  if (isTypeModifier && param.targets.length > 0 && !param.targets.includes(modifier)) throw fail(name, `'${modifier}' is not a target of '${code}'`);
  if (modifier === 'missing' && (values.length !== 1 || (values[0] !== 'true' && values[0] !== 'false'))) {
    throw fail(name, ':missing takes true or false');
  }
}

/** Formats applied parameters back into a query string; parsing it gives the same query. */
export function formatSearch(used: [string, string][], page?: string): string {
  const parts = used.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  if (page !== undefined) parts.push(`_page=${encodeURIComponent(page)}`);
  return parts.join('&');
}
