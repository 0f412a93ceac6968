/**
 * The fast path for SearchParameter expressions: plain FHIRPath paths (`ImagingSelection.bodySite.concept`),
 * optionally narrowed by `ofType(T)` / `as T` and by `where(resolve() is T)`, compiled once against the R5
 * model into a property walker. Each value's FHIR type is known at compile time from the R5 model table
 * (`src/model/r5-model.ts`, choice types for `[x]` elements), so no FHIRPath runs per resource.
 * @see https://hl7.org/fhir/R5/fhirpath.html
 * @see https://hl7.org/fhir/R5/searchparameter.html
 * @packageDocumentation
 */
import type { Resource } from 'fhir/r5';
import { choiceKey, choiceTypes, definedElsewhere, derivesFromResource, elementType, isKnownType, isTypeOrSubtype, typeLineage } from '../../model/r5-model.js';
import type { TypedValue } from './types.js';

/**
 * One step of a plain path: a child element, a type filter (`ofType`/`as`), or a reference-target filter.
 * @see https://hl7.org/fhir/R5/fhirpath.html#simple
 */
type PathStep =
  | { kind: 'member'; name: string }
  | { kind: 'ofType'; type: string }
  | { kind: 'refTo'; targets: readonly string[] };

/**
 * Reads the values of one compiled expression out of a resource; arrays flattened, empty values skipped.
 * @see https://hl7.org/fhir/R5/searchparameter-definitions.html#SearchParameter.expression
 */
export type PathExtractor = (resource: Resource) => TypedValue[];

// ---------------------------------------------------------------------------------------------------------
// Reference targets (`resolve() is T` without resolving)
// ---------------------------------------------------------------------------------------------------------

/** `[base/]Type/id[/_history/vid]`: the type segment is the one right before the id. */
const LITERAL_REFERENCE = /(?:^|\/)([A-Z][A-Za-z]{1,63})\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const STRUCTURE_DEFINITION_BASE = 'http://hl7.org/fhir/StructureDefinition/';

/**
 * Whether a Reference points at a resource of type `type`, decided from the Reference alone: its literal
 * `reference` (relative `T/id` or absolute `…/T/id`, optionally `/_history/v`) names `T` before the id, or its
 * `type` is `T`. This is what `where(resolve() is T)` means in a SearchParameter, answered offline and
 * synchronously: nothing is fetched or looked up. A reference by identifier only counts through `type`.
 * @see https://hl7.org/fhir/R5/references.html#literal
 * @see https://hl7.org/fhir/R5/fhirpath.html#functions (resolve())
 */
export function referencePointsTo(reference: unknown, type: string): boolean {
  if (reference === null || typeof reference !== 'object') return false;
  const { reference: literal, type: declared } = reference as { reference?: unknown; type?: unknown };
  if (typeof literal === 'string' && LITERAL_REFERENCE.exec(literal)?.[1] === type) return true;
  // Reference.type is a type name, or an absolute StructureDefinition URL (R5 allows URLs for logical models).
  return declared === type || declared === STRUCTURE_DEFINITION_BASE + type;
}

// ---------------------------------------------------------------------------------------------------------
// Model lookups
// ---------------------------------------------------------------------------------------------------------

const SYSTEM_TYPES: Readonly<Record<string, string>> = {
  'System.String': 'string',
  'System.Boolean': 'boolean',
  'System.Integer': 'integer',
  'System.Decimal': 'decimal',
  'System.Date': 'date',
  'System.DateTime': 'dateTime',
  'System.Time': 'time',
  'System.Quantity': 'Quantity',
};

/**
 * The FHIR type name a value is reported with: the model's name, with FHIRPath system types mapped to the
 * FHIR primitive of the same meaning (`System.String` → `string`) and a resource's own `id` reported as `id`
 * (the model types every `id` element as `System.String`; R5 types `Resource.id` as `id`, searched exactly).
 * @see https://hl7.org/fhir/R5/datatypes.html#primitive
 */
export function fhirTypeName(raw: string, isResourceId = false): string {
  if (isResourceId) return 'id';
  if (raw.startsWith('FHIR.')) return raw.slice(5);
  return SYSTEM_TYPES[raw] ?? raw;
}

