import { typeKeyCode } from '../model/resource-type-codes.js';
import { SEP } from '../search/parameters/index-entry.js';
import type { DateEntry, IndexEntry, RowText } from './rows.js';

// Dates are epoch ms in ±8.64e15; shifted by 9e15 they are positive integers below 16^14: 14 hex digits. The sum
// passes 2^53 (from the year 2198 on), so it is made in BigInt: the entries are decoded from these keys, exactly.
const OFFSET = 9_000_000_000_000_000n;
const WIDTH = 14;
/** −∞ and +∞ as date keys: below and above every real date, and as wide as one (a date key is fixed width). */
const MINUS_INFINITY = `d${'0'.repeat(WIDTH)}`;
const PLUS_INFINITY = `d${'g'.repeat(WIDTH)}`;
/** One encoded date (the value part of a date key). */
const DATE_KEY = new RegExp(`^d[0-9a-g]{${WIDTH}}$`);

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

/**
 * Whether a stored `ix` key holds an encoded date (or number): a key only ranges reach, never one equality
 * looks up. Parameter codes hold no separator, so the value starts after the first one.
 */
export const isDateKey = (storedKey: string): boolean => DATE_KEY.test(storedKey.slice(storedKey.indexOf(SEP) + 1));

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
 * The stored key range of a logical range of one parameter's values: both ends encoded under the prefix. A date's
 * `ix` key is its low end alone and its `hx` key its high end alone, so keys of equal value stay in resource id
 * order, which a walk of the sort index resumes by.
 */
export function keyBounds(prefix: string, r: { lower: string | number; upper: string | number; lowerOpen?: boolean; upperOpen?: boolean }): KeyBounds {
  return { lower: prefix + encodeValue(r.lower), upper: prefix + encodeValue(r.upper), includeLower: !r.lowerOpen, includeUpper: !r.upperOpen };
}

/**
 * The multi-entry index keys of a resource row: `ix` for each entry's value (a date's low end), `hx` for the high
 * end of date ranges, and the date entries themselves (`dates`: which low goes with which high, which the keys
 * alone do not say). IndexedDB maintains the keys with the row itself, so a write puts one row and never diffs or
 * deletes index rows. The other entries are not stored besides: `indexEntries` decodes them from `ix`.
 */
export function rowIndexKeys(type: string, index: IndexEntry[]): { ix: string[]; hx: string[]; dates: DateEntry[] } {
  const ix = new Set<string>();
  const hx = new Set<string>();
  const dates = new Map<string, DateEntry>();
  for (const e of index) {
    const prefix = keyPrefix(type, e.param);
    ix.add(prefix + encodeValue(e.value));
    if (e.high !== undefined) {
      hx.add(prefix + encodeValue(e.high));
      dates.set(`${e.param}\u0000${e.value}\u0000${e.high}`, [e.param, e.value as number, e.high]);
    }
  }
  return { ix: [...ix], hx: [...hx], dates: [...dates.values()] };
}

/** The index entries of a row: the string entries decoded from its `ix` keys, the date entries as kept. */
export function indexEntries(type: string, ix: readonly string[], dates: readonly DateEntry[]): IndexEntry[] {
  const skip = typeKeyCode(type).length;
  const entries: IndexEntry[] = [];
  for (const k of ix) {
    const sep = k.indexOf(SEP, skip);
    const value = k.slice(sep + 1);
    if (!DATE_KEY.test(value)) entries.push({ param: k.slice(skip, sep), value });
  }
  for (const [param, value, high] of dates) entries.push({ param, value, high });
  return entries;
}

/** The full-text postings of a row: each term of either document once, under the type's prefix. */
export function textKeys(type: string, text: RowText): string[] {
  const prefix = termPrefix(type);
  const terms = new Set<string>();
  for (const field of ['_text', '_content'] as const) for (const [term] of text[field]?.terms ?? []) terms.add(prefix + term);
  return [...terms];
}
