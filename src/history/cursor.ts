import { badRequest } from '../errors/fhir-error.js';

/** Encodes a history cursor for a `_page` link parameter. */
export const encodeHistoryCursor = (c: { ts: number; seq: number }): string => `h.${c.ts}.${c.seq}`;

/** Decodes a `_page` history cursor (400 when it is not one this store made). */
export function decodeHistoryCursor(page: string): { ts: number; seq: number } {
  const m = /^h\.(-?\d+)\.(\d+)$/.exec(page);
  if (!m) throw badRequest(`Invalid history paging cursor '${page}'`, ['_page']);
  return { ts: Number(m[1]), seq: Number(m[2]) };
}
