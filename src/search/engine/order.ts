import { badRequest } from '../../errors/fhir-error.js';
import { key } from '../parameters/index-entry.js';
import type { SortKey } from '../query/search-query.js';
import type { CandidateRow } from './source.js';

/** A match with what ordering needs. */
export interface Ranked {
  row: CandidateRow;
  score?: number;
}

type SortValue = string | number | null;

const TOKEN = key.code('');
const STRING = key.string('');
const REF = key.ref('');
const URI = key.uri('');

/**
 * The value a resource sorts by for one key: for a repeating element the one earliest in the requested
 * order (the least ascending, the greatest descending); null when it has none (sorted last).
 * @see https://hl7.org/fhir/R5/search.html#sort
 */
export function sortValue(r: Ranked, k: SortKey): SortValue {
  if (k.code === '_id') return r.row.id;
  if (k.code === '_lastUpdated') return r.row.ts;
  // `_sort=_score` puts the most relevant first: relevance is a rank, and rank 1 comes first.
  if (k.code === '_score') return -(r.score ?? 0);
  const entries = r.row.index.filter((e) => e.param === k.code);
  let values: (string | number)[];
  switch (k.param?.type) {
    case 'date':
      values = entries.flatMap((e) => (typeof e.value === 'number' ? [k.descending ? (e.high ?? e.value) : e.value] : []));
      break;
    case 'string':
      values = strip(entries, STRING);
      break;
    case 'reference':
      values = [...strip(entries, REF), ...strip(entries, URI)];
      break;
    case 'uri':
      values = strip(entries, URI);
      break;
    default:
      values = strip(entries, TOKEN);
  }
  if (values.length === 0) return null;
  return values.reduce((a, b) => ((k.descending ? compare(b, a) > 0 : compare(b, a) < 0) ? b : a));
}

function strip(entries: CandidateRow['index'], prefix: string): string[] {
  return entries.flatMap((e) => (typeof e.value === 'string' && e.value.startsWith(prefix) ? [e.value.slice(prefix.length)] : []));
}

function compare(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  // Strings sort case-insensitively (R5 search.html#sort), ties broken by code unit for a total order.
  const la = sa.toLowerCase();
  const lb = sb.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** A position in a result order: the sort values, then type and id, which make the order total. */
export interface Position {
  values: SortValue[];
  type: string;
  id: string;
}

export const positionOf = (r: Ranked, keys: SortKey[]): Position => ({ values: keys.map((k) => sortValue(r, k)), type: r.row.type, id: r.row.id });

/** Compares two positions in the order the keys ask for; missing values last in both directions. */
export function comparePositions(a: Position, b: Position, keys: SortKey[]): number {
  for (let i = 0; i < keys.length; i++) {
    const va = a.values[i] ?? null;
    const vb = b.values[i] ?? null;
    if (va === null || vb === null) {
      if (va !== vb) return va === null ? 1 : -1;
      continue;
    }
    const c = compare(va, vb);
    if (c !== 0) return keys[i]!.descending ? -c : c;
  }
  // Ties follow the direction of the first sort key, as an index walked backwards gives them.
  const tie = a.type < b.type ? -1 : a.type > b.type ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  return keys[0]?.descending ? -tie : tie;
}

/** A keyset cursor: continue after (`a`) or before (`b`) a position. Opaque to clients. */
export interface Cursor {
  dir: 'a' | 'b';
  at: Position;
}

export function encodeCursor(c: Cursor): string {
  const json = JSON.stringify([c.dir, c.at.values, c.at.type, c.at.id]);
  return btoa(String.fromCharCode(...new TextEncoder().encode(json))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeCursor(page: string): Cursor {
  try {
    const b64 = page.replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)));
    const [dir, values, type, id] = JSON.parse(json) as [unknown, unknown, unknown, unknown];
    if ((dir !== 'a' && dir !== 'b') || !Array.isArray(values) || typeof type !== 'string' || typeof id !== 'string') throw new Error('shape');
    return { dir, at: { values: values as SortValue[], type, id } };
  } catch {
    throw badRequest(`Invalid paging cursor '${page}'`, ['_page']);
  }
}
