/**
 * `node --import tsx bench/validate.bench.ts`: how long `checkResource` takes per resource, 10,000 validations a
 * run, median of 5 runs, for
 * - the official R5 ImagingSelection examples (data/hl7-fhir-r5/examples/), checked with ImagingSelection's own table;
 * - the benchmark Patients (bench/generate.ts) checked as every R5 type now is, against the generated R5 tables;
 * - each of them also validated as before the R5 tables (other types, contained ones too, by the shared Resource
 *   elements and JSON shape only): the same-run baseline.
 *
 * Only reported, never asserted (test/model/validate.test.ts checks what validation finds, not how fast): these
 * machines are noisy. About 7 µs per ImagingSelection was measured when validation became one walk over
 * precompiled tables; a figure an order of magnitude above that points at a table compiled per call or a second walk.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { checkResource } from '../src/model/validate/index.js';
import { IssueCollector } from '../src/model/validate/issues.js';
import { loadValidation } from '../src/model/validate/load.js';
import { GENERIC_RESOURCE_STRUCTURE, IMAGING_SELECTION_STRUCTURE } from '../src/model/validate/structures.js';
import type { WalkContext } from '../src/model/validate/walk-context.js';
import { walkStructure } from '../src/model/validate/walk-elements.js';
import { patient } from './generate.js';

const EXAMPLES_DIR = new URL('../data/hl7-fhir-r5/examples/', import.meta.url);
const RUNS = 5;
const PER_RUN = 10_000;

await loadValidation();

const selections: unknown[] = readdirSync(EXAMPLES_DIR)
  .filter((f) => f.startsWith('ImagingSelection-') && f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(new URL(f, EXAMPLES_DIR), 'utf8')) as unknown);
if (selections.length === 0) throw new Error(`no ImagingSelection examples in ${EXAMPLES_DIR.pathname}`);
const patients: Record<string, unknown>[] = Array.from({ length: 100 }, (_, i) => patient(i, 100) as unknown as Record<string, unknown>);

/**
 * Validation as it was before the R5 tables: ImagingSelection by its own table, any other type (top-level or
 * contained) by the shared elements and the rest by JSON shape.
 */
function asBefore(resource: unknown): number {
  const issues = new IssueCollector();
  const walk = (r: Record<string, unknown>, path: string): void =>
    walkStructure(r['resourceType'] === 'ImagingSelection' ? IMAGING_SELECTION_STRUCTURE : GENERIC_RESOURCE_STRUCTURE, r, path, ctx);
  const ctx: WalkContext = { issues, depth: 0, validateContainedResource: (value, path) => walk(value as Record<string, unknown>, path) };
  const r = resource as Record<string, unknown>;
  walk(r, String(r['resourceType']));
  return issues.issues.length;
}

/** Median µs per resource over RUNS runs of PER_RUN calls; throws if any input has an issue. */
function measure<T>(inputs: readonly T[], validate: (r: T) => number): number {
  const batch = Array.from({ length: PER_RUN }, (_, i) => inputs[i % inputs.length]!);
  const times: number[] = [];
  let issues = 0;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    for (const r of batch) issues += validate(r);
    times.push(performance.now() - started);
  }
  if (issues > 0) throw new Error(`${issues} validation issues in the benchmark inputs`);
  times.sort((a, b) => a - b);
  return (times[Math.floor(RUNS / 2)]! * 1000) / PER_RUN;
}

const count = (r: unknown): number => checkResource(r)?.issues.length ?? 0;
// Without narratives (whose XML parse dominates) the table walk shows.
const withoutNarrative = (resources: readonly unknown[]): unknown[] =>
  resources.map((s) => {
    const { text: _text, ...rest } = s as Record<string, unknown>;
    return rest;
  });
const rows: [string, readonly unknown[]][] = [
  [`ImagingSelection (${selections.length} official examples, with narratives)`, selections],
  [`ImagingSelection (the same without narratives)`, withoutNarrative(selections)],
  [`Patient (${patients.length} benchmark patients, with narratives)`, patients],
  [`Patient (the same without narratives)`, withoutNarrative(patients)],
];
console.log(`checkResource, µs per resource (median of ${RUNS} runs of ${PER_RUN}), now vs as before (same run):`);
for (const [label, inputs] of rows) {
  const before = measure(inputs, asBefore);
  const now = measure(inputs, count);
  console.log(`  ${label}: ${now.toFixed(2)} µs now, ${before.toFixed(2)} µs as before, ratio ${(now / before).toFixed(2)}`);
}
