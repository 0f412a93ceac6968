/**
 * Terms of free text for `_text` / `_content`, made by lunr's own pipeline so that documents and queries
 * agree on tokens, stop words and stems. Only the pure term making is used: a built `lunr.Index` is
 * immutable and in-memory, so postings are kept by storage instead (docs/architecture.md, "Storage and the write path": full text).
 * @see https://hl7.org/fhir/R5/search.html#text
 * @module
 */
import type Lunr from 'lunr';

/**
 * lunr and its trimmer → stopWordFilter → stemmer pipeline (lunr's `Builder` uses the same three, in this order,
 * after `lunr.tokenizer`), once loaded.
 */
let loaded: { lunr: typeof Lunr; pipeline: Lunr.Pipeline } | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads lunr (a dynamic import: 29 KB minified that every app would otherwise download before `openStore` runs,
 * docs/bundle-size.md) and builds the pipeline once; later calls return the same promise, and a failed load is
 * retried by the next call. `openStore` awaits it before the store is used, so every write and `_text` query
 * of a store finds it loaded.
 * @see https://hl7.org/fhir/R5/search.html#text
 */
export function loadTextPipeline(): Promise<void> {
  loading ??= import('lunr').then(
    (m) => {
      // lunr is CommonJS: its exports are the namespace's default under Node and bundlers alike.
      const lunr = ((m as { default?: typeof Lunr }).default ?? m) as typeof Lunr;
      const pipeline = new lunr.Pipeline();
      pipeline.add(lunr.trimmer, lunr.stopWordFilter, lunr.stemmer);
      loaded = { lunr, pipeline };
    },
    (e: unknown) => {
      loading = undefined;
      throw e;
    },
  );
  return loading;
}

/** lunr and the pipeline; throws when a caller skipped {@link loadTextPipeline} (a bug of the store, not of input). */
function lunrPipeline(): { lunr: typeof Lunr; pipeline: Lunr.Pipeline } {
  if (loaded === undefined) throw new Error('The full-text pipeline is not loaded: await loadTextPipeline() first');
  return loaded;
}

const NON_ASCII = /[^\x00-\x7f]/;
const MARKS = /\p{M}+/gu;

/**
 * Folds accents (`café` → `cafe`) and compatibility forms (ligatures, full-width letters) before lunr sees
 * the text: lunr's trimmer strips every non-ASCII character (`\W`) at either end of a token, so without
 * this `café` would index as `caf`. FHIR string search is accent-insensitive too. ASCII text (the common
 * case) skips the normalisation.
 */
function fold(text: string): string {
  return NON_ASCII.test(text) ? text.normalize('NFKD').replace(MARKS, '') : text;
}

/** word (lower-cased) → its term, or '' when the pipeline drops it. Bounded: cleared when full. */
const memo = new Map<string, string>();
const MEMO_MAX = 20_000;

/**
 * The term of one lower-cased word through the pipeline, memoised: the same words (field names, codes,
 * UIDs repeated in narrative and data) recur on every write, and the stemmer is the costly step. The
 * pipeline's functions look at one token at a time, so word by word gives what a whole run would.
 */
function termOf(word: string): string {
  let term = memo.get(word);
  if (term === undefined) {
    const { lunr, pipeline } = lunrPipeline();
    term = pipeline.run(lunr.tokenizer([word])).map(String)[0] ?? '';
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(word, term);
  }
  return term;
}

/**
 * Runs `text` through lunr's tokenizer (lower-cases, splits on `lunr.tokenizer.separator`: whitespace and
 * hyphens), then the pipeline; tokens the trimmer empties (`-`, `*`, `()`) are dropped, which lunr itself
 * does not do. The split is done here and each word handed to `lunr.tokenizer` as an array element: the
 * same tokens as passing the whole string, without lunr's per-character regex test.
 */
export function pipelineTokens(text: string): string[] {
  const out: string[] = [];
  const { lunr } = lunrPipeline();
  for (const word of fold(text).toLowerCase().split(lunr.tokenizer.separator)) {
    if (word === '') continue;
    const term = termOf(word);
    if (term !== '') out.push(term);
  }
  return out;
}

/**
 * The terms of a text, term → frequency, made with lunr's pipeline (tokenizer → trimmer → stopWordFilter
 * → stemmer): lower-cased, stop words (`the`, `of`, `and`…) dropped, English Porter stems (`selected` →
 * `select`, `images` → `imag`). The document length for `bm25` is the sum of the frequencies.
 *
 * Limits inherited from lunr: English only; tokens split on whitespace and `-` only (so `a,b` stays one
 * token, `x-ray` is `x` + `ray`); letters outside ASCII that survive accent folding are trimmed at token
 * ends (non-Latin scripts vanish).
 * @see https://hl7.org/fhir/R5/search.html#text
 * @see https://hl7.org/fhir/R5/search.html#content
 */
export function textTerms(text: string): Map<string, number> {
  const terms = new Map<string, number>();
  for (const t of pipelineTokens(text)) terms.set(t, (terms.get(t) ?? 0) + 1);
  return terms;
}
