/**
 * `npm run bench:encryption:browser`: the cost of encryption at rest in real Chromium (Debian's /usr/bin/chromium,
 * a persistent profile on disk), against the same store without encryption in the same page and run: a bulk load
 * of N generated ImagingSelections (transaction Bundles of 500, then `flushIndex`) and token searches
 * (`identifier=` one DICOM UID, one hit). The sides alternate over `BENCH_ENC_ROUNDS` rounds, each into a new
 * database; medians. `BENCH_ENC_N` (default 2000). Speed is never asserted: read the ratios.
 */
import type { Resource } from 'fhir/r5';
import { bundlePage, DIST, launchChromium, servePage } from '../test/browser/harness.js';
import { imagingSelection, patient } from './generate.js';
import { fmtMs, median, ratio } from './measure.js';

const N = Number(process.env.BENCH_ENC_N ?? '2000');
const ROUNDS = Number(process.env.BENCH_ENC_ROUNDS ?? '2');
const PATIENTS = Math.max(1, Math.floor(N / 20));
const SEARCHES = 100;

const ENTRY = `
import { openStore } from ${JSON.stringify(DIST)};
window.run = async (mode, round, resources, uids) => {
  const encryption = mode === 'encrypted' ? { key: window.key ??= await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']) } : undefined;
  const store = await openStore({ name: mode + round, ...(encryption ? { encryption } : {}) });
  let t = performance.now();
  for (let i = 0; i < resources.length; i += 500) {
    const entry = resources.slice(i, i + 500).map((r) => ({ resource: r, request: { method: 'PUT', url: r.resourceType + '/' + r.id } }));
    await store.transaction({ resourceType: 'Bundle', type: 'transaction', entry });
  }
  await store.flushIndex();
  const load = performance.now() - t;
  const searches = [];
  for (const uid of uids) {
    t = performance.now();
    const b = await store.search('ImagingSelection', { identifier: 'urn:dicom:uid|' + uid });
    searches.push(performance.now() - t);
    if (b.total !== 1) throw new Error('expected one hit for ' + uid);
  }
  store.close();
  return { load, searches };
};
`;

const resources: Resource[] = [...Array.from({ length: PATIENTS }, (_, i) => patient(i, PATIENTS)), ...Array.from({ length: N }, (_, i) => imagingSelection(i, N, PATIENTS))];
const uids = Array.from({ length: SEARCHES }, (_, k) => imagingSelection((k * 7919) % N, N, PATIENTS).identifier![0]!.value!);

const server = await servePage(await bundlePage(ENTRY));
const browser = await launchChromium();
try {
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.setDefaultTimeout(600_000);
  await page.goto(`${server.origin}/`);
  await page.waitForFunction(() => 'run' in window);
  const got = { plain: { load: [] as number[], search: [] as number[] }, encrypted: { load: [] as number[], search: [] as number[] } };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ['plain', 'encrypted'] as const) {
      const r = await page.evaluate(([m, n, rs, us]) => (window as unknown as { run: (...a: unknown[]) => Promise<{ load: number; searches: number[] }> }).run(m, n, rs, us), [mode, round, resources, uids] as const);
      got[mode].load.push(r.load);
      got[mode].search.push(median(r.searches));
      console.error(`round ${round + 1} ${mode}: load ${fmtMs(r.load)} ms, token search ${fmtMs(median(r.searches))} ms`);
    }
  }
  const [lp, le] = [median(got.plain.load), median(got.encrypted.load)];
  const [sp, se] = [median(got.plain.search), median(got.encrypted.search)];
  console.log(`| N = ${N} ImagingSelections + ${PATIENTS} Patients, Chromium | without encryption | encrypted | ratio |`);
  console.log('|---|---|---|---|');
  console.log(`| bulk load (transaction Bundles of 500 + flushIndex), ms | ${fmtMs(lp)} | ${fmtMs(le)} | ${ratio(le, lp)} |`);
  console.log(`| token: identifier= (1 hit), ms | ${fmtMs(sp)} | ${fmtMs(se)} | ${ratio(se, sp)} |`);
} finally {
  await browser.close();
  await server.close();
}
