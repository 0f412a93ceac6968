/**
 * The write path of pulled server versions in real Chromium (Debian's /usr/bin/chromium, a persistent profile on
 * disk): N generated ImagingSelections committed as server versions in chunks (as `$export` chunks and `_history`
 * pages are), by the lean path (`serverChanges(steps, 'lean')`, with the held/pending and assumption reads by key
 * range) and by the general path with the reads it made before (a `bulkGet` per table: one `get` per key), each into
 * a new database of the same page, in the order lean, general, general, lean (`BENCH_PULL_ROUNDS` pairs), the postings
 * of one side written before the next runs; totals per side. Validation and indexing (`prepare`) are timed apart:
 * both sides share them. Environment: `BENCH_PULL_N` (default 5000), `BENCH_PULL_CHUNK` (default 1000),
 * `BENCH_PULL_ROUNDS` (default 2), `BENCH_IDS=uuid` (random ids instead of the generator's `is<n>`). Speed is never
 * asserted: read the ratio.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { launchChromium, PAGE_BUILD, servePage } from '../test/browser/harness.js';
import { browserFallback } from '../tsup.config.js';
import { imagingSelection } from './generate.js';
import { fmtMs, ratio } from './measure.js';

const N = Number(process.env.BENCH_PULL_N ?? '5000');
const CHUNK = Number(process.env.BENCH_PULL_CHUNK ?? '1000');
const ROUNDS = Number(process.env.BENCH_PULL_ROUNDS ?? '2');

const out = await build({ entryPoints: [fileURLToPath(new URL('pull-write-page.ts', import.meta.url))], ...PAGE_BUILD, plugins: [browserFallback] });
const js = out.outputFiles[0]?.text;
if (!js) throw new Error('esbuild produced no page script');
const UUIDS = process.env.BENCH_IDS === 'uuid';
const resources = Array.from({ length: N }, (_, i) => ({ ...imagingSelection(i, N, Math.max(20, N / 20)), ...(UUIDS ? { id: randomUUID() } : {}), meta: { versionId: '1', lastUpdated: '2025-01-01T00:00:00.000Z' } }));

const server = await servePage(js);
const browser = await launchChromium();
try {
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.setDefaultTimeout(1_800_000);
  await page.goto(`${server.origin}/`);
  await page.waitForFunction(() => 'pullWrite' in window);
  type Result = { prepareMs: number; commitMs: number; rows: number };
  const total = { lean: { prepareMs: 0, commitMs: 0 }, general: { prepareMs: 0, commitMs: 0 } };
  for (let round = 0; round < ROUNDS; round++) {
    for (const path of round % 2 === 0 ? (['lean', 'general'] as const) : (['general', 'lean'] as const)) {
      const r = await page.evaluate(([rs, chunk, p]) => (window as unknown as { pullWrite: (...a: unknown[]) => Promise<Result> }).pullWrite(rs, chunk, p), [resources, CHUNK, path] as const);
      if (r.rows !== N) throw new Error(`${path}: ${r.rows} rows held, expected ${N}`);
      total[path].prepareMs += r.prepareMs;
      total[path].commitMs += r.commitMs;
      console.error(`round ${round + 1} ${path}: prepare ${fmtMs(r.prepareMs)} ms, commits ${fmtMs(r.commitMs)} ms`);
    }
  }
  const per = (ms: number): string => ((ms / ROUNDS / N) * 1000).toFixed(0);
  const prepareMs = (total.lean.prepareMs + total.general.prepareMs) / 2;
  console.log(`| ${N} ImagingSelections${UUIDS ? ' with random ids' : ''} as server versions, chunks of ${CHUNK}, Chromium on disk, ${ROUNDS} runs per side | µs per resource |`);
  console.log('|---|---|');
  console.log(`| prepare (validate, index keys, text documents; both paths) | ${per(prepareMs)} |`);
  console.log(`| commit, general path with the reads of before | ${per(total.general.commitMs)} |`);
  console.log(`| commit, lean path | ${per(total.lean.commitMs)} |`);
  console.log(`lean / general commits: ${ratio(total.lean.commitMs, total.general.commitMs)}; with prepare: ${ratio(prepareMs + total.lean.commitMs, prepareMs + total.general.commitMs)}`);
} finally {
  await browser.close();
  await server.close();
}
