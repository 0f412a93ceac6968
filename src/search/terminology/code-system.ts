/**
 * An indexed CodeSystem: code lookup (case-insensitive when the system says so) and the subsumption
 * hierarchy built from nested concepts and `parent`/`child` properties, for token `:below`/`:above` and
 * the hierarchical value set filters.
 * @see https://hl7.org/fhir/R5/codesystem.html
 * @module
 */
import type { CodeSystem } from 'fhir/r5';
import { badRequest } from '../../errors/fhir-error.js';
import type { ParsedCodeSystem } from './code-system-parse.js';

/**
 * The lookups of one registered CodeSystem version. Codes are returned as declared and in document order
 * (pre-order over the nesting), which keeps expansions deterministic.
 * @see https://hl7.org/fhir/R5/codesystem.html#hierarchy
 */
export class CodeSystemIndex {
  readonly url: string;
  readonly version: string | undefined;
  readonly content: CodeSystem['content'];
  readonly caseSensitive: boolean;
  /** Every declared code, in document order. */
  readonly codes: readonly string[];
  readonly #position = new Map<string, number>();
  readonly #parents: Array<Set<number>>;
  readonly #children: Array<Set<number>>;
  readonly #properties: Array<Map<string, string[]>>;

  /**
   * Indexes a parsed CodeSystem.
   * @throws FhirError 400 on a duplicate code (csd-1; compared case-insensitively when `caseSensitive` is
   * false), or, in a `complete` system, a `parent`/`child` property naming a code it does not define.
   * In other content modes such links are dropped: the target may simply be outside the fragment.
   */
  constructor(cs: ParsedCodeSystem) {
    this.url = cs.url;
    this.version = cs.version;
    this.content = cs.content;
    this.caseSensitive = cs.caseSensitive;
    this.codes = cs.concepts.map((c) => c.code);
    cs.concepts.forEach((c, i) => {
      const key = this.#key(c.code);
      if (this.#position.has(key)) throw badRequest(`CodeSystem ${cs.url} defines code '${c.code}' twice (csd-1)`, [`${c.path}.code`]);
      this.#position.set(key, i);
    });
    this.#parents = cs.concepts.map(() => new Set());
    this.#children = cs.concepts.map(() => new Set());
    this.#properties = cs.concepts.map(() => new Map());
    const link = (parent: number, child: number): void => {
      this.#parents[child]!.add(parent);
      this.#children[parent]!.add(child);
    };
    cs.concepts.forEach((c, i) => {
      if (c.nestedIn !== undefined) link(c.nestedIn, i);
      for (const p of c.properties) {
        const values = this.#properties[i]!;
        values.set(p.code, [...(values.get(p.code) ?? []), p.value]);
        const isParent = cs.parentProperties.has(p.code);
        if (!isParent && !cs.childProperties.has(p.code)) continue;
        const other = this.#position.get(this.#key(p.value));
        if (other === undefined) {
          if (cs.content === 'complete')
            throw badRequest(`CodeSystem ${cs.url}: concept '${c.code}' has ${p.code} '${p.value}', which the system does not define`, [`${c.path}.property`]);
          continue;
        }
        if (isParent) link(other, i);
        else link(i, other);
      }
    });
  }

  /** The comparison key of a code: itself, or lower-cased in a case-insensitive system. */
  #key(code: string): string {
    return this.caseSensitive ? code : code.toLowerCase();
  }

  /** The code as declared in the system, undefined when it does not define it. */
  lookup(code: string): string | undefined {
    const i = this.#position.get(this.#key(code));
    return i === undefined ? undefined : this.codes[i];
  }

  /** The comparison key of a code for set operations across value sets. */
  keyOf(code: string): string {
    return this.#key(code);
  }

  /** The direct children of a defined code (undefined when not defined). */
  children(code: string): string[] | undefined {
    const i = this.#position.get(this.#key(code));
    return i === undefined ? undefined : this.#codesAt(this.#children[i]!);
  }

  /**
   * The code and every code it subsumes (transitively), undefined when the code is not defined.
   * Links form a graph, not a tree: a code may have several parents, and a cycle does not loop.
   * @see https://hl7.org/fhir/R5/codesystem.html#hierarchy
   */
  descendants(code: string, includeSelf: boolean): string[] | undefined {
    return this.#closure(code, this.#children, includeSelf);
  }

  /** The code and every code that subsumes it (transitively), undefined when the code is not defined. */
  ancestors(code: string, includeSelf: boolean): string[] | undefined {
    return this.#closure(code, this.#parents, includeSelf);
  }

  /** The values of property `property` on a code (`[]` when none or the code is not defined). */
  propertyValues(code: string, property: string): readonly string[] {
    const i = this.#position.get(this.#key(code));
    return i === undefined ? [] : (this.#properties[i]!.get(property) ?? []);
  }

  #closure(code: string, edges: ReadonlyArray<ReadonlySet<number>>, includeSelf: boolean): string[] | undefined {
    const start = this.#position.get(this.#key(code));
    if (start === undefined) return undefined;
    const seen = new Set<number>([start]);
    const queue = [start];
    for (let head = 0; head < queue.length; head++) {
      for (const next of edges[queue[head]!]!) {
        if (seen.has(next)) continue;
        seen.add(next);
        queue.push(next);
      }
    }
    if (!includeSelf) seen.delete(start); // a cycle back to the start does not make it its own descendant
    return this.#codesAt(seen);
  }

  #codesAt(positions: ReadonlySet<number>): string[] {
    return [...positions].sort((a, b) => a - b).map((i) => this.codes[i]!);
  }
}
