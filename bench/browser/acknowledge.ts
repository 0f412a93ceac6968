/**
 * `npm run bench:browser:acknowledge`: in Chromium (Debian's /usr/bin/chromium, a persistent profile, so IndexedDB
 * is on disk), the milliseconds per change of recording a push's confirmations one commit each (as before grouping)
 * beside groups of 6 (the answers of 6 requests in flight) and of 100 (a transaction Bundle), same page, same run,
 * the order alternating round by round. Reported, never asserted.
 *
 * Environment: `BENCH_ACK_N` (default 300) changes per round, `BENCH_ACK_ROUNDS` (default 5).
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Page } from 'playwright-core';
import { PAGE_BUILD } from '../../test/browser/harness.js';
import { browserFallback } from '../../tsup.config.js';
import type { AcknowledgeApi } from './acknowledge-page.js';
import { serve } from './serve.js';
import { median } from './stats.js';

const N = Number(process.env.BENCH_ACK_N ?? '300');
const ROUNDS = Number(process.env.BENCH_ACK_ROUNDS ?? '5');
const GROUPS = [1, 6, 100];
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const call = <K extends keyof AcknowledgeApi>(page: Page, name: K, ...args: Parameters<AcknowledgeApi[K]>): Promise<Awaited<ReturnType<AcknowledgeApi[K]>>> =>
  page.evaluate(([n, a]) => (globalThis as unknown as { bench: Record<string, (...xs: unknown[]) => Promise<unknown>> }).bench[n]!(...a), [name, args] as [string, unknown[]]) as Promise<
    Awaited<ReturnType<AcknowledgeApi[K]>>
  >;

const out = await build({ entryPoints: [new URL('acknowledge-page.ts', import.meta.url).pathname], ...PAGE_BUILD, plugins: [browserFallback] });
const script = out.outputFiles[0]?.text;
if (!script) throw new Error('esbuild produced no page script');
const server = await serve(script);
const profile = mkdtempSync(join(tmpdir(), 'fhir-ack-bench-'));
const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
try {
  const page = await context.newPage();
  await page.goto(server.origin);
  await page.waitForFunction(() => 'bench' in globalThis);
  const perChange = new Map<number, number[]>(GROUPS.map((g) => [g, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? GROUPS : [...GROUPS].reverse();
    for (const group of order) {
      await call(page, 'load', N);
      perChange.get(group)!.push(await call(page, 'acknowledge', group));
    }
  }
  const one = median(perChange.get(1)!);
  process.stdout.write(`Chromium, IndexedDB on disk, ${N} changes per round, median of ${ROUNDS} rounds:\n`);
  for (const group of GROUPS) {
    const ms = median(perChange.get(group)!);
    process.stdout.write(`  ${group === 1 ? 'one commit per confirmation (before)' : `groups of ${group}`}: ${ms.toFixed(3)} ms per change (${(one / ms).toFixed(1)}x)\n`);
  }
} finally {
  await context.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}
