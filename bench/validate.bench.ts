/**
 * `node --import tsx bench/validate.bench.ts`: how long `checkResource` takes per resource over the official R5
 * ImagingSelection examples (data/hl7-fhir-r5/examples/), 10,000 validations a run, median of 5 runs.
 *
 * Only reported, never asserted (test/model/validate.test.ts checks what validation finds, not how fast): these
 * machines are noisy. About 7 µs per resource was measured when validation became one walk over precompiled
 * tables; a figure an order of magnitude above that points at a table compiled per call or a second walk.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { checkResource } from '../src/model/validate/index.js';

const EXAMPLES_DIR = new URL('../data/hl7-fhir-r5/examples/', import.meta.url);
const RUNS = 5;
const PER_RUN = 10_000;

const examples: unknown[] = readdirSync(EXAMPLES_DIR)
  .filter((f) => f.startsWith('ImagingSelection-') && f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(new URL(f, EXAMPLES_DIR), 'utf8')) as unknown);
if (examples.length === 0) throw new Error(`no ImagingSelection examples in ${EXAMPLES_DIR.pathname}`);

const inputs = Array.from({ length: PER_RUN }, (_, i) => examples[i % examples.length]);
const times: number[] = [];
let issues = 0;
for (let run = 0; run < RUNS; run++) {
  const started = performance.now();
  for (const r of inputs) issues += checkResource(r)?.issues.length ?? 0;
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(RUNS / 2)]!;
console.log(`checkResource: ${((median * 1000) / PER_RUN).toFixed(2)} µs per resource (median of ${RUNS} runs of ${PER_RUN} over ${examples.length} examples; ${issues} issues in all)`);
