import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTextPipeline } from '../../src/search/text/terms.js';
import { narrativeText, textTerms } from '../../src/search/text/index.js';

// Pure functions tested without a store: load lunr as openStore does.
beforeAll(() => loadTextPipeline());

const example = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../data/hl7-fhir-r5/examples/ImagingSelection-example-${name}.json`, import.meta.url), 'utf8'));

const div = (inner: string): unknown => ({ resourceType: 'ImagingSelection', text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${inner}</div>` } });

describe('narrativeText of the official examples', () => {
  it.each<[string, string[]]>([
    ['basic-image-selection', ['Resource ImagingSelection "example-basic-image-selection"', 'status: available', 'code: Key Images ()', 'instance uid: 1.2.840.113747.20080222.35738167368358372924412538783781.1.0']],
    ['2d-image-region-selection', ['code: Region selected from image', 'ImageRegion2Ds', 'RegionType Coordinate', '* polyline 0.25, 0.25, 0.75']],
    ['3d-image-region-selection', ['Region selected from multiframe CT volume', '* ellipse -50.0, -50.0']],
    ['dicom-sr-selection', ['code: Observation within a DICOM SR', 'focus: ImagingSelection/example-basic-image-selection', 'Instances - Uid SopClass Subset']],
    ['multiframe-image-selection', ['code: Key Frames', '1, 2, 3, 4']],
    ['presentation-state-selection', ['Referenced DICOM Grayscale Softcopy Presentation State']],
    ['segmentation-image-selection', ['Segment within a DICOM Segmentation instance']],
  ])('%s contains %j, and no tags or entities', (name, phrases) => {
    const text = narrativeText(example(name));
    expect(text.startsWith('Generated Narrative: ImagingSelection Resource ImagingSelection')).toBe(true);
    for (const p of phrases) expect(text).toContain(p);
    expect(text).not.toMatch(/<\/?[a-z]/i);
    expect(text).not.toMatch(/&(?:quot|amp|lt|gt|#\d+);/);
    expect(text).not.toMatch(/\s{2}|^\s|\s$/);
  });

  it('its terms carry the stems a user types', () => {
    const terms = textTerms(narrativeText(example('basic-image-selection')));
    for (const t of ['key', 'imag', 'avail', 'imagingselect']) expect(terms.has(t)).toBe(true);
    for (const t of ['the', 'of', 'div', 'xmlns', 'style']) expect(terms.has(t)).toBe(false);
  });
});

describe('narrativeText: tags', () => {
  it.each<[string, string]>([
    ['<p>a</p><p>b</p>', 'a b'], // block elements separate words
    ['<td>x</td><td>y</td>', 'x y'],
    ['a<br/>b', 'a b'],
    ['<b>bo</b>ld', 'bold'], // inline elements do not
    ['<span style="color: red">red</span> text', 'red text'],
    ['<a href="x>y">link</a>', 'link'], // `>` inside a quoted attribute
    ["<a title='it>s'>q</a>", 'q'],
    ['<!-- note -->seen', 'seen'],
    ['<img src="a.png" alt="scan"/>', ''],
    ['\n  a \t b ', 'a b'],
    ['a < b', 'a < b'], // not a tag
  ])('%j → %j', (inner, expected) => {
    expect(narrativeText(div(inner))).toBe(expected);
  });
});

describe('narrativeText: entities', () => {
  it.each<[string, string]>([
    ['&amp;', '&'],
    ['a &lt;b&gt; c', 'a <b> c'],
    ['&lt;b&gt;x&lt;/b&gt;', '<b>x</b>'], // decoded after tags are removed: text, not a tag
    ['&quot;q&quot;', '"q"'],
    ['it&#39;s', "it's"],
    ['it&apos;s', "it's"],
    ['&#x2019;&#X2019;', '\u2019\u2019'],
    ['&#8212;', '\u2014'],
    ['a&nbsp;b', 'a b'], // &nbsp; is whitespace, collapsed
    ['a&nbsp;&nbsp; b', 'a b'],
    ['&amp;lt;', '&lt;'], // decoded once
    ['&copy;', '&copy;'], // unknown named entity kept
    ['&#0;&#xD800;&#x110000;', '&#0;&#xD800;&#x110000;'], // not characters: kept
    ['AT&T', 'AT&T'],
  ])('%j → %j', (inner, expected) => {
    expect(narrativeText(div(inner))).toBe(expected);
  });
});

describe('narrativeText: no narrative', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'x'],
    ['no text', { resourceType: 'ImagingSelection' }],
    ['text without div', { text: { status: 'empty' } }],
    ['div not a string', { text: { div: 5 } }],
  ])('%s → empty', (_label, resource) => {
    expect(narrativeText(resource)).toBe('');
  });
});
