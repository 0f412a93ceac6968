import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTextPipeline } from '../../src/search/text/terms.js';
import { contentText, textTerms } from '../../src/search/text/index.js';

// Pure functions tested without a store: load lunr as openStore does.
beforeAll(() => loadTextPipeline());

const example = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../data/hl7-fhir-r5/examples/ImagingSelection-example-${name}.json`, import.meta.url), 'utf8'));

describe('contentText of the DICOM SR example', () => {
  const lines = contentText(example('dicom-sr-selection')).split('\n');

  it.each([
    'available', // code
    'Observation within a DICOM SR', // CodeableConcept.text
    'RNKZPSBNZLNADAZV', // Reference.identifier.value
    'Patient', // Reference.type
    'urn:oid:1.2.840.113747.20080222.95946059916364657859950275.2.1', // Identifier.value…
    '1.2.840.113747.20080222.95946059916364657859950275.2.1', // …and bare
    '1.2.840.113747.20080222.95946058738694657859950275', // studyUid
    '1.2.840.113747.20080222.95946058738699434572916359950275.10.1', // instance.subset
    'HTEST', // meta.tag code
    'test health data', // meta.tag display
  ])('includes the line %j', (line) => {
    expect(lines).toContain(line);
  });

  it.each([
    'ImagingSelection', // resourceType
    'example-dicom-sr-selection', // id
    'urn:dicom:uid', // Identifier.system
    'https://fhirhospital.org',
    'urn:ietf:rfc:3986', // Coding.system
    'http://terminology.hl7.org/CodeSystem/v3-ActReason',
    'ImagingSelection/example-basic-image-selection', // Reference.reference
    'generated', // Narrative.status
  ])('excludes the line %j', (line) => {
    expect(lines).not.toContain(line);
  });

  it('includes the narrative as plain text', () => {
    expect(lines[0]).toMatch(/^Generated Narrative: ImagingSelection Resource ImagingSelection "example-dicom-sr-selection"/);
    expect(lines[0]).not.toMatch(/<|&quot;/);
  });

  it('has terms for codes, displays and UIDs', () => {
    const terms = textTerms(lines.join('\n'));
    for (const t of ['avail', 'observ', 'dicom', 'htest', 'health', 'rnkzpsbnzlnadazv', '1.2.840.10008.5.1.4.1.1.88.22']) {
      expect(terms.has(t), t).toBe(true);
    }
  });
});

describe('contentText: what is included', () => {
  it('walks every string at any depth, skipping technical keys, dates, base64, numbers and booleans', () => {
    const resource = {
      resourceType: 'ImagingSelection',
      id: 'is1',
      meta: { versionId: '3', lastUpdated: '2024-05-01T10:00:00.000Z', source: '#dev', profile: ['http://x/p'], tag: [{ system: 'http://t', code: 'T1', display: 'Tag shown' }] },
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Key &amp; <b>lock</b></p></div>' },
      extension: [{ url: 'http://x/ext', valueString: 'extended words' }],
      contained: [{ resourceType: 'Patient', id: 'p1', name: [{ family: 'Smith', given: ['Ann'] }] }],
      status: 'available',
      _status: { id: 'el1', extension: [{ url: 'http://x/e2', valueString: 'from a primitive extension' }] },
      issued: '2024-05-01T10:00:00Z',
      subject: { reference: 'Patient/p1', display: 'Ann Smith' },
      code: { coding: [{ system: 'http://loinc.org', version: '2.7', code: '18748-4', display: 'Diagnostic imaging study' }] },
      note: [{ text: 'written in 2024', time: '2024-05' }],
      attachment: { contentType: 'image/png', data: 'iVBORw0KGgo=', title: 'Scan' },
      numberOfFrames: 5,
      flag: true,
    };
    expect(contentText(resource).split('\n')).toEqual([
      'T1',
      'Tag shown',
      'Key & lock',
      'extended words',
      'Smith',
      'Ann',
      'available',
      'from a primitive extension',
      'Ann Smith',
      '2.7',
      '18748-4',
      'Diagnostic imaging study',
      'written in 2024',
      'image/png',
      'Scan',
    ]);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a number', 3],
    ['an empty resource', { resourceType: 'Patient', id: 'x' }],
  ])('%s → empty', (_label, resource) => {
    expect(contentText(resource)).toBe('');
  });
});
