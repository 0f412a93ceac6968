/** Rebuilds docs/benchmarks.md from bench/results/*.json and bench/analysis.md without running anything. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { renderDocs, type BenchResult } from './report.js';
import { withChromiumSection } from './browser/docs.js';

const ROOT = new URL('../', import.meta.url);
const results = readdirSync(new URL('bench/results/', ROOT))
  .filter((f) => /^scale-.*\.json$/.test(f))
  .map((f) => JSON.parse(readFileSync(new URL(`bench/results/${f}`, ROOT), 'utf8')) as BenchResult);
writeFileSync(new URL('docs/benchmarks.md', ROOT), withChromiumSection(renderDocs(results)));
process.stdout.write(`docs/benchmarks.md from ${results.length} result file(s)\n`);
