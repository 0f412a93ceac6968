/**
 * The terminology registry behind the token search modifiers `:in`, `:not-in` (value set membership) and
 * `:below`, `:above` (subsumption). Pure, in memory and synchronous: search evaluates on the client.
 * @see https://hl7.org/fhir/R5/search.html#modifiers
 * @module
 */
import { badRequest } from '../../errors/fhir-error.js';
import { VersionedMap } from './canonical.js';
import { parseCodeSystem } from './code-system-parse.js';
import { CodeSystemIndex } from './code-system.js';
import type { Concept } from './concept.js';
import { Expander } from './expand.js';
import { requireObject } from './json.js';
import { parseValueSet, type ParsedValueSet } from './value-set-parse.js';

/**
 * ValueSets and CodeSystems by canonical url and version. A canonical given without a version resolves
 * to the highest version registered (natural order: `1.10` after `1.9`); with `url|version`, to exactly
 * that version.
 * @see https://hl7.org/fhir/R5/search.html#modifiers
 * @see https://hl7.org/fhir/R5/valueset.html#compositions
 * @see https://hl7.org/fhir/R5/codesystem.html
 */
export class TerminologyRegistry {
  readonly #valueSets = new VersionedMap<ParsedValueSet>();
  readonly #codeSystems = new VersionedMap<CodeSystemIndex>();
  readonly #expander = new Expander({
    valueSet: (c) => this.#valueSets.get(c),
    codeSystem: (c) => this.#codeSystems.get(c),
  });

  /**
   * Adds or replaces (by url and version) a ValueSet or CodeSystem. The registry keeps its own parsed
   * copy: later changes to `resource` do not reach it. A failed registration changes nothing.
   * @throws FhirError 400 when `resource` is not a ValueSet or CodeSystem or is malformed (no url,
   * a bad compose, duplicate codes, …).
   * @see https://hl7.org/fhir/R5/valueset.html#compositions
   * @see https://hl7.org/fhir/R5/codesystem.html
   */
  register(resource: unknown): void {
    const r = requireObject(resource, 'resource');
    switch (r['resourceType']) {
      case 'ValueSet': {
        const vs = parseValueSet(r);
        this.#valueSets.set(vs.url, vs.version, vs);
        break;
      }
      case 'CodeSystem': {
        const cs = new CodeSystemIndex(parseCodeSystem(r));
        this.#codeSystems.set(cs.url, cs.version, cs);
        break;
      }
      default:
        throw badRequest(`Only ValueSet and CodeSystem resources can be registered, not ${String(r['resourceType'])}`, ['resourceType']);
    }
    this.#expander.clear(); // an expansion may depend on anything just replaced
  }

  /**
   * Every concept in the value set (canonical `url` or `url|version`), without duplicates, in definition
   * order; undefined when the value set is unknown. Expansions are cached until the next registration.
   * @throws FhirError 400 when the expansion needs a code system that is not registered or not
   * `complete`, a value set that is not registered, an unsupported filter, or when value sets include
   * each other in a cycle.
   * @see https://hl7.org/fhir/R5/valueset.html#compositions
   * @see https://hl7.org/fhir/R5/search.html#modifiers (`:in`, `:not-in`)
   */
  expand(valueSetUrl: string): Concept[] | undefined {
    const vs = this.#valueSets.get(valueSetUrl);
    if (vs === undefined) return undefined;
    return this.#expander.expand(vs).map((c) => ({ system: c.system, code: c.code }));
  }

  /**
   * For token `:below`: the code and every code it subsumes in the CodeSystem (`url` or `url|version`),
   * through nested concepts and `parent`/`child` properties, as declared (case-insensitive systems match
   * any case). A code the system does not define gives just itself; undefined when the system is unknown.
   * @see https://hl7.org/fhir/R5/search.html#modifiers
   * @see https://hl7.org/fhir/R5/codesystem.html#hierarchy
   */
  descendantsOrSelf(system: string, code: string): string[] | undefined {
    const cs = this.#codeSystems.get(system);
    return cs === undefined ? undefined : (cs.descendants(code, true) ?? [code]);
  }

  /**
   * For token `:above`: the code and every code that subsumes it; same rules as {@link TerminologyRegistry.descendantsOrSelf}.
   * @see https://hl7.org/fhir/R5/search.html#modifiers
   * @see https://hl7.org/fhir/R5/codesystem.html#hierarchy
   */
  ancestorsOrSelf(system: string, code: string): string[] | undefined {
    const cs = this.#codeSystems.get(system);
    return cs === undefined ? undefined : (cs.ancestors(code, true) ?? [code]);
  }

  /**
   * Whether a canonical (`url` or `url|version`) is a registered ValueSet.
   * @see https://hl7.org/fhir/R5/valueset.html
   */
  hasValueSet(url: string): boolean {
    return this.#valueSets.get(url) !== undefined;
  }

  /**
   * Whether a canonical (`url` or `url|version`) is a registered CodeSystem.
   * @see https://hl7.org/fhir/R5/codesystem.html
   */
  hasCodeSystem(url: string): boolean {
    return this.#codeSystems.get(url) !== undefined;
  }
}
