/**
 * Finds the TypeScript samples of a Markdown page and the output the page says they print.
 *
 * The convention (README.md, "Documentation", says it for writers):
 * - a ```ts block is a sample; it is run with the built package and its output compared when a paragraph
 *   `Prints:` (or `Prints (…):`) and then a ```text block follow it;
 * - a ```ts no-run block (a fragment: types, an options object) is only typechecked;
 * - a sample right after the line `<!-- sample: browser -->` is also bundled and run in Chromium, against its
 *   IndexedDB, and compared there too;
 * - in the expected output `<name>` (lower case, e.g. `<id>`, `<port>`, `<n>`) stands for any text without
 *   spaces, and a UUID for any UUID (the same UUID in the doc must be the same UUID in the output).
 */

/** One TypeScript sample of a page. */
export interface DocSample {
  /** The page, relative to the repository root (e.g. `docs/sync.md`). */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The n-th TypeScript sample of the page, from 1. */
  index: number;
  /** `run`: executed (and typechecked); `typecheck`: a fragment marked ```ts no-run. */
  mode: 'run' | 'typecheck';
  code: string;
  /** The ```text block after `Prints:`, when the page shows the output. */
  expected?: { text: string; line: number };
  /** Marked `<!-- sample: browser -->`: written for a browser page, so also run in Chromium. */
  browser: boolean;
}

const TS_FENCE = /^(\s*)```\s*(ts|typescript|tsx|mts)\b(.*)$/;
const ANY_FENCE = /^(\s*)```/;
const PRINTS = /^Prints\b.*:\s*$/;

/** Every TypeScript sample of `markdown`; throws on a fence left open or a `Prints:` with no ```text block. */
export function extractSamples(file: string, markdown: string): DocSample[] {
  const lines = markdown.split('\n');
  const samples: DocSample[] = [];
  const closeOf = (open: number, indent: string): number => {
    for (let j = open + 1; j < lines.length; j++) if (lines[j]!.startsWith(`${indent}\`\`\``) && lines[j]!.trim() === '```') return j;
    throw new Error(`${file}:${open + 1}: code fence is never closed`);
  };
  for (let i = 0; i < lines.length; i++) {
    const fence = ANY_FENCE.exec(lines[i]!);
    if (!fence) continue;
    const ts = TS_FENCE.exec(lines[i]!);
    const end = closeOf(i, fence[1]!);
    if (ts) {
      const flags = ts[3]!.trim().split(/\s+/).filter(Boolean);
      const unknown = flags.filter((f) => f !== 'no-run');
      if (unknown.length > 0) throw new Error(`${file}:${i + 1}: unknown sample flag ${unknown.join(' ')} (only \`no-run\`)`);
      const indent = fence[1]!.length;
      const code = lines.slice(i + 1, end).map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join('\n');
      const browser = /^\s*<!--\s*sample:\s*browser\s*-->\s*$/.test(lines[i - 1] ?? '');
      const mode = flags.includes('no-run') ? 'typecheck' : 'run';
      if (browser && mode === 'typecheck') throw new Error(`${file}:${i + 1}: a browser sample must run`);
      const sample: DocSample = { file, line: i + 1, index: samples.length + 1, mode, code, browser };
      const expected = printsAfter(file, lines, end);
      if (expected) {
        if (sample.mode === 'typecheck') throw new Error(`${file}:${i + 1}: a no-run sample cannot show what it prints`);
        sample.expected = expected;
      }
      samples.push(sample);
    }
    i = end;
  }
  return samples;
}

/** The ```text block introduced by a `Prints:` paragraph right after the fence closed on line index `end`. */
function printsAfter(file: string, lines: string[], end: number): DocSample['expected'] {
  let k = end + 1;
  while (k < lines.length && lines[k]!.trim() === '') k++;
  if (k >= lines.length || !PRINTS.test(lines[k]!.trim())) return undefined;
  k++;
  while (k < lines.length && lines[k]!.trim() === '') k++;
  if (!/^\s*```\s*text\s*$/.test(lines[k] ?? '')) throw new Error(`${file}:${k + 1}: "Prints:" must be followed by a \`\`\`text block`);
  const open = k;
  let close = open + 1;
  while (close < lines.length && lines[close]!.trim() !== '```') close++;
  if (close >= lines.length) throw new Error(`${file}:${open + 1}: code fence is never closed`);
  return { text: lines.slice(open + 1, close).join('\n'), line: open + 2 };
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const PLACEHOLDER = /<[a-z][a-z0-9-]*>/g;

/** Trailing spaces and trailing empty lines never count. */
export const normaliseOutput = (text: string): string =>
  text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n+$/, '');

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A regular expression for one expected text: literal except `<name>` (any non-space text) and UUIDs (any
 * UUID, the same one wherever the doc repeats it when `consistent`).
 */
function pattern(expected: string, consistent: boolean): string {
  const uuids = new Map<string, number>();
  let out = '';
  let last = 0;
  const tokens = [...expected.matchAll(new RegExp(`${UUID.source}|${PLACEHOLDER.source}`, 'g'))];
  for (const t of tokens) {
    out += escape(expected.slice(last, t.index));
    const s = t[0];
    if (s.startsWith('<')) out += '\\S+?';
    else if (!consistent) out += UUID.source;
    else if (uuids.has(s)) out += `\\k<u${uuids.get(s)}>`;
    else {
      uuids.set(s, uuids.size);
      out += `(?<u${uuids.size - 1}>${UUID.source})`;
    }
    last = t.index + s.length;
  }
  return out + escape(expected.slice(last));
}

/** undefined when `actual` is what the doc shows, otherwise where and how it differs. */
export function compareOutput(expectedText: string, actualText: string): string | undefined {
  const expected = normaliseOutput(expectedText);
  const actual = normaliseOutput(actualText);
  if (new RegExp(`^${pattern(expected, true)}$`).test(actual)) return undefined;
  const e = expected.split('\n');
  const a = actual.split('\n');
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    const el = e[i];
    const al = a[i];
    if (el === undefined) return `output line ${i + 1} is not in the doc: ${JSON.stringify(al)}`;
    if (al === undefined) return `output ends before doc line ${i + 1}: ${JSON.stringify(el)}`;
    if (!new RegExp(`^${pattern(el, false)}$`).test(al)) return `output line ${i + 1} differs:\n  doc:    ${el}\n  output: ${al}`;
  }
  return 'each line matches, but a UUID the doc repeats is not the same UUID in the output';
}
