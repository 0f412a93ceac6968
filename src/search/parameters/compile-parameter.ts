import type { UserInvocationTable } from 'fhirpath';
import type { SearchParameter } from 'fhir/r5';
import { loadedFhirPath } from '../../model/fhirpath-engine.js';
import { R5_RESOURCE_TYPES } from '../../model/resource-types.js';
import type { CompiledSearchParameter, SearchParamType, TypedValue } from './types.js';
import { isTypeOrSubtype } from '../../model/r5-model.js';
import { compileSimplePaths, fhirTypeName, parseSimplePath, referencePointsTo, type PathExtractor } from './simple-path.js';

/**
 * How a compiled parameter reads its values: the property walker, fhirpath.js, or not at all (engine-handled).
 * @see https://hl7.org/fhir/R5/searchparameter-definitions.html#SearchParameter.expression
 */
type ExtractStrategy = 'simple-path' | 'fhirpath' | 'none';

/**
 * A {@link CompiledSearchParameter} that also says how it extracts (for diagnostics and benchmarks).
 * @see https://hl7.org/fhir/R5/searchparameter.html
 */
export interface CompiledSearchParameterInfo extends CompiledSearchParameter {
  strategy: ExtractStrategy;
}

/**
 * Parameters the search engine answers itself, without values extracted from the resource: full text,
 * reverse chaining, type, filter, named queries, list/group membership. Their `extract` returns [] even when
 * the R5 definition has an expression (`_in` is `Resource.id`, meaningless as an index of the resource).
 * @see https://hl7.org/fhir/R5/resource.html#search
 * @see https://hl7.org/fhir/R5/search.html#special
 */
const ENGINE_HANDLED_CODES: ReadonlySet<string> = new Set(['_text', '_content', '_has', '_type', '_filter', '_query', '_list', '_in']);

const DOMAIN_RESOURCE_TYPES: readonly string[] = [...R5_RESOURCE_TYPES].filter((t) => isTypeOrSubtype(t, 'DomainResource'));

/** The concrete R5 resource types a `base` entry stands for (`Resource` → all, `DomainResource` → all but 3). */
function concreteTypes(base: string): readonly string[] {
  if (base === 'Resource') return [...R5_RESOURCE_TYPES];
  if (base === 'DomainResource') return DOMAIN_RESOURCE_TYPES;
  return [base];
}

/** `sp.base` as strings (@types/fhir 0.0.44 types it with pre-R5 type names only). */
const basesOf = (sp: SearchParameter): readonly string[] => sp.base as readonly string[];

/**
 * Whether `resourceType` is covered by `sp.base`, directly or, for R5 resource types, through
 * Resource/DomainResource.
 * @see https://hl7.org/fhir/R5/searchparameter-definitions.html#SearchParameter.base
 */
export function searchParameterAppliesTo(sp: SearchParameter, resourceType: string): boolean {
  return basesOf(sp).some((b) => b === resourceType || ((b === 'Resource' || b === 'DomainResource') && R5_RESOURCE_TYPES.has(resourceType) && isTypeOrSubtype(resourceType, b)));
}

// ---------------------------------------------------------------------------------------------------------
// Branches of multi-resource expressions
// ---------------------------------------------------------------------------------------------------------

/**
 * Splits an expression on its top-level `|` (not inside parentheses, brackets, braces or quotes).
 * @see https://hl7.org/fhir/R5/fhirpath.html#union
 */
export function splitUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i]!;
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '`' || c === '"') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}

