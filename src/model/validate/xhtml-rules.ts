/*
 * What a narrative may contain (R5 txt-1), as tables: the elements and attributes the HL7 FHIR validator allows
 * (org.hl7.fhir.validation XhtmlValidator: HTML_ELEMENTS, HTML_ATTRIBUTES, HTML_COMBO_LIST), which is how "the
 * basic html formatting elements and attributes described in chapters 7-11 (except section 4 of chapter 9) and 15
 * of the HTML 4.0 standard, <a> elements (either name or href), images and internally contained style attributes"
 * is enforced in practice; and which URLs an attribute may hold.
 * @see https://hl7.org/fhir/R5/narrative.html#xhtml
 * @see https://hl7.org/fhir/R5/narrative-definitions.html#Narrative.div
 */

/** The XHTML namespace: the root `div` and every element in it belong to it. */
export const XHTML_NAMESPACE = 'http://www.w3.org/1999/xhtml';
/** The namespace of `xml:lang` and `xml:space`. */
export const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
/** The namespace of namespace declarations (`xmlns`, `xmlns:x`). */
export const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';

const words = (list: string): ReadonlySet<string> => new Set(list.split(' '));

/**
 * Elements a narrative may hold. Not in it, among others: script, style, head, body, link, base, meta, form,
 * input, button, iframe, frame, object, embed, svg, math.
 * @see https://hl7.org/fhir/R5/narrative-definitions.html#Narrative.div (txt-1)
 */
export const NARRATIVE_ELEMENTS = words(
  'p br div h1 h2 h3 h4 h5 h6 a span b em i strong small big tt dfn q var abbr acronym cite blockquote hr address ' +
    'bdo kbd sub sup ul ol li dl dt dd pre table caption colgroup col thead tr tfoot tbody th td code samp img map area',
);

/** Attributes allowed on any narrative element (no namespace). */
const GLOBAL_ATTRIBUTES = words(
  'title style class id lang dir accesskey tabindex span width align valign char charoff abbr axis headers scope rowspan colspan',
);

/** Attributes allowed on one element only (no namespace), by element. */
const ELEMENT_ATTRIBUTES: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['a', words('href name charset type hreflang rel rev shape coords')],
  ['img', words('src alt longdesc height width usemap ismap border')],
  ['blockquote', words('cite')],
  ['q', words('cite')],
  ['map', words('name')],
  ['area', words('shape coords href nohref alt')],
  ['table', words('summary width border frame rules cellspacing cellpadding')],
  ['pre', words('space')],
  ['td', words('nowrap')],
]);

/** Attributes of the `xml:` namespace allowed anywhere (`xml:base` is not: it would change how URLs resolve). */
const XML_ATTRIBUTES = words('lang space');

/** One attribute of an element, as the parser reports it with namespaces. */
export interface XhtmlAttribute {
  /** As written: `href`, `xml:lang`, `xlink:href`. */
  readonly name: string;
  readonly local: string;
  /** The attribute's namespace; empty for an unprefixed attribute. */
  readonly uri: string;
  readonly value: string;
}

/**
 * Whether a narrative element (`element`, a local name in the XHTML namespace) may carry `attribute`. Namespace
 * declarations are allowed (a declaration alone changes nothing; an element or attribute put in another namespace
 * by one is refused on its own), and so are `xml:lang` and `xml:space`.
 */
export function isAllowedAttribute(element: string, attribute: XhtmlAttribute): boolean {
  if (attribute.uri === XMLNS_NAMESPACE) return true;
  if (attribute.uri === XML_NAMESPACE) return XML_ATTRIBUTES.has(attribute.local);
  if (attribute.uri !== '') return false;
  return GLOBAL_ATTRIBUTES.has(attribute.local) || ELEMENT_ATTRIBUTES.get(element)?.has(attribute.local) === true;
}

/** Attributes whose value is a URL a browser follows or loads. */
const URL_ATTRIBUTES = words('href src longdesc usemap cite');

/** URL schemes that run code when a link is followed or a resource loaded. */
const ACTIVE_SCHEMES = words('javascript vbscript');

/**
 * A URL as a browser reads it: the WHATWG URL parser strips leading and trailing C0 controls and spaces and removes
 * every tab and newline first, so `" java&#9;script:"` is a `javascript:` URL.
 * @see https://url.spec.whatwg.org/#concept-basic-url-parser
 */
const asBrowserReadsIt = (url: string): string =>
  // eslint-disable-next-line no-control-regex
  url.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');

/**
 * Why the URL in an allowed attribute is refused, or undefined when it is acceptable: `javascript:` and
 * `vbscript:` anywhere, `data:` anywhere but an image's `src` (`data:image/…`, which a browser only decodes as an
 * image). Any other scheme (http, https, mailto, tel, urn, …) and relative URLs are left alone.
 */
export function urlProblem(element: string, attribute: XhtmlAttribute): string | undefined {
  if (attribute.uri !== '' || !URL_ATTRIBUTES.has(attribute.local)) return undefined;
  const url = asBrowserReadsIt(attribute.value);
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) return undefined;
  if (ACTIVE_SCHEMES.has(scheme)) return `a ${scheme}: URL`;
  if (scheme === 'data') {
    const isImage = element === 'img' && attribute.local === 'src' && /^data:image\//i.test(url);
    return isImage ? undefined : 'a data: URL (only an img src may hold one, of an image/… type)';
  }
  return undefined;
}
