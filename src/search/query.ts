import type { SearchParameterDef } from './parameters.js';

/** Default and largest page size for search and history (https://hl7.org/fhir/R5/search.html#count). */
export const DEFAULT_COUNT = 50;
export const MAX_COUNT = 1000;

/** One search parameter of a query: its values are ORed; clauses are ANDed. */
export interface SearchClause {
  /** The name as written, e.g. `identifier` or `identifier:missing`. */
  name: string;
  code: string;
  modifier?: string;
  def: SearchParameterDef;
  /** Raw (still escaped) OR values, e.g. `['a', 'sys|b']`. */
  values: string[];
}

/** `_summary` values (https://hl7.org/fhir/R5/search.html#summary). */
export type SummaryMode = 'count' | 'false';

/** `_total` values (https://hl7.org/fhir/R5/search.html#total). */
export type TotalMode = 'none' | 'estimate' | 'accurate';

/** A parsed search: the one model that planning, matching and link formatting share. */
export interface SearchQuery {
  type: string;
  clauses: SearchClause[];
  count: number;
  summary?: SummaryMode;
  total?: TotalMode;
  /** Opaque keyset cursor from a `next` link. */
  page?: string;
  /** Parameters ignored under `Prefer: handling=lenient`. */
  ignored: string[];
}