/** The leading type name of a branch, after any opening parentheses: `(Observation.value as X)` → Observation. */
const ROOT = /^(\(*\s*)([A-Za-z][A-Za-z0-9]*)(?=\s*\.)/;

/**
 * The branches of `expression` that apply to `resourceType`: those rooted at the type itself, or at
 * `Resource`/`DomainResource` (rewritten to the concrete type, so the model types `Resource.id` as the
 * resource's own `id`).
 * @see https://hl7.org/fhir/R5/searchparameter-definitions.html#SearchParameter.expression
 */
export function branchesFor(expression: string, resourceType: string): string[] {
  const out: string[] = [];
  for (const branch of splitUnion(expression)) {
    const m = ROOT.exec(branch);
    if (m === null) continue;
    const root = m[2]!;
    if (root === resourceType) out.push(branch);
    else if ((root === 'Resource' || root === 'DomainResource') && isTypeOrSubtype(resourceType, root)) {
      out.push(m[1]! + resourceType + branch.slice(m[0].length));
    }
  }
  return out;
}

/** The line for `resourceType` of a "Multiple Resources:" description, else the description itself. */
function descriptionFor(sp: SearchParameter, resourceType: string): string {
  const line = sp.description.split(/\r?\n/).find((l) => l.startsWith(`* [${resourceType}](`));
  return line === undefined ? sp.description : line.slice(line.indexOf('):') + 2).trim();
}

// ---------------------------------------------------------------------------------------------------------
// fhirpath.js fallback
// ---------------------------------------------------------------------------------------------------------

/** The parts of a fhirpath.js ResourceNode read here (`resolveInternalTypes: false` returns these). */
interface FpNode {
  data: unknown;
  propName?: string | null;
  parentResNode?: FpNode | null;
  fhirNodeDataType?: string | null;
  getTypeInfo?: () => { name?: string; namespace?: string } | undefined;
}

const isFpNode = (x: unknown): x is FpNode => x !== null && typeof x === 'object' && 'data' in x && 'parentResNode' in x;

/**
 * `refIs('T')`, the stand-in for `resolve() is T`: true when the single input Reference points at a `T`
 * (see {@link referencePointsTo}); empty for no input, an error for several (as `is` on a collection).
 */
const USER_FUNCTIONS: UserInvocationTable = {
  refIs: {
    fn: (inputs: unknown[], type: string) => {
      if (inputs.length === 0) return [];
      if (inputs.length > 1) throw new Error(`resolve() is ${type} expects a single Reference, got ${inputs.length}`);
      const input = inputs[0];
      return referencePointsTo(isFpNode(input) ? input.data : input, type);
    },
    arity: { 1: ['String'] },
    internalStructures: true,
  },
};

const RESOLVE_IS = /\bresolve\s*\(\s*\)\s+is\s+(?:FHIR\.)?([A-Za-z][A-Za-z0-9]*)/g;

/** Rewrites `resolve() is T` to `refIs('T')`; any other use of resolve() would need I/O, so it is refused. */
function withoutResolve(expression: string): string {
  const rewritten = expression.replace(RESOLVE_IS, "refIs('$1')");
  if (/\bresolve\s*\(/.test(rewritten)) {
    throw new TypeError(`Cannot compile "${expression}": resolve() is only supported as \`resolve() is T\` (search runs offline and never resolves references)`);
  }
  return rewritten;
}

/** Plain JS values returned by functions (`'a' + 'b'`, `exists()`), typed by their JS type. */
function jsTypeName(value: unknown): string {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return 'decimal';
  return 'string';
}

/** fhirpath.js wraps decimals/integers (FP_Decimal) even inside nodes: back to JSON numbers. */
function plain(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && 'toNumber' in value && typeof value.toNumber === 'function') return value.toNumber() as number;
  return value;
}

function toTypedValue(item: unknown): TypedValue | undefined {
  if (isFpNode(item)) {
    if (item.data === null || item.data === undefined) return undefined; // a primitive with only extensions
    const raw = item.fhirNodeDataType ?? item.getTypeInfo?.()?.name ?? 'Element';
    const parent = item.parentResNode?.data as { resourceType?: unknown } | null | undefined;
    const isResourceId = item.propName === 'id' && typeof parent?.resourceType === 'string';
    return { type: fhirTypeName(raw, isResourceId), value: plain(item.data) };
  }
  if (item === null || item === undefined) return undefined;
  if (typeof item === 'object') {
    // FP_DateTime, FP_Quantity, FP_Decimal…: System type from fhirpath.js, value as plain JS.
    const { fhirpath } = loadedFhirPath();
    const [systemType] = fhirpath.types([item]) as string[];
    const [value] = fhirpath.resolveInternalTypes([item]) as unknown[];
    return { type: fhirTypeName(systemType ?? 'System.String'), value };
  }
  return { type: jsTypeName(item), value: item };
}

/**
 * Compiles `expression` with fhirpath.js against the R5 model, synchronous, with `resolve() is T` replaced by
 * the offline Reference test. The engine must be loaded (`loadFhirPath()`; the search registry's `register` does
 * it when {@link needsFhirPath} says so). Parsing happens now (a syntax error throws a TypeError); the evaluator is built
 * on first use, since fhirpath.js compilation costs about half a millisecond.
 * Exported for the property test that holds the fast path to fhirpath.js semantics.
 * @see https://hl7.org/fhir/R5/fhirpath.html
 */
export function compileWithFhirPath(expression: string, label = expression): PathExtractor {
  const rewritten = withoutResolve(expression);
  const { fhirpath, model } = loadedFhirPath();
  try {
    fhirpath.parse(rewritten);
  } catch (e) {
    throw new TypeError(`Cannot compile "${label}": ${(e as Error).message}`);
  }
  let evaluate: ((resource: unknown) => unknown[]) | undefined;
  return (resource) => {
    evaluate ??= fhirpath.compile(rewritten, model, { resolveInternalTypes: false, async: false, userInvocationTable: USER_FUNCTIONS }) as (r: unknown) => unknown[];
    let result: unknown[];
    try {
      result = evaluate(resource);
    } catch (e) {
      throw new Error(`Evaluating "${label}" on ${resource.resourceType}/${resource.id ?? ''} failed: ${(e as Error).message}`);
    }
    const out: TypedValue[] = [];
    for (const item of result) {
      const typed = toTypedValue(item);
      if (typed !== undefined) out.push(typed);
    }
    return out;
  };
}

// ---------------------------------------------------------------------------------------------------------
// Compiling SearchParameters
// ---------------------------------------------------------------------------------------------------------

const NONE: PathExtractor = () => [];

interface Plan {
  expression: string | undefined;
  strategy: ExtractStrategy;
  extract: PathExtractor;
}

/** Chooses the fast walker when every branch is a plain path the model can type, else fhirpath.js. */
function plan(sp: SearchParameter, resourceType: string): Plan {
  const p = planWithoutFhirPath(sp, resourceType);
  if (p.strategy !== 'fhirpath') return p;
  return { ...p, extract: compileWithFhirPath(p.expression!, `${sp.url} (${resourceType}): ${p.expression!}`) };
}

/** {@link plan}, except that a plan needing fhirpath.js is returned with strategy `fhirpath` and no extractor. */
function planWithoutFhirPath(sp: SearchParameter, resourceType: string): Plan {
  const label = `${sp.url} (${resourceType})`;
  if (sp.expression === undefined || sp.expression.trim() === '') {
    if (sp.type !== 'special' && !ENGINE_HANDLED_CODES.has(sp.code)) {
      throw new TypeError(`SearchParameter ${sp.url}: a ${sp.type} parameter needs an expression`);
    }
    return { expression: undefined, strategy: 'none', extract: NONE };
  }
  const branches = branchesFor(sp.expression, resourceType);
  if (branches.length === 0) {
    throw new TypeError(`Cannot compile ${label}: no branch of "${sp.expression}" starts with ${resourceType}., Resource. or DomainResource.`);
  }
  const expression = branches.join(' | ');
  if (ENGINE_HANDLED_CODES.has(sp.code) || sp.type === 'special') return { expression, strategy: 'none', extract: NONE };
  const parsed = branches.map(parseSimplePath);
  if (parsed.every((p) => p !== undefined)) {
    const fast = compileSimplePaths(resourceType, parsed);
    if (fast !== undefined) return { expression, strategy: 'simple-path', extract: fast };
  }
  return { expression, strategy: 'fhirpath', extract: NONE };
}

/**
 * Whether compiling `sp` (for every type it applies to) needs fhirpath.js: some applicable expression is not
 * a plain path the compiled walker can read. Built-in parameters never do. False when `sp` cannot be
 * compiled at all (compiling it reports why). Await `loadFhirPath()` before compiling when it is true.
 */
export function needsFhirPath(sp: SearchParameter): boolean {
  const types = new Set(basesOf(sp).flatMap((b) => (b === 'Resource' || b === 'DomainResource' ? concreteTypes(b) : [b])));
  for (const t of types) {
    try {
      if (searchParameterAppliesTo(sp, t) && planWithoutFhirPath(sp, t).strategy === 'fhirpath') return true;
    } catch {
      // Not compilable for this type: compileSearchParameter reports it.
    }
  }
  return false;
}

/**
 * Compiles an R5 SearchParameter for one resource type: keeps the branches of a multi-resource expression
 * that apply to the type (`Resource.`/`DomainResource.` rewritten to it), then compiles them to a direct
 * property walker when they are plain paths (optionally with `ofType(T)`, `as T`, `where(resolve() is T)`),
 * else to fhirpath.js. `where(resolve() is T)` never resolves: it keeps References whose literal reference
 * names `T` before the id, or whose `type` is `T`. Parameters without an expression (`_text`, `_has`…) and
 * those the engine handles ({@link ENGINE_HANDLED_CODES}) extract [].
 * @throws TypeError when `resourceType` is not in `sp.base`, no branch applies, or the expression cannot be
 *   compiled (invalid FHIRPath, a use of resolve() other than `resolve() is T`).
 * @see https://hl7.org/fhir/R5/searchparameter.html
 * @see https://hl7.org/fhir/R5/search.html#ptypes
 */
export function compileSearchParameter(sp: SearchParameter, resourceType: string): CompiledSearchParameterInfo {
  if (!searchParameterAppliesTo(sp, resourceType)) {
    throw new TypeError(`SearchParameter ${sp.url} (${sp.code}) does not apply to ${resourceType}: base is ${basesOf(sp).join(', ')}`);
  }
  return assemble(sp, resourceType, plan(sp, resourceType));
}

function assemble(sp: SearchParameter, resourceType: string, p: Plan): CompiledSearchParameterInfo {
  const compiled: CompiledSearchParameterInfo = {
    url: sp.url,
    code: sp.code,
    type: sp.type as SearchParamType,
    resourceType,
    description: descriptionFor(sp, resourceType),
    targets: [...((sp.target as readonly string[] | undefined) ?? [])],
    strategy: p.strategy,
    extract: p.extract,
  };
  if (p.expression !== undefined) compiled.expression = p.expression;
  return compiled;
}

/**
 * A compiled parameter whose expression is compiled on first use of `extract` or `strategy`; used when an
 * abstract base expands to every resource type, most of which a store never holds.
 */
function lazyCompiled(sp: SearchParameter, resourceType: string): CompiledSearchParameterInfo {
  let p: Plan | undefined;
  const get = (): Plan => (p ??= plan(sp, resourceType));
  const expression = sp.expression === undefined ? undefined : branchesFor(sp.expression, resourceType).join(' | ') || undefined;
  const compiled = assemble(sp, resourceType, { expression, strategy: 'none', extract: NONE });
  Object.defineProperty(compiled, 'strategy', { get: () => get().strategy, enumerable: true });
  compiled.extract = (resource) => get().extract(resource);
  return compiled;
}

/**
 * Compiles `sp` for every concrete type in its `base`. `Resource`/`DomainResource` expand to every R5
 * resource type (DomainResource: all but Binary, Bundle, Parameters); those entries compile lazily, on first
 * `extract`, after one eager compilation that reports an uncompilable expression up front.
 * @throws TypeError as {@link compileSearchParameter}.
 * @see https://hl7.org/fhir/R5/searchparameter-definitions.html#SearchParameter.base
 */
export function compileForAllBases(sp: SearchParameter): CompiledSearchParameterInfo[] {
  const out = new Map<string, CompiledSearchParameterInfo>();
  for (const base of basesOf(sp)) {
    if (base !== 'Resource' && base !== 'DomainResource') {
      if (!out.has(base)) out.set(base, compileSearchParameter(sp, base));
      continue;
    }
    const types = concreteTypes(base);
    const probe = types[0];
    if (probe !== undefined && !out.has(probe)) out.set(probe, compileSearchParameter(sp, probe));
    for (const t of types) if (!out.has(t)) out.set(t, lazyCompiled(sp, t));
  }
  return [...out.values()];
}
