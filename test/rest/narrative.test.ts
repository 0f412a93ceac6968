import type { Bundle, ImagingSelection, OperationOutcome, Patient, Resource } from 'fhir/r5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/index.js';
import { example, openTestStore, postTransaction, selection, snapshot } from '../helpers.js';

/*
 * Issue 13 defect 9: `text.div` is parsed as XHTML (saxes) and held to R5's narrative rules (txt-1, txt-2), over
 * `handle`, for ImagingSelection (validated element by element) and Patient (validated structurally). A refused
 * write leaves the store exactly as it was.
 */

const XHTML = 'http://www.w3.org/1999/xhtml';
const div = (inner: string): string => `<div xmlns="${XHTML}">${inner}</div>`;

/** Narratives a FHIR server accepts: every one is stored. */
const ALLOWED: [string, string][] = [
  ['plain text', div('Key images of the chest')],
  ['formatting, XML entities and character references', div('<p>Key <b>images</b> &amp; <i>notes</i> &lt;1 cm&gt; &#233;&#x20AC;</p>')],
  ['headings, lists and rules', div('<h1>a</h1><h6>b</h6><ul><li>one</li></ul><ol><li>two</li></ol><dl><dt>t</dt><dd>d</dd></dl><hr/><br/>')],
  ['a table with its attributes', div('<table class="grid" border="1" cellpadding="2" summary="s"><caption>c</caption><thead><tr><th scope="col">h</th></tr></thead><tbody><tr><td colspan="2" rowspan="1" align="left" valign="top" nowrap="nowrap">v</td></tr></tbody></table>')],
  ['global attributes', div('<span id="s1" class="c" style="color: red" title="t" lang="de" xml:lang="de" dir="ltr">Bild</span>')],
  ['links: https, mailto, tel, urn, relative, fragment, a name', div('<a href="https://example.org/x?y=1">a</a><a href="mailto:x@example.org">b</a><a href="tel:+1555">c</a><a href="urn:uuid:1">d</a><a href="Patient/1">e</a><a href="#s1">f</a><a name="here"> </a>')],
  ['an image by URL', div('<img src="https://example.org/i.png" alt="x" width="10" height="10"/>')],
  ['an inline data:image (an image alone is content, txt-2)', div('<img src="data:image/png;base64,iVBORw0KGgo=" alt="x"/>')],
  ['an image map', div('<img src="m.png" usemap="#m" alt="m"/><map name="m"><area shape="rect" coords="0,0,1,1" href="#a" alt="a"/></map>')],
  ['quotes with cite', div('<blockquote cite="https://example.org/q">q</blockquote><q cite="https://example.org/q">r</q>')],
  ['phrase elements', div('<em>a</em><strong>b</strong><small>c</small><big>d</big><tt>e</tt><code>f</code><samp>g</samp><kbd>h</kbd><var>i</var><cite>j</cite><dfn>k</dfn><abbr>l</abbr><acronym>m</acronym><sub>n</sub><sup>o</sup><bdo dir="rtl">p</bdo><address>q</address><pre xml:space="preserve">r</pre>')],
  ['a comment and CDATA', div('<!-- generated --><p><![CDATA[1 < 2 & <script>]]></p>')],
  ['XHTML elements under a prefix', `<div xmlns="${XHTML}" xmlns:h="${XHTML}"><h:p>x</h:p></div>`],
  ['whitespace before the end', `${div('x')}\n  `],
];

