/**
 * Full-text search for `_text` (the narrative) and `_content` (the whole resource): lunr's term pipeline,
 * a small boolean query language, and BM25 ranking. Pure functions: storage keeps the postings
 * (term, resource, frequency) and calls these (docs/architecture.md, "Storage and the write path": full text).
 * @see https://hl7.org/fhir/R5/search.html#text
 * @see https://hl7.org/fhir/R5/search.html#content
 * @module
 */
export { textTerms, loadTextPipeline } from './terms.js';
export { narrativeText } from './narrative.js';
export { contentText } from './content.js';
export { parseTextQuery, queryTerms, matchesText, type TextQuery } from './query.js';
export { bm25, normaliseScore, normaliseScores } from './bm25.js';