/** Strips a `FHIR.` namespace from a type specifier (`FHIR.Patient` → `Patient`); undefined for `System.*`. */
function fhirTypeSpecifier(spec: string): string | undefined {
  if (spec.startsWith('System.')) return undefined;
  return spec.startsWith('FHIR.') ? spec.slice(5) : spec;
}

/** One JSON key a child element may sit under, with its FHIR type and the model path its own children use. */
interface ChildRead {
  key: string;
  type: string;
  /** Where this value's children are declared: its data type, or the element path for backbone elements. */
  next: string;
}

/**
 * The ways `name` can be read from a value whose children are declared under `declaredAt` (a type name or a
 * backbone element path): one read for a plain element, one per type for a choice `name[x]`. Inherited
 * elements are found on the ancestors (`Age.value` is declared as `Quantity.value`). Undefined when the model
 * does not know the element, or when the element holds a resource (its type is only known at run time).
 */
function childReads(declaredAt: string, name: string): ChildRead[] | undefined {
  const prefixes = declaredAt.includes('.') ? [declaredAt] : typeLineage(declaredAt);
  for (const prefix of prefixes) {
    const path = `${prefix}.${name}`;
    const type = elementType(path);
    if (type !== undefined) {
      if (derivesFromResource(type)) return undefined;
      const isResourceId = name === 'id' && derivesFromResource(prefix);
      return [{ key: name, type: fhirTypeName(type, isResourceId), next: nextDeclaration(path, type) }];
    }
    const choices = choiceTypes(path);
    if (choices !== undefined) {
      const reads: ChildRead[] = [];
      for (const choice of choices) {
        const choicePath = `${prefix}.${choiceKey(name, choice)}`;
        const choiceType = elementType(choicePath);
        if (choiceType === undefined || derivesFromResource(choiceType)) return undefined;
        reads.push({ key: choiceKey(name, choice), type: fhirTypeName(choiceType), next: nextDeclaration(choicePath, choiceType) });
      }
      return reads;
    }
  }
  return undefined;
}

/** Children of a backbone element are declared under its path (or the path it reuses); others under the type. */
function nextDeclaration(path: string, type: string): string {
  if (type !== 'BackboneElement' && type !== 'Element') return type;
  return definedElsewhere(path) ?? path;
}

// ---------------------------------------------------------------------------------------------------------
// Parsing the plain-path subset of FHIRPath
// ---------------------------------------------------------------------------------------------------------

type Token = { t: 'id'; v: string } | { t: 'str'; v: string } | { t: 'p'; v: string };

/** Tokens of the subset: identifiers (plain or backticked), string literals and `.` `(` `)`; undefined otherwise. */
function tokenize(text: string): Token[] | undefined {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '.' || c === '(' || c === ')') {
      out.push({ t: 'p', v: c });
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))![0];
      out.push({ t: 'id', v: m });
      i += m.length;
    } else if (c === '`' || c === "'") {
      const end = text.indexOf(c, i + 1);
      const body = end < 0 ? '' : text.slice(i + 1, end);
      if (end < 0 || body.includes('\\')) return undefined;
      out.push(c === '`' ? { t: 'id', v: body } : { t: 'str', v: body });
      i = end + 1;
    } else {
      return undefined;
    }
  }
  return out;
}

/** A cursor over the tokens; every `parse*` returns undefined when the text leaves the subset. */
class Cursor {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}
  get done(): boolean {
    return this.i >= this.tokens.length;
  }
  peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }
  eat(t: Token['t'], v?: string): Token | undefined {
    const tok = this.tokens[this.i];
    if (tok === undefined || tok.t !== t || (v !== undefined && tok.v !== v)) return undefined;
    this.i++;
    return tok;
  }
}

/** `Patient` or `FHIR.Patient`. */
function parseTypeSpecifier(c: Cursor): string | undefined {
  const first = c.eat('id');
  if (first === undefined) return undefined;
  if (c.peek()?.v === '.' && c.peek(1)?.t === 'id' && (first.v === 'FHIR' || first.v === 'System')) {
    c.eat('p', '.');
    return fhirTypeSpecifier(`${first.v}.${c.eat('id')!.v}`);
  }
  return first.v;
}