/** Narratives refused, with the status, issue code and what the diagnostics say. */
const REFUSED: [string, string, 400 | 422, 'value' | 'invariant', RegExp][] = [
  // Not an xhtml value: 400, like a primitive breaking its lexical form.
  ['an element left open', div('<p>unclosed'), 400, 'value', /not well-formed XHTML/],
  ['an HTML entity (only the XML ones exist)', div('a&nbsp;b'), 400, 'value', /not well-formed XHTML: .*undefined entity/],
  ['a second root after the div', `${div('x')}<script>alert(1)</script>`, 400, 'value', /not well-formed XHTML/],
  ['a DOCTYPE inside the div', div('<!DOCTYPE x [<!ENTITY e "boom">]>x'), 400, 'value', /not well-formed XHTML/],
  ['a duplicate attribute', div('<a href="a" href="b">x</a>'), 400, 'value', /not well-formed XHTML: .*duplicate attribute/],
  ['an unbound prefix', div('<a xlink:href="https://e.org">x</a>'), 400, 'value', /not well-formed XHTML/],
  ['a control character', div('a\u0001b'), 400, 'value', /not well-formed XHTML/],
  ['a div without the XHTML namespace', '<div>x</div>', 400, 'value', /XHTML namespace/],
  ['a div in another namespace', '<div xmlns="urn:other">x</div>', 400, 'value', /XHTML namespace/],
  // Well-formed XHTML that breaks txt-1: 422 invariant.
  ['script', div('<p>x</p><script>alert(1)</script>'), 422, 'invariant', /^txt-1: <script> is not allowed in a narrative \(at div\/script\)/],
  ['script, nested', div('<p><b><script>alert(1)</script></b></p>'), 422, 'invariant', /<script> is not allowed .*at div\/p\/b\/script/],
  ['style element', div('<style>p { color: red }</style>x'), 422, 'invariant', /<style> is not allowed/],
  ['iframe', div('<iframe src="https://example.org"></iframe>x'), 422, 'invariant', /<iframe> is not allowed/],
  ['object', div('<object data="x.swf"></object>x'), 422, 'invariant', /<object> is not allowed/],
  ['embed', div('<embed src="x.swf"/>x'), 422, 'invariant', /<embed> is not allowed/],
  ['form and input', div('<form action="https://e.org"><input name="q"/></form>x'), 422, 'invariant', /<form> is not allowed/],
  ['link to a stylesheet', div('<link rel="stylesheet" href="https://e.org/x.css"/>x'), 422, 'invariant', /<link> is not allowed/],
  ['base', div('<base href="https://e.org/"/>x'), 422, 'invariant', /<base> is not allowed/],
  ['meta refresh', div('<meta http-equiv="refresh" content="0;url=https://e.org"/>x'), 422, 'invariant', /<meta> is not allowed/],
  ['head and body', div('<head/><body>x</body>'), 422, 'invariant', /<head> is not allowed/],
  ['frame', div('<frame src="x"/>x'), 422, 'invariant', /<frame> is not allowed/],
  ['svg with a script', div('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>x'), 422, 'invariant', /<svg> is not an XHTML element/],
  ['an element put in another namespace', div('<p xmlns="urn:x">x</p>'), 422, 'invariant', /<p> is not an XHTML element/],
  ['an on* attribute', div('<p onclick="alert(1)">x</p>'), 422, 'invariant', /event handler attribute 'onclick' is not allowed on <p>/],
  ['onerror on an image', div('<img src="x.png" onerror="alert(1)"/>'), 422, 'invariant', /event handler attribute 'onerror' is not allowed on <img>/],
  ['ONLOAD in capitals', div('<span ONLOAD="alert(1)">x</span>'), 422, 'invariant', /event handler attribute 'ONLOAD'/],
  ['an attribute outside the lists', div('<a href="https://e.org" target="_blank">x</a>'), 422, 'invariant', /attribute 'target' is not allowed on <a>/],
  ['href on an element that takes none', div('<span href="https://e.org">x</span>'), 422, 'invariant', /attribute 'href' is not allowed on <span>/],
  ['xlink:href', div('<a xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="https://e.org">x</a>'), 422, 'invariant', /attribute 'xlink:href' is not allowed on <a>/],
  ['xml:base', div('<p xml:base="https://e.org/">x</p>'), 422, 'invariant', /attribute 'xml:base' is not allowed/],
  ['a javascript: link', div('<a href="javascript:alert(1)">x</a>'), 422, 'invariant', /'href' on <a> may not hold a javascript: URL/],
  ['JavaScript: in mixed case', div('<a href="JavaScript:alert(1)">x</a>'), 422, 'invariant', /javascript: URL/],
  ['javascript: behind spaces, a tab and a newline', div('<a href=" &#10;java&#9;script:alert(1)">x</a>'), 422, 'invariant', /javascript: URL/],
  ['javascript: spelled with character references', div('<a href="&#106;&#x61;vascript:alert(1)">x</a>'), 422, 'invariant', /javascript: URL/],
  ['a vbscript: link', div('<a href="vbscript:msgbox(1)">x</a>'), 422, 'invariant', /vbscript: URL/],
  ['a javascript: area', div('<map name="m"><area href="javascript:alert(1)" alt="a"/></map>x'), 422, 'invariant', /'href' on <area> may not hold a javascript: URL/],
  ['a javascript: image', div('<img src="javascript:alert(1)" alt="x"/>'), 422, 'invariant', /'src' on <img> may not hold a javascript: URL/],
  ['a data: link', div('<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>'), 422, 'invariant', /'href' on <a> may not hold a data: URL/],
  ['a data:image link (only img src may)', div('<a href="data:image/png;base64,iVBORw0KGgo=">x</a>'), 422, 'invariant', /data: URL/],
  ['an image of data:text/html', div('<img src="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;" alt="x"/>'), 422, 'invariant', /'src' on <img> may not hold a data: URL/],
  ['a javascript: cite', div('<blockquote cite="javascript:alert(1)">q</blockquote>'), 422, 'invariant', /'cite' on <blockquote> may not hold a javascript: URL/],
  ['an xml-stylesheet processing instruction', div('<?xml-stylesheet href="https://e.org/x.css"?>x'), 422, 'invariant', /processing instruction <\?xml-stylesheet\?> is not allowed/],
  // txt-2: no content.
  ['only whitespace', div(' \n\t '), 422, 'invariant', /^txt-2: /],
  ['only empty elements and a comment', div('<p> </p><!-- nothing --><span></span>'), 422, 'invariant', /^txt-2: /],
];

let store: Store;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(() => store.close());

