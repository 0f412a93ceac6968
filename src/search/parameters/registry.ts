import type { SearchParameter } from 'fhir/r5';
import { badRequest } from '../../errors/fhir-error.js';
import { loadFhirPath } from '../../model/fhirpath-engine.js';
import { compileForAllBases, needsFhirPath } from './compile-parameter.js';
import type { CompiledSearchParameter, SearchParamType } from './types.js';
import { builtInParametersFor } from './definitions/index.js';

/** Parameter types whose values this store indexes. */
const INDEXED_TYPES: ReadonlySet<SearchParamType> = new Set(['token', 'reference', 'date', 'string', 'uri']);

/**
 * R5 common parameters this store does not implement: `_in` and `_list` need membership in Group/List/CareTeam
 * resources, `_filter` and `_query` are their own languages. They are left out, so a search naming them is
 * answered as for any unknown parameter (400, or ignored under `handling=lenient`).
 */
const NOT_IMPLEMENTED = new Set(['_in', '_list', '_filter', '_query', '_type']);

/**
 * The search parameters of a store: the built-in R5 ones, and those the app registers. Compiled once per
 * resource type; a registered parameter with the code of a built-in one replaces it for its base types.
 * @see https://hl7.org/fhir/R5/searchparameter.html
 */
export class SearchRegistry {
  private readonly custom = new Map<string, Map<string, CompiledSearchParameter>>();
  private readonly cache = new Map<string, Map<string, CompiledSearchParameter>>();

  /** Every parameter that applies to `type`, by code. */
  forType(type: string): Map<string, CompiledSearchParameter> {
    let byCode = this.cache.get(type);
    if (!byCode) {
      byCode = new Map(builtInParametersFor(type).filter((p) => !NOT_IMPLEMENTED.has(p.code)).map((p) => [p.code, p]));
      for (const [code, p] of this.custom.get(type) ?? []) byCode.set(code, p);
      this.cache.set(type, byCode);
    }
    return byCode;
  }

  /**
   * The codes of the reference parameters of `type` (built-in and registered), in registry order: what
   * `_include=Type:*` and `_revinclude=Type:*` follow, and where a reference to a renamed resource is indexed.
   * @see https://hl7.org/fhir/R5/search.html#reference
   */
  referenceParameterCodes(type: string): string[] {
    return [...this.forType(type).values()].filter((p) => p.type === 'reference').map((p) => p.code);
  }

  /** The parameter `code` of `type`, if there is one. */
  get(type: string, code: string): CompiledSearchParameter | undefined {
    return this.forType(type).get(code);
  }

  /**
   * Adds a SearchParameter (400 when it is not a usable one). Returns what was compiled, one per base type,
   * so the caller can back-fill the index of existing resources. Loads fhirpath.js first when the expression
   * is not a plain path the compiled walker reads (so evaluation never waits for it later, inside a
   * transaction); call it outside any transaction.
   */
  async register(sp: SearchParameter): Promise<CompiledSearchParameter[]> {
    if (sp?.resourceType !== 'SearchParameter') throw badRequest('registerSearchParameter takes a SearchParameter resource');
    if (!sp.code || !/^[A-Za-z][A-Za-z0-9_\-.]*$/.test(sp.code)) throw badRequest(`SearchParameter.code '${String(sp.code)}' is not a valid code`, ['SearchParameter.code']);
    if (!INDEXED_TYPES.has(sp.type)) {
      throw badRequest(`SearchParameter type '${sp.type}' is not supported (supported: ${[...INDEXED_TYPES].join(', ')})`, ['SearchParameter.type']);
    }
    if (!sp.expression) throw badRequest('A SearchParameter needs an expression', ['SearchParameter.expression']);
    if (needsFhirPath(sp)) await loadFhirPath();
    let compiled: CompiledSearchParameter[];
    try {
      compiled = compileForAllBases(sp);
    } catch (e) {
      throw badRequest(`SearchParameter.expression cannot be compiled: ${(e as Error).message}`, ['SearchParameter.expression']);
    }
    if (compiled.length === 0) throw badRequest('The SearchParameter applies to no resource type', ['SearchParameter.base']);
    for (const p of compiled) {
      let forType = this.custom.get(p.resourceType);
      if (!forType) this.custom.set(p.resourceType, (forType = new Map()));
      forType.set(p.code, p);
      this.cache.delete(p.resourceType);
    }
    return compiled;
  }
}
