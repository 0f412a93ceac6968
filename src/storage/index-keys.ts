import { SEP } from '../search/parameters/index-entry.js';
import type { IndexEntry, RowText } from './rows.js';

// Dates are epoch ms in ±8.64e15; shifted by 9e15 they are positive integers below 2^54: 14 hex digits.
const OFFSET = 9e15;
const WIDTH = 14;

/**
 * A sortable string for an index value: strings as they are, numbers (dates) as `d` + fixed-width hex so that
 * string order is numeric order; −∞ sorts before every date and +∞ after.
 */
export function encodeValue(value: string | number): string {
  if (typeof value === 'string') return value;
  if (value === -Infinity) return 'd';
  if (value === Infinity) return 'dg';
  return `d${Math.round(value + OFFSET).toString(16).padStart(WIDTH, '0')}`;
}

/** The inverse of `encodeValue` for date keys. */
export function decodeValue(s: string): string | number {
  if (!/^d[0-9a-g]*$/.test(s) || (s.length !== WIDTH + 1 && s !== 'd' && s !== 'dg')) return s;
  if (s === 'd') return -Infinity;
  if (s === 'dg') return Infinity;
  return parseInt(s.slice(1), 16) - OFFSET;
}

/** The prefix every index key of one parameter of one type starts with. */
export const keyPrefix = (type: string, param: string): string => `${type}${SEP}${param}${SEP}`;

/**
 * The multi-entry index keys of a resource row: `ix` for each entry's value, `hx` for the high end of date
 * ranges, `tx` for full-text terms. IndexedDB maintains these with the row itself, so a write puts one row and
 * never diffs or deletes index rows; an index entry costs a fraction of a stored row.
 */
export function rowIndexKeys(type: string, index: IndexEntry[], text: RowText | undefined): { ix: string[]; hx: string[]; tx: string[] } {
  const ix = new Set<string>();
  const hx = new Set<string>();
  for (const e of index) {
    ix.add(keyPrefix(type, e.param) + encodeValue(e.value));
    if (e.high !== undefined) hx.add(keyPrefix(type, e.param) + encodeValue(e.high));
  }
  const tx = new Set<string>();
  for (const field of ['_text', '_content'] as const) for (const [term] of text?.[field]?.terms ?? []) tx.add(keyPrefix(type, field) + term);
  return { ix: [...ix], hx: [...hx], tx: [...tx] };
}
