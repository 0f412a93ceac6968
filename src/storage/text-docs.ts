import type { TextDoc } from '../search/engine/source.js';
import type { RowText } from './rows.js';

/** How `_text` is stored when all its terms are `_content` terms: its length and `[index in _content's terms, tf]`. */
type NarrativeRef = [length: number, refs: [index: number, tf: number][]];

/** The stored form: `_content` as it is, `_text` by reference when it can be, else as it is. */
interface StoredDocs {
  c?: TextDoc;
  t?: TextDoc;
  r?: NarrativeRef;
}

/**
 * The full-text documents of a version as one string for its `texts` row. One string clones several times
 * faster than the arrays it stands for (every write pays the clone), and `_text`, whose terms are those of the
 * narrative and so (see `contentText`) `_content` terms too, is kept as indexes into `_content`'s terms: about
 * 40% of the row.
 */
export function encodeDocs(text: RowText): string {
  const stored: StoredDocs = {};
  const content = text._content;
  if (content) stored.c = content;
  const narrative = text._text;
  if (narrative) {
    const at = new Map(content?.terms.map(([term], i) => [term, i]));
    const refs = narrative.terms.map(([term, tf]): [number, number] | undefined => (at.has(term) ? [at.get(term)!, tf] : undefined));
    if (refs.every((r) => r !== undefined)) stored.r = [narrative.length, refs as [number, number][]];
    else stored.t = narrative;
  }
  return JSON.stringify(stored);
}

/** The documents `encodeDocs` stored. */
export function decodeDocs(s: string): RowText {
  const stored = JSON.parse(s) as StoredDocs;
  const text: RowText = {};
  if (stored.c) text._content = stored.c;
  if (stored.t) text._text = stored.t;
  else if (stored.r) {
    const terms = stored.c?.terms ?? [];
    text._text = { length: stored.r[0], terms: stored.r[1].map(([i, tf]): [string, number] => [terms[i]![0], tf]) };
  }
  return text;
}
