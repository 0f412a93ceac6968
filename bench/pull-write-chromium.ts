/**
 * The write path of pulled server versions in real Chromium (Debian's /usr/bin/chromium, a persistent profile on
 * disk): N generated ImagingSelections committed as server versions in chunks (as `$export` chunks and `_history`
 * pages are), by the lean path (`serverChanges(steps, 'lean')`, with the held/pending and assumption reads by key
 * range) and by the general path with the reads it made before (a `bulkGet` per table: one `get` per key), into two
 * databases in the same page, chunk by chunk in turn. Validation and indexing (`prepare`) are timed once, apart: both
 * sides share them. Environment: `BENCH_PULL_N` (default 5000), `BENCH_PULL_CHUNK` (default 1000). Speed is never
 * asserted: read the ratio.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { launchChromium, PAGE_BUILD, servePage } from '../test/browser/harness.js';
import { browserFallback } from '../tsup.config.js';
import { imagingSelection } from './generate.js';
import { fmtMs, ratio } from './measure.js';

const N = Number(process.env.BENCH_PULL_N ?? '5000');
const CHUNK = Number(process.env.BENCH_PULL_CHUNK ?? '1000');

const out = await build({ entryPoints: [fileURLToPath(new URL('pull-write-page.ts', import.meta.url))], ...PAGE_BUILD, plugins: [browserFallback] });
const js = out.outputFiles[0]?.text;
if (!js) throw new Error('esbuild produced no page script');
const resources = Array.from({ length: N }, (_, i) => ({ ...imagingSelection(i, N, Math.max(20, N / 20)), meta: { versionId: '1', lastUpdated: '2025-01-01T00:00:00.000Z' } }));

const server = await servePage(js);
const browser = await launchChromium();
try {
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.setDefaultTimeout(1_800_000);
  await page.goto(`${server.origin}/`);
  await page.waitForFunction(() => 'pullWrite' in window);
  type Result = { prepareMs: number; leanMs: number; generalMs: number; rows: [number, number] };
  const r = await page.evaluate(([rs, chunk]) => (window as unknown as { pullWrite: (...a: unknown[]) => Promise<Result> }).pullWrite(rs, chunk), [resources, CHUNK] as const);
  console.log(`| ${N} ImagingSelections as server versions, chunks of ${CHUNK}, Chromium on disk | ms | µs per resource |`);
  console.log('|---|---|---|');
  console.log(`| prepare (validate, index keys, text documents; both paths) | ${fmtMs(r.prepareMs)} | ${((r.prepareMs / N) * 1000).toFixed(0)} |`);
  console.log(`| commit, general path with the reads of before | ${fmtMs(r.generalMs)} | ${((r.generalMs / N) * 1000).toFixed(0)} |`);
  console.log(`| commit, lean path | ${fmtMs(r.leanMs)} | ${((r.leanMs / N) * 1000).toFixed(0)} |`);
  console.log(`lean / general: ${ratio(r.leanMs, r.generalMs)}; (prepare + lean) / (prepare + general): ${ratio(r.prepareMs + r.leanMs, r.prepareMs + r.generalMs)}; rows held: ${r.rows.join(' and ')}`);
} finally {
  await browser.close();
  await server.close();
}
