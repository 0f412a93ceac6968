import { readdirSync, readFileSync } from 'node:fs';
import lunr from 'lunr';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTextPipeline } from '../../src/search/text/terms.js';
import { contentText, narrativeText, textTerms } from '../../src/search/text/index.js';

// Pure functions tested without a store: load lunr as openStore does.
beforeAll(() => loadTextPipeline());

describe('textTerms (lunr: tokenizer → trimmer → stopWordFilter → stemmer)', () => {
  it.each<[string, Record<string, number>]>([
    ['selected', { select: 1 }],
    ['images', { imag: 1 }],
    ['image', { imag: 1 }],
    ['metastases', { metastas: 1 }],
    ['the', {}],
    ['of', {}],
    ['and or not', {}], // lowercase keywords are stop words
    ['The images of the selected images', { imag: 2, select: 1 }],
    ['Key Images', { key: 1, imag: 1 }],
    ['running runs', { run: 2 }],
    ['bone, liver.', { bone: 1, liver: 1 }], // trimmer strips punctuation at token ends
    ['x-ray', { x: 1, ray: 1 }], // lunr splits on hyphens
    ['a,b', { 'a,b': 1 }], // …but not on commas inside a token
    ['Café', { cafe: 1 }], // accents folded before lunr's ASCII trimmer
    ['ＫＥＹ', { key: 1 }], // full-width forms folded (NFKD)
    ['1.2.840.10008.5.1.4', { '1.2.840.10008.5.1.4': 1 }], // a DICOM UID is one term
    ['urn:oid:1.2.3', { 'urn:oid:1.2.3': 1 }],
    ['- * () ...', {}], // tokens the trimmer empties are dropped
    ['', {}],
    ['  \n\t ', {}],
  ])('%j → %j', (text, expected) => {
    expect(Object.fromEntries(textTerms(text))).toEqual(expected);
  });

  it('keeps object-prototype names as ordinary terms', () => {
    expect([...textTerms('__proto__ constructor')]).toEqual([['__proto__', 1], ['constructor', 1]]);
  });

  it('returns a Map (term → frequency) whose values sum to the document length', () => {
    const terms = textTerms('key images key frames');
    expect(terms).toBeInstanceOf(Map);
    expect([...terms.values()].reduce((a, b) => a + b, 0)).toBe(4);
  });
});

describe('textTerms agrees with lunr run the usual way', () => {
  // lunr.tokenizer on the whole string, then the pipeline, as lunr.Builder does (minus the empty tokens
  // it keeps): textTerms splits words itself and memoises per word, and must not change the result.
  const pipeline = new lunr.Pipeline();
  pipeline.add(lunr.trimmer, lunr.stopWordFilter, lunr.stemmer);
  const reference = (text: string): [string, number][] => {
    const counts = new Map<string, number>();
    for (const term of pipeline.run(lunr.tokenizer(text)).map(String)) if (term !== '') counts.set(term, (counts.get(term) ?? 0) + 1);
    return [...counts];
  };
  const dir = new URL('../../data/hl7-fhir-r5/examples/', import.meta.url);
  const examples = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it.each(examples)('%s', (file) => {
    const resource: unknown = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
    for (const text of [narrativeText(resource), contentText(resource)]) {
      expect([...textTerms(text)]).toEqual(reference(text));
      expect([...textTerms(text)]).toEqual(reference(text)); // second call: from the memo
    }
  });
});
