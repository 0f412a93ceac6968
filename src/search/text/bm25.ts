/**
 * Relevance for `_text` / `_content` results: Okapi BM25, reported as `entry.search.score`.
 * @see https://hl7.org/fhir/R5/search.html#text
 * @see https://hl7.org/fhir/R5/bundle-definitions.html#Bundle.entry.search.score
 * @module
 */

/** Inputs of {@link bm25}: one entry per positive query term (see `queryTerms`). */
interface Bm25Args {
  /** tf = occurrences of the term in this document (0 when absent); df = documents holding the term. */
  terms: { tf: number; df: number }[];
  /** Terms in this document (sum of its `textTerms` frequencies). */
  docLength: number;
  /** Mean `docLength` over the indexed documents of the same field (`_text` or `_content`). */
  avgDocLength: number;
  /** N: indexed documents of that field. */
  docCount: number;
  /** Term-frequency saturation, default 1.2. */
  k1?: number;
  /** Length normalisation, default 0.75. */
  b?: number;
}

/**
 * BM25 score of one document for the query's positive terms:
 * Σ idf · tf·(k1+1) / (tf + k1·(1 − b + b·docLength/avgDocLength)), with
 * idf = ln(1 + (N − df + 0.5)/(df + 0.5)) (the Lucene form, never negative). `df` is clamped to [0, N]
 * so counts read while the index changes cannot make a term's weight negative.
 * @see https://hl7.org/fhir/R5/search.html#text
 */
export function bm25({ terms, docLength, avgDocLength, docCount, k1 = 1.2, b = 0.75 }: Bm25Args): number {
  const n = Math.max(0, docCount);
  const lengthRatio = avgDocLength > 0 ? docLength / avgDocLength : 1;
  const norm = k1 * (1 - b + b * lengthRatio);
  let score = 0;
  for (const { tf, df } of terms) {
    if (!(tf > 0)) continue;
    const d = Math.min(Math.max(0, df), n);
    const idf = Math.log(1 + (n - d + 0.5) / (d + 0.5));
    score += (idf * (tf * (k1 + 1))) / (tf + norm);
  }
  return score;
}

/**
 * One raw BM25 score as `entry.search.score` in [0, 1], given the best score of the whole result set (not just
 * the page): divided by the best, so the best is 1, rounded to 6 decimals. When no score is positive every
 * entry is equally relevant (1).
 * @see https://hl7.org/fhir/R5/bundle-definitions.html#Bundle.entry.search.score
 */
export function normaliseScore(score: number, maxScore: number): number {
  if (!(maxScore > 0)) return 1;
  return score > 0 ? Math.round(Math.min(1, score / maxScore) * 1e6) / 1e6 : 0;
}

/**
 * Maps the raw BM25 scores of a result set to `entry.search.score` values with {@link normaliseScore}.
 * @see https://hl7.org/fhir/R5/bundle-definitions.html#Bundle.entry.search.score
 */
export function normaliseScores(scores: number[]): number[] {
  const max = scores.reduce((m, s) => (s > m ? s : m), 0);
  return scores.map((s) => normaliseScore(s, max));
}
