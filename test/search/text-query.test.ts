import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTextPipeline } from '../../src/search/text/terms.js';
import { FhirError } from '../../src/errors/fhir-error.js';
import { matchesText, parseTextQuery, queryTerms, type TextQuery } from '../../src/search/text/index.js';

// Pure functions tested without a store: load lunr as openStore does.
beforeAll(() => loadTextPipeline());

const t = (term: string, word = term): TextQuery => ({ op: 'term', term, word });
const and = (...args: TextQuery[]): TextQuery => ({ op: 'and', args });
const or = (...args: TextQuery[]): TextQuery => ({ op: 'or', args });
const not = (arg: TextQuery): TextQuery => ({ op: 'not', arg });

describe('parseTextQuery', () => {
  it.each<[string, TextQuery]>([
    ['bone', t('bone')],
    ['bone liver', and(t('bone'), t('liver'))],
    ['(bone OR liver) AND metastases', and(or(t('bone'), t('liver')), t('metastas', 'metastases'))],
    ['"key images"', and(t('key'), t('imag', 'images'))], // a phrase: its terms ANDed
    ['-liver bone', and(not(t('liver')), t('bone'))],
    ['NOT liver AND bone', and(not(t('liver')), t('bone'))],
    ['bone NOT liver', and(t('bone'), not(t('liver')))],
    ['bone -"key images"', and(t('bone'), not(and(t('key'), t('imag', 'images'))))],
    ['bone -(liver OR lung)', and(t('bone'), not(or(t('liver'), t('lung'))))],
    ['bone OR liver metastases', or(t('bone'), and(t('liver'), t('metastas', 'metastases')))], // OR binds loosest
    ['bone OR liver OR lung', or(t('bone'), t('liver'), t('lung'))],
    ['bone AND (liver OR lung) -spleen', and(t('bone'), or(t('liver'), t('lung')), not(t('spleen')))],
    ['((bone))', t('bone')],
    ['Images', t('imag', 'Images')],
    ['Café', t('cafe', 'Café')],
    ['x-ray', and(t('x', 'x-ray'), t('ray', 'x-ray'))], // split like the documents: a hyphen inside a word is no NOT
    ['the bone of the liver', and(t('bone'), t('liver'))], // stop words vanish
    ['bone and liver', and(t('bone'), t('liver'))], // lowercase `and` is a stop word, not the keyword
    ['bone OR the', t('bone')],
    ['bone NOT the', t('bone')],
    ['bone bone', t('bone')],
    ['NOT NOT bone', t('bone')],
    ['--bone', t('bone')],
    ['bone - liver', and(t('bone'), t('liver'))], // a lone `-` is an empty word
    ['"OR" bone', t('bone')], // keywords inside quotes are words
  ])('%j', (query, expected) => {
    expect(parseTextQuery(query)).toEqual(expected);
  });

  it.each<[string, RegExp]>([
    ['', /no searchable term/],
    ['   ', /no searchable term/],
    ['the of and', /no searchable term.*stop words/],
    ['"the"', /no searchable term/],
    ['NOT the', /no searchable term/],
    ['(bone', /'\(' without '\)'/],
    ['bone)', /'\)' without '\('/],
    [')(', /'\)' without '\('/],
    ['(bone OR (liver)', /'\(' without '\)'/],
    ['()', /empty parentheses/],
    ['bone OR', /'OR' has nothing after it/],
    ['OR bone', /'OR' has nothing before it/],
    ['bone AND', /'AND' has nothing after it/],
    ['AND bone', /'AND' has nothing before it/],
    ['bone OR OR liver', /'OR' has nothing after it/],
    ['bone AND OR liver', /'AND' has nothing after it/],
    ['(bone OR)', /'OR' has nothing after it/],
    ['NOT', /'NOT' has nothing after it/],
    ['bone NOT', /'NOT' has nothing after it/],
    ['"key images', /unterminated quoted phrase/],
    ['-liver', /must be present/],
    ['NOT (bone OR liver)', /must be present/],
    ['bone OR -liver', /must be present/],
  ])('%j → 400 %s', (query, message) => {
    let error: unknown;
    try {
      parseTextQuery(query);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FhirError);
    expect((error as FhirError).status).toBe(400);
    expect((error as FhirError).outcome.issue[0]?.code).toBe('invalid');
    expect((error as FhirError).message).toMatch(message);
  });
});

describe('queryTerms', () => {
  it.each<[string, string[]]>([
    ['bone', ['bone']],
    ['(bone OR liver) AND metastases', ['bone', 'liver', 'metastas']],
    ['"key images" -liver', ['key', 'imag']],
    ['bone -(liver OR lung) images image', ['bone', 'imag']],
    ['bone -bone', ['bone']],
  ])('%j → %j', (query, expected) => {
    expect(queryTerms(parseTextQuery(query))).toEqual(expected);
  });
});

describe('matchesText', () => {
  const cases: [string, [string[], boolean][]][] = [
    ['bone liver', [[['bone', 'liver'], true], [['bone'], false], [['liver'], false], [[], false]]],
    [
      '(bone OR liver) AND metastases',
      [
        [['bone', 'metastas'], true],
        [['liver', 'metastas'], true],
        [['bone', 'liver', 'metastas'], true],
        [['bone', 'liver'], false],
        [['metastas'], false],
        [[], false],
      ],
    ],
    ['-liver bone', [[['bone'], true], [['bone', 'liver'], false], [['liver'], false], [[], false]]],
    ['NOT liver AND bone', [[['bone'], true], [['bone', 'liver'], false], [['liver'], false], [[], false]]],
    ['"key images"', [[['key', 'imag'], true], [['key'], false], [['imag'], false]]],
    ['bone OR liver', [[['bone'], true], [['liver'], true], [['bone', 'liver'], true], [['lung'], false]]],
  ];
  for (const [query, rows] of cases) {
    it.each(rows)(`${query} on %j → %s`, (doc, expected) => {
      const has = new Set(doc);
      expect(matchesText(parseTextQuery(query), (term) => has.has(term))).toBe(expected);
    });
  }

  it.each<[TextQuery, string[], boolean]>([
    [not(t('a')), [], true],
    [not(t('a')), ['a'], false],
    [and(), ['a'], true], // empty AND: vacuous truth
    [or(), ['a'], false],
    [or(not(t('a')), t('b')), ['a'], false],
    [or(not(t('a')), t('b')), ['a', 'b'], true],
  ])('hand-built %j on %j → %s', (q, doc, expected) => {
    const has = new Set(doc);
    expect(matchesText(q, (term) => has.has(term))).toBe(expected);
  });

  it('every match of a parsed query holds one of its queryTerms (postings give all candidates)', () => {
    const vocabulary = ['bone', 'liver', 'lung', 'the', 'OR', 'AND', 'NOT', '(', ')', '-bone', '-liver', '"bone liver"'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...vocabulary), { maxLength: 8 }), fc.subarray(['bone', 'liver', 'lung']), (words, doc) => {
        let q: TextQuery;
        try {
          q = parseTextQuery(words.join(' '));
        } catch (e) {
          expect(e).toBeInstanceOf(FhirError);
          return;
        }
        const has = new Set(doc);
        if (matchesText(q, (term) => has.has(term))) expect(queryTerms(q).some((term) => has.has(term))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