/** `resolve() is T (or resolve() is U)*`: the reference-target filter inside `where(...)`. */
function parseResolveFilter(c: Cursor): string[] | undefined {
  const targets: string[] = [];
  do {
    if (!c.eat('id', 'resolve') || !c.eat('p', '(') || !c.eat('p', ')') || !c.eat('id', 'is')) return undefined;
    const t = parseTypeSpecifier(c);
    if (t === undefined) return undefined;
    targets.push(t);
  } while (c.eat('id', 'or'));
  return targets;
}

/** A function call step after `.`: `ofType(T)`, `as(T)`, `where(resolve() is T …)`. */
function parseCall(c: Cursor, name: string): PathStep | undefined {
  if (!c.eat('p', '(')) return undefined;
  let step: PathStep | undefined;
  if (name === 'ofType' || name === 'as') {
    const t = parseTypeSpecifier(c);
    step = t === undefined ? undefined : { kind: 'ofType', type: t };
  } else if (name === 'where') {
    const targets = parseResolveFilter(c);
    step = targets === undefined ? undefined : { kind: 'refTo', targets };
  }
  return step !== undefined && c.eat('p', ')') ? step : undefined;
}

/** `primary ('.' (member | call))* ('as' T)?` where primary is an identifier or a parenthesized branch. */
function parseBranch(c: Cursor): PathStep[] | undefined {
  let steps: PathStep[] | undefined;
  if (c.eat('p', '(')) {
    steps = parseBranch(c);
    if (steps === undefined || !c.eat('p', ')')) return undefined;
  } else {
    const root = c.eat('id');
    if (root === undefined || c.peek()?.v === '(') return undefined;
    steps = [{ kind: 'member', name: root.v }];
  }
  while (c.eat('p', '.')) {
    const name = c.eat('id');
    if (name === undefined) return undefined;
    if (c.peek()?.v === '(') {
      const call = parseCall(c, name.v);
      if (call === undefined) return undefined;
      steps.push(call);
    } else {
      steps.push({ kind: 'member', name: name.v });
    }
  }
  if (c.peek()?.t === 'id' && c.peek()?.v === 'as') {
    c.eat('id', 'as');
    const t = parseTypeSpecifier(c);
    if (t === undefined) return undefined;
    steps.push({ kind: 'ofType', type: t });
  }
  return steps;
}

/**
 * Parses one branch of a SearchParameter expression (no top-level `|`) when it is in the plain-path subset:
 * `Type.a.b`, `(Type.a as T)`, `Type.a.ofType(T).b`, `Type.a.where(resolve() is T or resolve() is U)`.
 * The first step names the root type. Undefined for anything else (it then goes to fhirpath.js).
 * @see https://hl7.org/fhir/R5/fhirpath.html
 */
