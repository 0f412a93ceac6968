import type { Resource } from 'fhir/r5';
import type { ExtractContext } from '../parameters/extract.js';
import { entriesFor } from '../parameters/extract.js';
import type { IndexEntry } from '../parameters/index-entry.js';
import type { SearchRegistry } from '../parameters/registry.js';
import type { TextDoc } from './source.js';
import { contentText, narrativeText, textTerms } from '../text/index.js';

/** The full-text documents of a resource. */
export interface RowText {
  _text?: TextDoc;
  _content?: TextDoc;
}

/**
 * The version of what `indexResource` produces. Bump it when extraction changes: a database indexed with
 * another version is re-indexed when opened.
 */
export const INDEX_FORMAT = 6;

/** Parameters answered from the resource row itself, never written as index rows. */
const ROW_PARAMETERS = new Set(['_id', '_lastUpdated']);

function doc(text: string): TextDoc | undefined {
  const terms = textTerms(text);
  if (terms.size === 0) return undefined;
  let length = 0;
  for (const n of terms.values()) length += n;
  return { length, terms: [...terms] };
}

/**
 * Computes everything a write stores for search: the index entries of every parameter that applies to the
 * resource's type, and its full-text documents. Pure and synchronous: it runs before the write transaction.
 */
export function indexResource(resource: Resource, registry: SearchRegistry, ctx: ExtractContext): { index: IndexEntry[]; text: RowText } {
  const index: IndexEntry[] = [];
  for (const param of registry.forType(resource.resourceType).values()) {
    if (ROW_PARAMETERS.has(param.code) || param.type === 'special') continue;
    for (const e of entriesFor(param, resource, ctx)) index.push(e);
  }
  const text: RowText = {};
  const narrative = doc(narrativeText(resource));
  if (narrative) text._text = narrative;
  const content = doc(contentText(resource));
  if (content) text._content = content;
  return { index, text };
}
