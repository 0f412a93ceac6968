import type { CompiledSearchParameter } from '../parameters/types.js';

/** Default and largest page size for search and history (https://hl7.org/fhir/R5/search.html#count). */
export const DEFAULT_COUNT = 50;
export const MAX_COUNT = 1000;

/** A parameter clause `code[:modifier]=v1,v2`: values ORed; clauses ANDed. */
export interface ParamClause {
  kind: 'param';
  /** The name as written, e.g. `identifier:of-type`. */
  name: string;
  param: CompiledSearchParameter;
  modifier?: string;
  /** Raw (still escaped) OR values. */
  values: string[];
}

/** A chained clause `ref[:Type].inner=…`: resources whose reference `ref` points at a match of `inner`. */
export interface ChainClause {
  kind: 'chain';
  name: string;
  param: CompiledSearchParameter;
  /** One inner search per target type that has the chained parameter (the `:Type` modifier picks one). */
  branches: { type: string; inner: Clause }[];
}

/** Reverse chaining `_has:Type:ref:inner=…`: resources that `Type` resources matching `inner` refer to via `ref`. */
export interface HasClause {
  kind: 'has';
  name: string;
  type: string;
  ref: CompiledSearchParameter;
  inner: Clause;
}

/** `_text` / `_content`: full text over the narrative or the whole resource. */
export interface TextClause {
  kind: 'text';
  name: string;
  field: '_text' | '_content';
  value: string;
}

export type Clause = ParamClause | ChainClause | HasClause | TextClause;

/** One `_sort` key. */
export interface SortKey {
  code: string;
  descending: boolean;
  param?: CompiledSearchParameter;
}

/** One `_include` / `_revinclude` (https://hl7.org/fhir/R5/search.html#include). */
export interface IncludeSpec {
  /** As written, for the self link. */
  raw: string;
  reverse: boolean;
  iterate: boolean;
  /** Source type: for _include the type that holds the reference; for _revinclude the referring type. `*` for any. */
  sourceType: string;
  /** Reference parameter code, `*` for all. */
  param: string;
  targetType?: string;
}

/** `_summary` values (https://hl7.org/fhir/R5/search.html#summary). */
export type SummaryMode = 'true' | 'text' | 'data' | 'count' | 'false';

/** `_total` values (https://hl7.org/fhir/R5/search.html#total). */
export type TotalMode = 'none' | 'estimate' | 'accurate';

/** A parsed search: the one model that planning, matching and link formatting share. */
export interface SearchQuery {
  /** Resource types searched: one for a type search, several for a system search with `_type`. */
  types: string[];
  clauses: Clause[];
  count: number;
  sort: SortKey[];
  include: IncludeSpec[];
  summary?: SummaryMode;
  elements?: string[];
  total?: TotalMode;
  /** Opaque keyset cursor from a `next`/`previous` link. */
  page?: string;
  /** Parameters ignored under `Prefer: handling=lenient`. */
  ignored: string[];
  /** Whether `_type` was given (system search), for the self link. */
  typeParam?: boolean;
}
