/**
 * Concepts (system + code) and an insertion-ordered set of them, the currency of value set expansion.
 * @see https://hl7.org/fhir/R5/valueset.html#expansion
 * @module
 */

/**
 * One member of a value set: a code in a code system (the version is not part of a token match).
 * @see https://hl7.org/fhir/R5/valueset-definitions.html#ValueSet.expansion.contains
 */
export interface Concept {
  system: string;
  code: string;
}

/**
 * Concepts by identity, in insertion order. The identity of a concept is its system and its code's
 * comparison key, which the caller computes (lower-cased in case-insensitive code systems), so that
 * `exclude` and `valueSet` intersections compare codes the way the code system does.
 * @see https://hl7.org/fhir/R5/valueset.html#compositions
 */
export class ConceptSet {
  readonly #byKey = new Map<string, Concept>();

  /** The identity of `code` in `system`, given the code's comparison key. */
  static identity(system: string, codeKey: string): string {
    return `${system}\u0000${codeKey}`;
  }

  /** Adds a concept under `identity` unless one is already there (the first spelling wins). */
  add(identity: string, concept: Concept): void {
    if (!this.#byKey.has(identity)) this.#byKey.set(identity, concept);
  }

  /** Whether a concept with this identity is held. */
  has(identity: string): boolean {
    return this.#byKey.has(identity);
  }

  /** Removes the concept with this identity, if held. */
  delete(identity: string): void {
    this.#byKey.delete(identity);
  }

  /** Adds every concept of `other` that is not already here. */
  addAll(other: ConceptSet): void {
    for (const [k, c] of other.#byKey) this.add(k, c);
  }

  /** Removes every concept of `other`. */
  deleteAll(other: ConceptSet): void {
    for (const k of other.#byKey.keys()) this.#byKey.delete(k);
  }

  /** Keeps only the concepts also in every one of `others`. */
  retainAll(others: readonly ConceptSet[]): void {
    for (const k of [...this.#byKey.keys()]) if (!others.every((o) => o.has(k))) this.#byKey.delete(k);
  }

  /** The concepts, in insertion order. */
  toArray(): Concept[] {
    return [...this.#byKey.values()];
  }
}
