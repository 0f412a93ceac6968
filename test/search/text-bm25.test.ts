import { describe, expect, it } from 'vitest';
import { bm25, normaliseScores } from '../../src/search/text/index.js';

describe('bm25', () => {
  it('matches a hand computation', () => {
    // N = 10, avgDocLength = 100, docLength = 50, k1 = 1.2, b = 0.75
    // norm = k1·(1 − b + b·50/100) = 1.2·(0.25 + 0.375) = 0.75
    // term 1: tf 3, df 2: idf = ln(1 + (10 − 2 + 0.5)/(2 + 0.5)) = ln(1 + 3.4) = ln 4.4 = 1.481605
    //         tf part = 3·2.2/(3 + 0.75) = 6.6/3.75 = 1.76                        → 2.607624
    // term 2: tf 1, df 5: idf = ln(1 + 5.5/5.5) = ln 2 = 0.693147
    //         tf part = 1·2.2/(1 + 0.75) = 1.257143                               → 0.871385
    // term 3: tf 0 → 0                                               total ≈ 3.479009
    const score = bm25({ terms: [{ tf: 3, df: 2 }, { tf: 1, df: 5 }, { tf: 0, df: 1 }], docLength: 50, avgDocLength: 100, docCount: 10 });
    expect(score).toBeCloseTo(3.479009, 5);
  });

  it('at average length reduces to idf·tf·(k1+1)/(tf+k1)', () => {
    // ln 4.4 · 3·2.2/(3 + 1.2) = 1.481605 · 1.571429 ≈ 2.328236
    expect(bm25({ terms: [{ tf: 3, df: 2 }], docLength: 100, avgDocLength: 100, docCount: 10 })).toBeCloseTo(2.328236, 5);
  });

  it('grows with term frequency, saturating below idf·(k1+1)', () => {
    const scores = [1, 2, 3, 5, 10, 100].map((tf) => bm25({ terms: [{ tf, df: 3 }], docLength: 20, avgDocLength: 20, docCount: 50 }));
    for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeGreaterThan(scores[i - 1]!);
    expect(scores.at(-1)!).toBeLessThan(Math.log(1 + 47.5 / 3.5) * 2.2);
  });

  it('gives a rarer term more weight', () => {
    const scores = [1, 2, 10, 25, 50].map((df) => bm25({ terms: [{ tf: 2, df }], docLength: 20, avgDocLength: 20, docCount: 50 }));
    for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeLessThan(scores[i - 1]!);
    expect(scores.at(-1)!).toBeGreaterThan(0); // a term in every document still counts a little
  });

  it('gives a longer document less', () => {
    const at = (docLength: number): number => bm25({ terms: [{ tf: 2, df: 3 }], docLength, avgDocLength: 20, docCount: 50 });
    expect(at(10)).toBeGreaterThan(at(20));
    expect(at(20)).toBeGreaterThan(at(80));
  });

  it.each<[string, Parameters<typeof bm25>[0], number]>([
    ['no terms', { terms: [], docLength: 5, avgDocLength: 5, docCount: 5 }, 0],
    ['only absent terms', { terms: [{ tf: 0, df: 2 }], docLength: 5, avgDocLength: 5, docCount: 5 }, 0],
    // avgDocLength 0 (empty index): length ratio 1; ln(1 + 0.5/1.5)·2.2/2.2 = ln(4/3) ≈ 0.287682
    ['empty average', { terms: [{ tf: 1, df: 1 }], docLength: 0, avgDocLength: 0, docCount: 1 }, 0.287682],
    // df > N (counts read mid-update) clamps to N = 1: same as above
    ['df above N', { terms: [{ tf: 1, df: 7 }], docLength: 3, avgDocLength: 3, docCount: 1 }, 0.287682],
    // k1 = 0: tf ignored, score = Σ idf = ln 4.4
    ['k1 = 0', { terms: [{ tf: 9, df: 2 }], docLength: 3, avgDocLength: 3, docCount: 10, k1: 0 }, 1.481605],
  ])('%s', (_label, args, expected) => {
    expect(bm25(args)).toBeCloseTo(expected, 5);
  });
});

describe('normaliseScores', () => {
  it.each<[number[], number[]]>([
    [[], []],
    [[3], [1]],
    [[2, 1, 0.5], [1, 0.5, 0.25]],
    [[1, 4, 4, 2], [0.25, 1, 1, 0.5]],
    [[0, 0], [1, 1]], // nothing to tell apart: all equally relevant
    [[2, 0], [1, 0]],
  ])('%j → %j', (scores, expected) => {
    expect(normaliseScores(scores)).toEqual(expected);
  });
});
