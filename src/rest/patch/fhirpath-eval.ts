import { loadedFhirPath } from '../../model/fhirpath-engine.js';
import { isForbiddenKey } from '../../model/forbidden-keys.js';

/**
 * The parts of a fhirpath.js `ResourceNode` the patch engine relies on (see fhirpath/src/types.js). With
 * `resolveInternalTypes: false` navigation returns these nodes; each knows the node it was read from
 * (`parentResNode`), the property it was read through (`propName`, without a choice type suffix) and its
 * position when that property is an array (`index`).
 */
export interface FpNode {
  parentResNode: FpNode | null;
  path: string | null;
  propName?: string | null;
  index?: number | null;
  data: unknown;
  /** The `_name` sibling of a primitive (its id and extensions). */
  _data: Record<string, unknown> | null;
  fhirNodeDataType: string | null;
}

/** True when `x` is a node read from the resource (not a computed value such as `'a' + 'b'`). */
export const isFpNode = (x: unknown): x is FpNode =>
  x !== null && typeof x === 'object' && 'parentResNode' in x && 'data' in x;

/** A FHIRPath expression that cannot be used in a patch: the patch document is malformed (400). */
export class PathSyntaxError extends Error {
  override readonly name = 'PathSyntaxError';
}

/** A FHIRPath expression that failed while running on this resource (422). */
export class PathEvaluationError extends Error {
  override readonly name = 'PathEvaluationError';
}

interface AstNode {
  type?: string;
  text?: string;
  delimitedText?: string;
  children?: AstNode[];
}

type Evaluator = (resource: unknown, env?: Record<string, unknown>) => unknown[];

interface Compiled {
  ast: AstNode;
  evaluate: Evaluator;
}

// Patches repeat the same few paths; parsing dominates evaluation cost. Map order gives a cheap LRU.
const CACHE_LIMIT = 256;
const cache = new Map<string, Compiled>();

/**
 * Parses and compiles `expression` against the R5 model (synchronous mode) with fhirpath.js, which the caller
 * has loaded (`loadFhirPath()`, awaited before the write is planned), refusing any identifier or
 * external constant that names `__proto__`, `constructor` or `prototype`: fhirpath.js reads members with
 * `obj[name]`, so such a name would hand the patch engine `Object.prototype` to write into.
 * @throws PathSyntaxError
 */
export function compilePath(expression: string): Compiled {
  const hit = cache.get(expression);
  if (hit) {
    cache.delete(expression);
    cache.set(expression, hit);
    return hit;
  }
  const { fhirpath, model } = loadedFhirPath();
  let ast: AstNode;
  try {
    ast = fhirpath.parse(expression) as AstNode;
  } catch (e) {
    throw new PathSyntaxError(`"${expression}" is not a valid FHIRPath expression: ${(e as Error).message}`);
  }
  const bad = forbiddenName(ast);
  if (bad !== undefined) throw new PathSyntaxError(`"${expression}" must not name "${bad}"`);
  const fn = fhirpath.compile(expression, model, { resolveInternalTypes: false, async: false }) as Evaluator;
  const compiled = { ast, evaluate: fn };
  cache.set(expression, compiled);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  return compiled;
}

/**
 * Evaluates `expression` on `resource` and returns the raw results: {@link FpNode}s for elements read from the
 * resource, plain values for computed results. `%resource` and `%rootResource` are the resource itself.
 * @throws PathSyntaxError | PathEvaluationError
 */
export function evaluatePath(expression: string, resource: object): unknown[] {
  const { evaluate } = compilePath(expression);
  try {
    return evaluate(resource, { resource, rootResource: resource });
  } catch (e) {
    throw new PathEvaluationError(`evaluating "${expression}" failed: ${(e as Error).message}`);
  }
}

/**
 * When `expression` is `<parent>.<name>` at its top level (e.g. `ImagingSelection.instance[0].subset`), returns
 * both parts; a bare `<name>` has the resource as its parent. Used to find where an empty list would be.
 */
export function splitLastMember(expression: string): { parent: string | undefined; name: string } | undefined {
  let node: AstNode | undefined = compilePath(expression).ast;
  while (node?.type === 'EntireExpression' && node.children?.length === 1) node = node.children[0];
  const last = node?.children?.[node.children.length - 1];
  const bare = node?.type === 'TermExpression' && last?.type === 'InvocationTerm';
  const member = bare ? last?.children?.[0] : node?.type === 'InvocationExpression' ? last : undefined;
  if (member?.type !== 'MemberInvocation' || member.text === undefined) return undefined;
  const name = identifierValue(member.text);
  if (bare) return { parent: undefined, name };
  // The AST carries no offsets we can trust across lines; the text form ends with `.<name>` exactly when the
  // AST is an InvocationExpression whose last step is that member.
  const m = /^([\s\S]*?)\s*\.\s*(?:[A-Za-z_][A-Za-z0-9_]*|`(?:[^`\\]|\\.)*`)\s*$/.exec(expression);
  return m?.[1] ? { parent: m[1], name } : undefined;
}

/** Decodes an identifier as fhirpath.js does: strips back-ticks (or quotes) and resolves escapes. */
function identifierValue(raw: string): string {
  const first = raw.charAt(0);
  const delimited = raw.length >= 2 && (first === '`' || first === "'") && raw.endsWith(first);
  if (!delimited) return raw;
  return raw.slice(1, -1).replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, s: string) => {
    if (s.length > 1) return String.fromCharCode(parseInt(s.slice(1), 16));
    return ({ r: '\r', n: '\n', t: '\t', f: '\f' } as Record<string, string>)[s] ?? s;
  });
}

function forbiddenName(root: AstNode): string | undefined {
  const stack: AstNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop() as AstNode;
    const names: (string | undefined)[] =
      n.type === 'Identifier' ? [n.text] : n.type === 'ExternalConstantTerm' ? [n.text, n.delimitedText] : [];
    for (const raw of names) {
      if (raw !== undefined && isForbiddenKey(identifierValue(raw))) return identifierValue(raw);
    }
    if (n.children) stack.push(...n.children);
  }
  return undefined;
}
