import type { Resource } from 'fhir/r5';
import { indexEntries, rowIndexKeys } from './index-keys.js';
import type { IndexEntry, ResourceRow, RowText, TextRow } from './rows.js';
import { encodeDocs } from './text-docs.js';

/** Server-managed meta: the store sets versionId and lastUpdated and ignores what the client sent. */
export function stampMeta(resource: Resource, id: string, versionId: number, lastUpdated: string): Resource {
  return { ...resource, id, meta: { ...resource.meta, versionId: String(versionId), lastUpdated } } as Resource;
}

/** The fields of a resource row besides its index. */
export type RowBase = Omit<ResourceRow, 'ix' | 'hx' | 'dates' | 'textLength'>;

/** A resource row and its full-text row (undefined: the version has no full text). */
export interface IndexedRow {
  row: ResourceRow;
  text: TextRow | undefined;
}

const hasText = (text: RowText | undefined): text is RowText => text !== undefined && (text._text !== undefined || text._content !== undefined);

/** A resource row with the multi-entry keys of its index entries, and the row of its full-text documents. */
export function indexedRow(base: RowBase, index: IndexEntry[], text: RowText | undefined): IndexedRow {
  const { ix, hx, dates } = rowIndexKeys(base.type, index);
  const row: ResourceRow = { ...base, ix, hx };
  if (dates.length > 0) row.dates = dates;
  if (!hasText(text)) return { row, text: undefined };
  row.textLength = [text._text?.length ?? 0, text._content?.length ?? 0];
  // Pending: the postings are written after the transaction (`postPendingTexts`).
  return { row, text: { type: base.type, ts: base.ts, id: base.id, docs: encodeDocs(text), pending: base.type } };
}

/** The key of the `texts` row of a resource row, when it has one. */
export const textKeyOf = (row: ResourceRow): [string, number, string] | undefined => (row.textLength ? [row.type, row.ts, row.id] : undefined);

const decoded = new WeakMap<ResourceRow, IndexEntry[]>();

/** The index entries of a stored row, decoded from its `ix` keys (and `dates`) once per row object. */
export function rowIndex(row: ResourceRow): IndexEntry[] {
  let index = decoded.get(row);
  if (!index) {
    index = indexEntries(row.type, row.ix ?? [], row.dates ?? []);
    decoded.set(row, index);
  }
  return index;
}
