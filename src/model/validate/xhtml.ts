import { loadedXhtmlParser } from '../xhtml-parser.js';
import type { IssueCollector } from './issues.js';
import { isAllowedAttribute, NARRATIVE_ELEMENTS, urlProblem, XHTML_NAMESPACE, type XhtmlAttribute } from './xhtml-rules.js';

/*
 * The content check of an `xhtml` value (`Narrative.div`), parsed as XML by a real parser (saxes, strict XML 1.0
 * with namespaces), never matched with regular expressions: what a browser would render is what is checked.
 * Status policy (issues.ts): a value that is not well-formed XML, or whose root is not an XHTML `div`, is not an
 * `xhtml` value at all (400 `value`, like any primitive breaking its lexical form); well-formed XHTML that breaks
 * the narrative rules is refused with 422 `invariant`, naming txt-1 (elements, attributes, URLs, processing
 * instructions) or txt-2 (no content).
 * @see https://hl7.org/fhir/R5/narrative.html#xhtml
 * @see https://hl7.org/fhir/R5/narrative-definitions.html#Narrative.div
 */

/** Violations reported per narrative: enough to fix it, bounded for a hostile one with thousands. */
const MAX_REPORTED = 10;

/** XML whitespace (space, tab, CR, LF): txt-2 asks for a character that is not one of these. */
const NON_WHITESPACE = /[^ \t\r\n]/;

/**
 * Checks a lexically plausible `xhtml` value (a string starting `<div`) as a narrative, reporting each problem at
 * `path` (`ImagingSelection.text.div`). Needs the parser loaded (`loadXhtmlParser()` in `model/xhtml-parser.ts`).
 * @throws Error when the parser has not been loaded (a bug of the caller, never accepted unchecked).
 * @see https://hl7.org/fhir/R5/narrative.html#xhtml
 */
export function checkXhtml(value: string, path: string, issues: IssueCollector): void {
  const Parser = loadedXhtmlParser();
  const parser = new Parser({ xmlns: true });
  const violations = new Set<string>();
  let unreported = 0;
  const found = (message: string): void => {
    if (violations.size < MAX_REPORTED) violations.add(message);
    else if (!violations.has(message)) unreported++;
  };
  /** Qualified names of the open elements, root first: `div/p/b`, where in the narrative a problem is. */
  const open: string[] = [];
  let rootIsXhtmlDiv = true;
  let hasContent = false;

  parser.on('opentag', (tag) => {
    open.push(tag.name);
    // Where in the narrative, for messages only: joined when a problem is found.
    const at = (): string => open.join('/');
    const isXhtml = tag.uri === XHTML_NAMESPACE;
    if (open.length === 1) {
      rootIsXhtmlDiv = isXhtml && tag.local === 'div';
    } else if (!isXhtml) {
      found(`txt-1: <${tag.name}> is not an XHTML element (namespace '${tag.uri}') (at ${at()})`);
    } else if (!NARRATIVE_ELEMENTS.has(tag.local)) {
      found(`txt-1: <${tag.local}> is not allowed in a narrative (at ${at()})`);
    }
    if (isXhtml && tag.local === 'img') hasContent = true;
    for (const attribute of Object.values(tag.attributes) as XhtmlAttribute[]) {
      if (!isAllowedAttribute(tag.local, attribute)) {
        const kind = attribute.uri === '' && /^on/i.test(attribute.local) ? 'the event handler attribute' : 'the attribute';
        found(`txt-1: ${kind} '${attribute.name}' is not allowed on <${tag.local}> (at ${at()})`);
        continue;
      }
      const refused = urlProblem(tag.local, attribute);
      if (refused) found(`txt-1: '${attribute.name}' on <${tag.local}> may not hold ${refused} (at ${at()})`);
    }
  });
  parser.on('closetag', () => {
    open.pop();
  });
  const text = (t: string): void => {
    if (!hasContent && NON_WHITESPACE.test(t)) hasContent = true;
  };
  parser.on('text', text);
  parser.on('cdata', text);
  // An external stylesheet can come as <?xml-stylesheet?>; no processing instruction belongs in a narrative.
  parser.on('processinginstruction', (pi) => found(`txt-1: the processing instruction <?${pi.target}?> is not allowed (at ${open.join('/')})`));

  try {
    parser.write(value).close();
  } catch (e) {
    // saxes reports the first well-formedness error as `line:column: message`.
    issues.value(path, `div is not well-formed XHTML: ${(e as Error).message}`);
    return;
  }
  if (!rootIsXhtmlDiv) {
    issues.value(path, `div must be a <div> element in the XHTML namespace (xmlns="${XHTML_NAMESPACE}")`);
    return;
  }
  for (const message of violations) issues.invariant(path, message);
  if (unreported > 0) issues.invariant(path, `txt-1: ${unreported} more problems not listed`);
  if (!hasContent) issues.invariant(path, 'txt-2: the narrative SHALL have some non-whitespace content (text or an image)');
}
