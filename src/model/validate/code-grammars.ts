/*
 * Value sets too large to list (all languages, all MIME types, all currencies) are checked by the
 * grammar of their codes only: a well-formed code is accepted without a terminology lookup.
 */

// RFC 5646 langtag (language, script, region, variants, extensions, private use) or a private-use /
// `i-` grandfathered tag. Case-insensitive per RFC 5646 §2.1.1.
const BCP47_PATTERN = new RegExp(
  '^(?:' +
    '(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})' + // language (with extlang)
    '(?:-[a-z]{4})?' + // script
    '(?:-(?:[a-z]{2}|[0-9]{3}))?' + // region
    '(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*' + // variants
    '(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*' + // extensions
    '(?:-x(?:-[a-z0-9]{1,8})+)?' + // private use
    '|x(?:-[a-z0-9]{1,8})+' +
    '|i-[a-z]{2,8}' +
    ')$',
  'i',
);

/**
 * True when `code` has the shape of a BCP-47 language tag (RFC 5646), the grammar of the R5
 * `all-languages` value set.
 * @see https://hl7.org/fhir/R5/valueset-all-languages.html
 * @see https://www.rfc-editor.org/rfc/rfc5646#section-2.1
 */
export const isBcp47LanguageTag = (code: string): boolean => BCP47_PATTERN.test(code);

const TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";
const MIME_TYPE_PATTERN = new RegExp(`^${TOKEN}/${TOKEN}(?: ?; ?${TOKEN}=(?:${TOKEN}|"[^"]*"))*$`);

/**
 * True when `code` has the shape of a MIME type with optional parameters (BCP 13, RFC 6838), the
 * grammar of the R5 `mimetypes` value set.
 * @see https://hl7.org/fhir/R5/valueset-mimetypes.html
 */
export const isMimeType = (code: string): boolean => MIME_TYPE_PATTERN.test(code);

/**
 * True when `code` has the shape of an ISO 4217 alphabetic currency code, the grammar of the R5
 * `currencies` value set.
 * @see https://hl7.org/fhir/R5/valueset-currencies.html
 */
export const isCurrencyCode = (code: string): boolean => /^[A-Z]{3}$/.test(code);
