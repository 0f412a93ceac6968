import { describe, expect, it } from 'vitest';
import { compareOutput, extractSamples } from './extract.js';

const page = [
  '# Page',
  '<!-- sample: browser -->',
  '```ts',
  "console.log('a');",
  '```',
  '',
  'Prints (ids are random):',
  '',
  '```text',
  'a',
  '```',
  '',
  '```ts no-run',
  'const options: { name: string } = { name: "x" };',
  '```',
  '',
  '```http',
  'GET x',
  '```',
  '',
  '- in a list:',
  '',
  '  ```ts',
  "  console.log('b');",
  '  ```',
].join('\n');

describe('extractSamples', () => {
  it('finds ts blocks, their Prints: block, no-run fragments and indented samples; skips other languages', () => {
    const samples = extractSamples('docs/x.md', page);
    expect(samples.map((s) => [s.line, s.index, s.mode, s.code, s.expected, s.browser])).toEqual([
      [3, 1, 'run', "console.log('a');", { text: 'a', line: 10 }, true],
      [13, 2, 'typecheck', 'const options: { name: string } = { name: "x" };', undefined, false],
      [23, 3, 'run', "console.log('b');", undefined, false],
    ]);
  });

  it('refuses a Prints: without a text block, an unknown flag, output on a no-run sample and an open fence', () => {
    expect(() => extractSamples('a.md', '```ts\nx\n```\n\nPrints:\n\n```json\n{}\n```')).toThrow('a.md:7: "Prints:" must be followed');
    expect(() => extractSamples('a.md', '```ts skip\nx\n```')).toThrow('a.md:1: unknown sample flag skip');
    expect(() => extractSamples('a.md', '```ts no-run\nx\n```\nPrints:\n```text\ny\n```')).toThrow('a.md:1: a no-run sample cannot show');
    expect(() => extractSamples('a.md', '```ts\nx\n')).toThrow('a.md:1: code fence is never closed');
    expect(() => extractSamples('a.md', '<!-- sample: browser -->\n```ts no-run\nx\n```')).toThrow('a.md:2: a browser sample must run');
  });
});

describe('compareOutput', () => {
  it('accepts the same text, trailing spaces and a final newline aside', () => {
    expect(compareOutput('201\nW/"1"', '201  \nW/"1"\n\n')).toBeUndefined();
  });

  it('reads <name> as any text without spaces', () => {
    expect(compareOutput('log: POST /r5/Patient 201 <n>ms', 'log: POST /r5/Patient 201 12ms')).toBeUndefined();
    expect(compareOutput('url http://127.0.0.1:<port>/r5', 'url http://127.0.0.1:4711/r5')).toBeUndefined();
    expect(compareOutput('took <n> ms', 'took 1 2 ms')).toMatch(/output line 1 differs/);
  });

  it('reads a UUID as any UUID, the same one wherever the doc repeats it', () => {
    const doc = 'a a8a92e12-89c5-4abd-81bb-84ff47b18152\nb a8a92e12-89c5-4abd-81bb-84ff47b18152';
    expect(compareOutput(doc, 'a 00000000-0000-4000-8000-000000000001\nb 00000000-0000-4000-8000-000000000001')).toBeUndefined();
    expect(compareOutput(doc, 'a 00000000-0000-4000-8000-000000000001\nb 00000000-0000-4000-8000-000000000002')).toMatch(/not the same UUID/);
  });

  it('names the first line that differs, a missing line and an extra line', () => {
    expect(compareOutput('a\nb', 'a\nc')).toBe('output line 2 differs:\n  doc:    b\n  output: c');
    expect(compareOutput('a\nb', 'a')).toBe('output ends before doc line 2: "b"');
    expect(compareOutput('a', 'a\nb')).toBe('output line 2 is not in the doc: "b"');
  });
});
