/**
 * Value set expansion: a complete `expansion.contains` is taken as is, otherwise `compose` is evaluated
 * against the registered code systems and value sets. Results are cached until the next registration.
 * @see https://hl7.org/fhir/R5/valueset.html#compositions
 * @see https://hl7.org/fhir/R5/valueset.html#expansion
 * @module
 */
import { badRequest } from '../../errors/fhir-error.js';
import { formatCanonical } from './canonical.js';
import type { CodeSystemIndex } from './code-system.js';
import { ConceptSet, type Concept } from './concept.js';
import { filterCodes } from './filters.js';
import type { ConceptSetSpec, ParsedValueSet } from './value-set-parse.js';

/** Where the expander finds the definitions a value set refers to (canonical: `url` or `url|version`). */
interface DefinitionSource {
  valueSet(canonical: string): ParsedValueSet | undefined;
  codeSystem(canonical: string): CodeSystemIndex | undefined;
}

const nameOf = (vs: ParsedValueSet): string => formatCanonical(vs.url, vs.version);

/**
 * Expands value sets against a {@link DefinitionSource}, memoising each result until {@link clear}.
 * @see https://hl7.org/fhir/R5/valueset.html#compositions
 */
export class Expander {
  readonly #source: DefinitionSource;
  readonly #cache = new Map<ParsedValueSet, readonly Concept[]>();

  constructor(source: DefinitionSource) {
    this.#source = source;
  }

  /** Forgets every cached expansion (any registration may change any of them). */
  clear(): void {
    this.#cache.clear();
  }

  /**
   * The concepts of `vs`, without duplicates, in definition order. The array and its concepts are frozen:
   * they are shared by every caller until the cache is cleared.
   * @throws FhirError 400 when the value set (or one it includes) cannot be expanded: an unknown included
   * value set, a code system that is not registered or not `complete` where all or filtered codes are
   * needed, a listed code a complete code system does not define, an unsupported filter, a cycle of value
   * sets including each other, neither `compose` nor a complete `expansion`.
   */
  expand(vs: ParsedValueSet): readonly Concept[] {
    return this.#expand(vs, []);
  }

  #expand(vs: ParsedValueSet, stack: readonly ParsedValueSet[]): readonly Concept[] {
    const cached = this.#cache.get(vs);
    if (cached !== undefined) return cached;
    if (stack.includes(vs))
      throw badRequest(`ValueSet ${nameOf(vs)} includes itself: ${[...stack, vs].map(nameOf).join(' → ')}`);
    let concepts: Concept[];
    if (vs.expansion?.complete === true) {
      const set = new ConceptSet();
      for (const c of vs.expansion.contains) set.add(this.#identity(c.system, c.code), c);
      concepts = set.toArray();
    } else if (vs.compose !== undefined) {
      concepts = this.#compose(vs, [...stack, vs]);
    } else if (vs.expansion !== undefined) {
      throw badRequest(`ValueSet ${nameOf(vs)} has only a partial (paged) expansion and no compose`);
    } else {
      throw badRequest(`ValueSet ${nameOf(vs)} has neither compose nor expansion`);
    }
    const frozen = Object.freeze(concepts.map((c) => Object.freeze({ system: c.system, code: c.code })));
    this.#cache.set(vs, frozen);
    return frozen;
  }

  /** Union of the includes minus the union of the excludes. */
  #compose(vs: ParsedValueSet, stack: readonly ParsedValueSet[]): Concept[] {
    const { include, exclude } = vs.compose!;
    const result = new ConceptSet();
    for (const spec of include) result.addAll(this.#conceptSet(vs, spec, stack));
    for (const spec of exclude) result.deleteAll(this.#conceptSet(vs, spec, stack));
    return result.toArray();
  }

  /**
   * One include/exclude: the system part and each listed value set are intersected ("the concepts in
   * this value set are those in all of the listed value sets and the system part").
   * @see https://hl7.org/fhir/R5/valueset-definitions.html#ValueSet.compose.include.valueSet
   */
  #conceptSet(owner: ParsedValueSet, spec: ConceptSetSpec, stack: readonly ParsedValueSet[]): ConceptSet {
    const parts: ConceptSet[] = [];
    if (spec.system !== undefined) parts.push(this.#systemPart(owner, spec, spec.system));
    for (const canonical of spec.valueSets) {
      const nested = this.#source.valueSet(canonical);
      if (nested === undefined)
        throw badRequest(`ValueSet ${nameOf(owner)} ${spec.path}.valueSet: value set ${canonical} is not registered`);
      const set = new ConceptSet();
      for (const c of this.#expand(nested, stack)) set.add(this.#identity(c.system, c.code), c);
      parts.push(set);
    }
    const [first = new ConceptSet(), ...rest] = parts;
    first.retainAll(rest);
    return first;
  }

  #systemPart(owner: ParsedValueSet, spec: ConceptSetSpec, system: string): ConceptSet {
    const canonical = formatCanonical(system, spec.version);
    const cs = this.#source.codeSystem(canonical);
    const set = new ConceptSet();
    const add = (code: string): void => set.add(this.#identity(system, code), { system, code });
    const where = `ValueSet ${nameOf(owner)} ${spec.path}`;

    if (spec.concepts !== undefined) {
      // A listed code needs no code system; when a complete one is registered, the code must be in it.
      for (const code of spec.concepts) {
        const declared = cs?.lookup(code);
        if (cs?.content === 'complete' && declared === undefined)
          throw badRequest(`${where}: code '${code}' is not defined by code system ${canonical}`);
        add(declared ?? code);
      }
      return set;
    }
    if (cs === undefined) throw badRequest(`${where} needs code system ${canonical}, which is not registered`);
    if (cs.content !== 'complete')
      throw badRequest(`${where} needs all codes of ${canonical}, but its content is '${cs.content}', not 'complete'`);
    const [first = cs.codes, ...rest] = spec.filters.map((f) => filterCodes(cs, f));
    const others = rest.map((codes) => new Set(codes));
    for (const code of first) if (others.every((o) => o.has(code))) add(code);
    return set;
  }

  /** Concept identity: codes compare as their (latest registered) code system compares them. */
  #identity(system: string, code: string): string {
    const cs = this.#source.codeSystem(system);
    return ConceptSet.identity(system, cs === undefined ? code : cs.keyOf(code));
  }
}