/** A resource of `type` with this narrative. */
function withNarrative(type: 'ImagingSelection' | 'Patient', narrative: string): ImagingSelection | Patient {
  const text = { status: 'generated' as const, div: narrative };
  return type === 'ImagingSelection' ? selection({ text }) : { resourceType: 'Patient', text, name: [{ family: 'Doe' }] };
}

describe.each(['ImagingSelection', 'Patient'] as const)('%s.text.div', (type) => {
  it.each(ALLOWED)('accepts %s', async (_label, narrative) => {
    const res = await store.handle({ method: 'POST', url: type, body: withNarrative(type, narrative) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect((res.body as Resource & { text: { div: string } }).text.div).toBe(narrative);
  });

  it.each(REFUSED)('refuses %s', async (_label, narrative, status, code, diagnostics) => {
    const before = await snapshot(store);
    const res = await store.handle({ method: 'POST', url: type, body: withNarrative(type, narrative) });
    expect(res.status).toBe(status);
    const issues = (res.body as OperationOutcome).issue;
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) {
      expect(issue.code).toBe(code);
      expect(issue.expression).toEqual([`${type}.text.div`]);
    }
    expect(issues.some((i) => diagnostics.test(i.diagnostics ?? '')), JSON.stringify(issues)).toBe(true);
    expect(await snapshot(store)).toEqual(before);
  });
});

describe('narratives on every write path', () => {
  // A contained resource is typed `Resource` (no `text`) by @types/fhir.
  const patientWith = (narrative: string): Resource => ({ resourceType: 'Patient', id: 'p', text: { status: 'generated', div: narrative } }) as Patient;
  const SCRIPT = div('<p>x</p><script>alert(1)</script>');

  it('update (PUT) is refused, and the stored version kept', async () => {
    await store.handle({ method: 'PUT', url: 'Patient/keep', body: { resourceType: 'Patient', id: 'keep', text: { status: 'generated', div: div('ok') } } });
    const before = await snapshot(store);
    const res = await store.handle({ method: 'PUT', url: 'Patient/keep', body: { resourceType: 'Patient', id: 'keep', text: { status: 'generated', div: SCRIPT } } });
    expect(res.status).toBe(422);
    expect(await snapshot(store)).toEqual(before);
  });

  it('a JSON Patch that adds a script is refused', async () => {
    await store.handle({ method: 'PUT', url: 'ImagingSelection/p1', body: selection({ id: 'p1', text: { status: 'generated', div: div('ok') } }) });
    const before = await snapshot(store);
    const res = await store.handle({
      method: 'PATCH',
      url: 'ImagingSelection/p1',
      headers: { 'Content-Type': 'application/json-patch+json' },
      body: [{ op: 'replace', path: '/text/div', value: div('<a href="javascript:alert(1)">x</a>') }],
    });
    expect(res.status).toBe(422);
    expect((res.body as OperationOutcome).issue[0]?.expression).toEqual(['ImagingSelection.text.div']);
    expect(await snapshot(store)).toEqual(before);
  });

  it('a contained resource\'s narrative is checked too', async () => {
    const before = await snapshot(store);
    const res = await store.handle({
      method: 'POST',
      url: 'ImagingSelection',
      body: selection({ contained: [patientWith(SCRIPT)] }),
    });
    expect(res.status).toBe(422);
    expect((res.body as OperationOutcome).issue.map((i) => i.expression?.[0])).toEqual(['ImagingSelection.contained[0].text.div']);
    expect(await snapshot(store)).toEqual(before);
  });

  it('a transaction with one bad narrative stores nothing', async () => {
    const before = await snapshot(store);
    const res = await postTransaction(store, [
      { resource: withNarrative('Patient', div('fine')), request: { method: 'POST', url: 'Patient' } },
      { resource: { ...withNarrative('ImagingSelection', div('<img src="x.png" onerror="alert(1)"/>')), id: 't2' }, request: { method: 'PUT', url: 'ImagingSelection/t2' } },
    ]);
    expect(res.status).toBe(422);
    const [issue] = (res.body as OperationOutcome).issue;
    expect(issue?.expression).toEqual(['ImagingSelection.text.div']);
    expect(issue?.diagnostics).toMatch(/^Bundle\.entry\[1\]: txt-1: .*'onerror'/);
    expect(await snapshot(store)).toEqual(before);
  });

  it('a batch refuses the bad entry alone', async () => {
    const res = await store.handle({
      method: 'POST',
      url: '',
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { resource: withNarrative('Patient', SCRIPT), request: { method: 'POST', url: 'Patient' } },
          { resource: withNarrative('Patient', div('fine')), request: { method: 'POST', url: 'Patient' } },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect((res.body as Bundle).entry?.map((e) => e.response?.status)).toEqual(['422 Unprocessable Entity', '201 Created']);
    const outcome = (res.body as Bundle).entry?.[0]?.response?.outcome as OperationOutcome;
    expect(outcome.issue[0]?.expression).toEqual(['Patient.text.div']);
  });

  it('the official examples\' generated narratives are stored as they are', async () => {
    const e = example('example-2d-image-region-selection');
    const res = await store.handle({ method: 'PUT', url: `ImagingSelection/${e.id}`, body: e });
    expect(res.status).toBe(201);
  });
});
