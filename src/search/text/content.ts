/**
 * The searchable text of a whole resource for `_content`.
 * @see https://hl7.org/fhir/R5/search.html#content
 * @module
 */
import { xhtmlToText } from './narrative.js';

/**
 * Keys whose string values are identity, plumbing or binary rather than content, at any depth:
 * - `resourceType`: the endpoint already fixes the type;
 * - `id`: the resource id (searched by `_id`) and element ids (internal anchors);
 * - `system`, `url`, `reference`: namespace URIs, canonicals/locators and literal `Type/id` references;
 *   as words they would put `http`, `hl7.org`… in nearly every document and match everything. A
 *   Reference's `display` and `identifier.value` stay;
 * - `data`: base64 (`Attachment.data`, `Signature.data`, `Binary.data`), huge and never words.
 */
const SKIP = new Set(['resourceType', 'id', 'system', 'url', 'reference', 'data']);
/** Of `meta` only the labels a user sees are content; versionId, lastUpdated, source and profile are bookkeeping. */
const META_KEEP = ['tag', 'security'] as const;
/** A date, dateTime or instant with at least year and month (a bare year such as `2024` stays a word). */
const DATE_LIKE = /^\d{4}-\d{2}(?:-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)?$/;
const URN_UID = /^urn:(?:oid|uuid):/i;

function collect(value: unknown, key: string, out: string[]): void {
  if (typeof value === 'string') {
    if (key === 'div') out.push(xhtmlToText(value));
    else if (!DATE_LIKE.test(value)) {
      out.push(value);
      // DICOM tools show UIDs bare; the identifier wraps them as urn:oid:… (one lunr token). Give both.
      if (URN_UID.test(value)) out.push(value.slice(value.indexOf(':', 4) + 1));
    }
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, key, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (SKIP.has(k)) continue;
      if (k === 'meta' && typeof v === 'object' && v !== null) {
        for (const m of META_KEEP) collect((v as Record<string, unknown>)[m], m, out);
      } else if (k === 'text' && typeof v === 'object' && v !== null && 'div' in v) {
        collect(v.div, 'div', out); // a Narrative: its status (`generated`…) says nothing of the resource
      } else collect(v, k, out);
    }
  }
  // numbers and booleans are not text: they have number/quantity/token parameters.
}

/**
 * Every string value of the resource, one per line, for `_content` (Resource-content). Included: all
 * primitive strings at any depth — codes, displays, `CodeableConcept.text`, identifier values, UIDs,
 * markdown, extension values, `meta.tag`/`meta.security`, contained resources, and the narrative as
 * plain text (as `narrativeText` gives it). An `urn:oid:`/`urn:uuid:` value is also given bare, so a UID
 * pasted from a DICOM viewer finds the identifier that wraps it.
 *
 * Excluded, because they are not what a person would type and would only add noise or size:
 * - `resourceType`, `id` at any depth (`_id` searches the resource id), `meta.versionId`,
 *   `meta.lastUpdated`, `meta.source`, `meta.profile`, and a narrative's `status` (`generated` would be in
 *   nearly every resource);
 * - values of `system`, `url` and `reference` keys (URIs and literal references: searched with token,
 *   uri and reference parameters; as text their fragments would match nearly every resource);
 * - `data` (base64), and strings that are dates with at least year-month (dates have `date` parameters
 *   with precision; lunr would cut them into fragments like `01`);
 * - numbers and booleans (not strings in FHIR JSON).
 * @see https://hl7.org/fhir/R5/search.html#content
 */
export function contentText(resource: unknown): string {
  const out: string[] = [];
  collect(resource, '', out);
  return out.join('\n');
}
