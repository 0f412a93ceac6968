import type { Resource } from 'fhir/r5';
import { rowIndexKeys } from './index-keys.js';
import type { IndexEntry, ResourceRow, RowText } from './rows.js';

/** Server-managed meta: the store sets versionId and lastUpdated and ignores what the client sent. */
export function stampMeta(resource: Resource, id: string, versionId: number, lastUpdated: string): Resource {
  return { ...resource, id, meta: { ...resource.meta, versionId: String(versionId), lastUpdated } } as Resource;
}

/** The fields of a resource row besides its index. */
export type RowBase = Omit<ResourceRow, 'packed' | 'ix' | 'hx' | 'tx'>;

/** A resource row with its index entries, full-text documents and the multi-entry keys derived from them. */
export function indexedRow(row: RowBase, index: IndexEntry[], text: RowText | undefined): ResourceRow {
  const keys = rowIndexKeys(row.type, index, text);
  const hasText = text !== undefined && (text._text !== undefined || text._content !== undefined);
  return { ...row, packed: JSON.stringify(hasText ? [index, text] : [index]), ix: keys.ix, hx: keys.hx, tx: keys.tx };
}

const unpacked = new WeakMap<ResourceRow, { index: IndexEntry[]; text: RowText | undefined }>();

/** The index entries and full-text documents of a stored row (parsed once per row object). */
export function unpackIndex(row: ResourceRow): { index: IndexEntry[]; text: RowText | undefined } {
  let u = unpacked.get(row);
  if (!u) {
    const [index, text] = JSON.parse(row.packed) as [IndexEntry[], RowText?];
    u = { index, text };
    unpacked.set(row, u);
  }
  return u;
}
