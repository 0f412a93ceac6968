/**
 * Doc samples marked `<!-- sample: browser -->` are written for a browser page: besides running in Node
 * (samples.test.ts), each is bundled with esbuild against the built package (dist/) and run in Chromium, on its
 * IndexedDB, and what it logs is compared with the page's "Prints:" block. Without Chromium this is skipped with
 * a message (CI makes that a failure), as the other browser tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePage, HAVE_CHROMIUM, launchChromium, requireChromium, servePage, type Browser } from '../browser/harness.js';
import { compareOutput, extractSamples, type DocSample } from './extract.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const SAMPLES: DocSample[] = PAGES.flatMap((page) => extractSamples(page, readFileSync(join(ROOT, page), 'utf8'))).filter((s) => s.browser);

/** The sample as a page script: `fhir-offline-store` is dist/; a flag says when its top-level code is done. */
const bundle = (s: DocSample): Promise<string> =>
  bundlePage(`${s.code}\n;(globalThis as { sampleDone?: boolean }).sampleDone = true;\n`, { loader: 'ts', sourcefile: `${s.file}:${s.line}.ts` });

requireChromium('doc samples in Chromium');

describe.skipIf(!HAVE_CHROMIUM)('doc samples marked <!-- sample: browser -->, in Chromium', () => {
  let browser: Browser | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('there is at least one', () => {
    expect(SAMPLES.length).toBeGreaterThan(0);
  });

  for (const s of SAMPLES) {
    it(`${s.file}:${s.line} runs in Chromium${s.expected ? ' and logs what the page shows' : ''}`, async () => {
      const where = `${s.file}:${s.line} (a browser sample)`;
      const pageServer = await servePage(await bundle(s));
      const page = await browser!.context.newPage();
      const logged: string[] = [];
      const errors: string[] = [];
      page.on('console', (m) => (m.type() === 'error' ? errors : logged).push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        await page.goto(`${pageServer.origin}/`);
        await page
          .waitForFunction(() => (globalThis as { sampleDone?: boolean }).sampleDone === true, null, { timeout: 20_000 })
          .catch(() => expect.fail(`${where} did not finish in Chromium; errors: ${errors.join('; ') || 'none'}; logged: ${logged.join('\n')}`));
        expect(errors, `${where}: errors in Chromium`).toEqual([]);
        if (s.expected) {
          const diff = compareOutput(s.expected.text, logged.join('\n'));
          if (diff) expect.fail(`${where} logs in Chromium other than its "Prints:" block at ${s.file}:${s.expected.line}: ${diff}\n--- logged ---\n${logged.join('\n')}`);
        }
      } finally {
        await page.close();
        await pageServer.close();
      }
    }, 40_000);
  }
});