export function parseSimplePath(branch: string): PathStep[] | undefined {
  const tokens = tokenize(branch);
  if (tokens === undefined || tokens.length === 0) return undefined;
  const c = new Cursor(tokens);
  const steps = parseBranch(c);
  return steps !== undefined && c.done ? steps : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Compiling to a walker
// ---------------------------------------------------------------------------------------------------------

/** A node of the compiled walk: read `key`, keep items passing every filter, then descend or emit. */
interface WalkNode {
  key: string;
  type: string;
  filters: (readonly string[])[];
  children: WalkNode[];
}

interface Chain {
  reads: { key: string; type: string; filters: (readonly string[])[] }[];
  type: string;
  declaredAt: string;
}

/** The linear alternatives (one per combination of choice types) of one branch; undefined if not walkable. */
function chainsOf(resourceType: string, steps: readonly PathStep[]): Chain[] | undefined {
  const [root, ...rest] = steps;
  if (root?.kind !== 'member' || !derivesFromResource(resourceType) || !isTypeOrSubtype(resourceType, root.name)) return undefined;
  let chains: Chain[] = [{ reads: [], type: resourceType, declaredAt: resourceType }];
  for (const step of rest) {
    if (step.kind === 'member') {
      const next: Chain[] = [];
      for (const chain of chains) {
        // A primitive's own children (id, extension) sit in the `_name` sibling in JSON: fhirpath.js's job.
        if (isTypeOrSubtype(chain.declaredAt, 'PrimitiveType') || chain.declaredAt === 'xhtml') return undefined;
        const reads = childReads(chain.declaredAt, step.name);
        if (reads === undefined) return undefined;
        for (const r of reads) next.push({ reads: [...chain.reads, { key: r.key, type: r.type, filters: [] }], type: r.type, declaredAt: r.next });
      }
      chains = next;
    } else if (step.kind === 'ofType') {
      if (!isKnownType(step.type)) return undefined;
      chains = chains.filter((chain) => isTypeOrSubtype(chain.type, step.type));
    } else {
      // resolve() on anything but a Reference (canonical, a resource) is left to fhirpath.js.
      if (chains.some((chain) => chain.reads.length === 0 || !isTypeOrSubtype(chain.type, 'Reference'))) return undefined;
      chains = chains.map((chain) => {
        const reads = chain.reads.slice();
        const last = reads[reads.length - 1]!;
        reads[reads.length - 1] = { ...last, filters: [...last.filters, step.targets] };
        return { ...chain, reads };
      });
    }
  }
  // The root alone (`Patient`) selects the resource itself: not a search value; leave it to fhirpath.js.
  return chains.every((chain) => chain.reads.length > 0) ? chains : undefined;
}

/** Merges the chains of one branch into a tree so shared prefixes are read once, in document order. */
function toTree(chains: readonly Chain[]): WalkNode[] {
  const roots: WalkNode[] = [];
  for (const chain of chains) {
    let level = roots;
    for (const read of chain.reads) {
      let node = level.find((n) => n.key === read.key);
      if (node === undefined) {
        node = { key: read.key, type: read.type, filters: read.filters, children: [] };
        level.push(node);
      }
      level = node.children;
    }
  }
  return roots;
}

function passes(item: unknown, filters: readonly (readonly string[])[]): boolean {
  for (const targets of filters) if (!targets.some((t) => referencePointsTo(item, t))) return false;
  return true;
}

function visit(item: unknown, node: WalkNode, out: TypedValue[]): void {
  if (item === null || item === undefined) return;
  if (node.filters.length > 0 && !passes(item, node.filters)) return;
  if (node.children.length === 0) out.push({ type: node.type, value: item });
  else if (typeof item === 'object') walk(item as Record<string, unknown>, node.children, out);
}

function walk(obj: Record<string, unknown>, nodes: readonly WalkNode[], out: TypedValue[]): void {
  for (const node of nodes) {
    const v = obj[node.key];
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const item of v) visit(item, node, out);
    else visit(v, node, out);
  }
}

/** FHIRPath `|` removes duplicates (by value); kept so both paths agree on unions. */
function distinct(values: TypedValue[]): TypedValue[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const key = JSON.stringify(v.value);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Compiles the union of `branches` (each parsed by {@link parseSimplePath}) for `resourceType` into a walker,
 * or returns undefined when some step is unknown to the R5 model or needs run-time typing (a contained
 * resource, `resolve()` on a non-Reference). Values keep their model type (`code`, `id`, `instant`,
 * `CodeableConcept`…); a choice element yields the chosen type (`Observation.value` → `Quantity`).
 * @see https://hl7.org/fhir/R5/formats.html#choice
 */
export function compileSimplePaths(resourceType: string, branches: readonly (readonly PathStep[])[]): PathExtractor | undefined {
  const trees: WalkNode[][] = [];
  for (const steps of branches) {
    const chains = chainsOf(resourceType, steps);
    if (chains === undefined) return undefined;
    trees.push(toTree(chains));
  }
  if (trees.length === 1) {
    const [tree] = trees as [WalkNode[]];
    return (resource) => {
      const out: TypedValue[] = [];
      walk(resource as unknown as Record<string, unknown>, tree, out);
      return out;
    };
  }
  return (resource) => {
    const out: TypedValue[] = [];
    for (const tree of trees) walk(resource as unknown as Record<string, unknown>, tree, out);
    return distinct(out);
  };
}
