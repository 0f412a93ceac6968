/**
 * The readable text of a narrative (`text.div`, limited XHTML): tags out, entities decoded, whitespace
 * collapsed. It feeds `_text` and the narrative part of `_content`.
 * @see https://hl7.org/fhir/R5/search.html#text
 * @see https://hl7.org/fhir/R5/narrative.html
 * @module
 */

/** Comments, CDATA markers, and `<script>`/`<style>` with their bodies (not allowed in narrative, but never text). */
const NON_TEXT = /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[|\]\]>|<(script|style)\b[\s\S]*?(?:<\/\1\s*>|$)/gi;
/** A start or end tag; quoted attribute values may hold `>`. Group 1 is the element name. */
const TAG = /<\/?([A-Za-z][\w:.-]*)(?:[^>"']|"[^"]*"|'[^']*')*>/g;
/** Elements that separate words (`<td>a</td><td>b</td>` is `a b`); other tags (`<b>`, `<span>`…) join. */
const BLOCK = new Set(
  'address article aside blockquote br caption dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header hr img li ol p pre section table tbody td tfoot th thead tr ul'.split(' '),
);
const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z]+));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function codePoint(n: number, raw: string): string {
  // Surrogates and out-of-range numbers are not characters: keep the reference as written.
  return n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff) || n === 0 ? raw : String.fromCodePoint(n);
}

/**
 * Decodes the XML entities (`&amp; &lt; &gt; &quot; &apos;`), `&nbsp;`, and numeric references (`&#39;`,
 * `&#x2019;`). Unknown named entities are left as written.
 */
function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (raw, dec?: string, hex?: string, name?: string) => {
    if (dec !== undefined) return codePoint(Number.parseInt(dec, 10), raw);
    if (hex !== undefined) return codePoint(Number.parseInt(hex, 16), raw);
    return NAMED[name!] ?? raw;
  });
}

/**
 * XHTML → plain text. Tags are removed before entities are decoded, so `&lt;b&gt;` stays the text `<b>`.
 * Block-level tags become a space so that table cells and paragraphs do not run together.
 */
export function xhtmlToText(xhtml: string): string {
  // Indexing a resource asks twice for the same narrative (`_text`, then inside `_content`): the second is free.
  if (xhtml === last.xhtml) return last.text;
  const stripped = xhtml
    .replace(NON_TEXT, ' ')
    .replace(TAG, (_tag, name: string) => (BLOCK.has(name.toLowerCase()) ? ' ' : ''));
  const text = decodeEntities(stripped).replace(/\s+/g, ' ').trim(); // \s includes U+00A0 (&nbsp;)
  last = { xhtml, text };
  return text;
}

/** The last narrative converted, and its text. */
let last = { xhtml: '', text: '' };

/**
 * The human-readable text of a resource's narrative: `text.div` with XHTML tags removed, entities decoded
 * (`&amp; &lt; &gt; &quot; &#39; &#x..; &#..; &nbsp;`), whitespace collapsed; `''` when the resource has
 * no narrative. What `_text` (DomainResource-text) searches. Contained resources' narratives are not
 * included (their text is not the container's narrative).
 * @see https://hl7.org/fhir/R5/search.html#text
 */
export function narrativeText(resource: unknown): string {
  if (typeof resource !== 'object' || resource === null) return '';
  const text = (resource as { text?: unknown }).text;
  if (typeof text !== 'object' || text === null) return '';
  const div = (text as { div?: unknown }).div;
  return typeof div === 'string' ? xhtmlToText(div) : '';
}
