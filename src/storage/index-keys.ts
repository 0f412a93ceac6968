import { typeKeyCode } from '../model/resource-type-codes.js';
import { END, SEP } from '../search/parameters/index-entry.js';
import type { IndexEntry, RowText } from './rows.js';

// Dates are epoch ms in ±8.64e15; shifted by 9e15 they are positive integers below 16^14: 14 hex digits. The sum
// passes 2^53 (from the year 2198 on), so it is made in BigInt: the entries are decoded from these keys, exactly.
const OFFSET = 9_000_000_000_000_000n;
const WIDTH = 14;
/** −∞ and +∞ as date keys: below and above every real date, and as wide as one (a date key is fixed width). */
const MINUS_INFINITY = `d${'0'.repeat(WIDTH)}`;
const PLUS_INFINITY = `d${'g'.repeat(WIDTH)}`;
/** One encoded date. */
const DATE = `d[0-9a-g]{${WIDTH}}`;
/** The value part of a date entry's `ix` key: the low end then the high end, both fixed width. */
const DATE_RANGE_KEY = new RegExp(`^(${DATE})(${DATE})$`);
const DATE_KEY = new RegExp(`^${DATE}$`);

/**
 * A sortable string for an index value: strings as they are, numbers (dates) as `d` + fixed-width hex so that
 * string order is numeric order; −∞ sorts before every date and +∞ after. String keys always start with a
 * tag and `\u001f` (see `key` in index-entry.ts), never with `d` + 14 hex digits, so the two cannot be confused.
 */
export function encodeValue(value: string | number): string {
  if (typeof value === 'string') return value;
  if (value === -Infinity) return MINUS_INFINITY;
  if (value === Infinity) return PLUS_INFINITY;
  return `d${(BigInt(Math.round(value)) + OFFSET).toString(16).padStart(WIDTH, '0')}`;
}

/** The inverse of `encodeValue` for one date (`s` is 15 characters); anything else is returned as it is. */
export function decodeValue(s: string): string | number {
  if (!DATE_KEY.test(s)) return s;
  if (s === MINUS_INFINITY) return -Infinity;
  if (s === PLUS_INFINITY) return Infinity;
  return Number(BigInt(`0x${s.slice(1)}`) - OFFSET);
}

/**
 * The prefix every index key of one parameter of one type starts with: the type's short code (see
 * `typeKeyCode`), the parameter code and a separator. Parameter codes stay readable: they are data (users
 * register their own), and the code is what a stored key decodes back to.
 */
export const keyPrefix = (type: string, param: string): string => `${typeKeyCode(type)}${param}${SEP}`;

/** The prefix of the full-text postings of one type (terms are lunr tokens: no separator needed). */
export const termPrefix = (type: string): string => typeKeyCode(type);

/** Where a key range starts and ends on a multi-entry index, as Dexie's `between` takes it. */
export interface KeyBounds {
  lower: string;
  upper: string;
  includeLower: boolean;
  includeUpper: boolean;
}

/**
 * The stored key range of a logical range of one parameter's values. On `ix` a date entry's key carries its low
 * end then its high end (`prefix + enc(low) + enc(high)`), so a bound on the low end covers every high end after
 * it: `low ≤ u` is `key ≤ prefix + enc(u) + END`, `low < u` is `key < prefix + enc(u)`, `low > l` is
 * `key > prefix + enc(l) + END`. On `hx` the keys are the high ends alone. String bounds are keys as they are.
 */
export function keyBounds(prefix: string, r: { lower: string | number; upper: string | number; lowerOpen?: boolean; upperOpen?: boolean; on?: 'value' | 'high' }): KeyBounds {
  const inline = r.on !== 'high';
  const lowerOpen = r.lowerOpen ?? false;
  const upperOpen = r.upperOpen ?? false;
  const lowerDate = inline && typeof r.lower === 'number';
  const upperDate = inline && typeof r.upper === 'number';
  return {
    lower: prefix + encodeValue(r.lower) + (lowerDate && lowerOpen ? END : ''),
    upper: prefix + encodeValue(r.upper) + (upperDate && !upperOpen ? END : ''),
    includeLower: !lowerOpen,
    includeUpper: !upperOpen,
  };
}

/** The logical value of the value part of an `ix` key: a date entry's low end, or the string key. */
export function keyValue(valuePart: string): string | number {
  const m = DATE_RANGE_KEY.exec(valuePart);
  return m ? (decodeValue(m[1]!) as number) : valuePart;
}

/**
 * The multi-entry index keys of a resource row: `ix` for each entry (a date with both its ends), `hx` for the
 * high end of date ranges. IndexedDB maintains these with the row itself, so a write puts one row and never diffs
 * or deletes index rows. The entries themselves are not stored besides: `indexEntries` decodes them from `ix`.
 */
export function rowIndexKeys(type: string, index: IndexEntry[]): { ix: string[]; hx: string[] } {
  const ix = new Set<string>();
  const hx = new Set<string>();
  for (const e of index) {
    const prefix = keyPrefix(type, e.param);
    if (e.high === undefined) ix.add(prefix + encodeValue(e.value));
    else {
      ix.add(prefix + encodeValue(e.value) + encodeValue(e.high));
      hx.add(prefix + encodeValue(e.high));
    }
  }
  return { ix: [...ix], hx: [...hx] };
}

/** The index entries an `ix` list stands for (the inverse of `rowIndexKeys`, up to duplicate entries). */
export function indexEntries(type: string, ix: readonly string[]): IndexEntry[] {
  const skip = typeKeyCode(type).length;
  return ix.map((k): IndexEntry => {
    const sep = k.indexOf(SEP, skip);
    const param = k.slice(skip, sep);
    const m = DATE_RANGE_KEY.exec(k.slice(sep + 1));
    return m ? { param, value: decodeValue(m[1]!), high: decodeValue(m[2]!) as number } : { param, value: k.slice(sep + 1) };
  });
}

/** The full-text postings of a row: each term of either document once, under the type's prefix. */
export function textKeys(type: string, text: RowText): string[] {
  const prefix = termPrefix(type);
  const terms = new Set<string>();
  for (const field of ['_text', '_content'] as const) for (const [term] of text[field]?.terms ?? []) terms.add(prefix + term);
  return [...terms];
}
