/**
 * Scoped sync (`npm run bench:scope`): N ImagingSelections over 40 patients on the package's own server (a child
 * process), and a device whose scope is a Group of 10 of them (about a quarter). In the same run: the unscoped first
 * sync by `_history` and by `$export` (the baselines), the scoped first sync by Group-level `$export` and by the
 * scoped search, and the cost of the scope check per pulled resource beside what every pulled resource pays anyway
 * (validation and indexing, `prepare`).
 *
 * Environment: `BENCH_SCOPE_N` (default 10000). Speed is reported, never asserted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Resource } from 'fhir/r5';
import type { ReplicationOptions, Store } from '../src/index.js';
import { syncContextOf } from '../src/store.js';
import { compileScope } from '../src/sync/scope.js';
import { ScopeCheck, withPreparedCache } from '../src/sync/scope-check.js';
import { imagingSelection } from './generate.js';
import { now } from './measure.js';
import { freshStore, startChildServer } from './sync-parts.js';

const N = Number(process.env.BENCH_SCOPE_N ?? '10000');
if (!(N > 0)) throw new Error(`BENCH_SCOPE_N must be a positive number, got ${process.env.BENCH_SCOPE_N}`);
const PATIENTS = 40;
const MEMBERS = Array.from({ length: 10 }, (_, i) => `p${i}`);
const log = (s = ''): void => void process.stdout.write(`${s}\n`);
const n = (x: number): string => x.toLocaleString('en');
const perSecond = (count: number, ms: number): number => Math.round((count / ms) * 1000);

const tmp = mkdtempSync(join(os.tmpdir(), 'fhir-scope-bench-'));
log(`fhir-offline-store scoped sync benchmark: ${n(N)} ImagingSelections over ${PATIENTS} patients, scope a Group of ${MEMBERS.length}; ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)}, node ${process.version}`);
const selections = Array.from({ length: N }, (_, i) => imagingSelection(i, N, PATIENTS));
const dataFile = join(tmp, 'selections.ndjson');
writeFileSync(dataFile, selections.map((s) => JSON.stringify(s)).join('\n'));
const server = await startChildServer(dataFile, ['--max-old-space-size=8192']);
try {
  const group = { resourceType: 'Group', id: 'worklist', type: 'person', membership: 'enumerated', member: MEMBERS.map((p) => ({ entity: { reference: `Patient/${p}` } })) };
  const put = await fetch(`${server.url}/Group/worklist`, { method: 'PUT', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(group) });
  if (put.status !== 201) throw new Error(`PUT Group answered ${put.status}`);
  const inScope = selections.filter((s) => MEMBERS.includes(s.subject!.reference!.slice('Patient/'.length))).length;

  const firstSync = async (name: string, options: Partial<ReplicationOptions>): Promise<{ ms: number; held: number; store: Store }> => {
    const store = await freshStore(name);
    const t = now();
    const report = await store.replicate({ baseUrl: server.url, batchSize: 1000, bulkExport: { pollInterval: 50 }, ...options }).syncOnce();
    const ms = now() - t;
    if (report.invalid.length > 0) throw new Error(`${name}: ${report.invalid.length} invalid`);
    const held = (await store.search('ImagingSelection', { _summary: 'count' })).total ?? 0;
    return { ms, held, store };
  };
  const rows: [string, { ms: number; held: number }][] = [];
  for (const [name, options] of [
    ['unscoped, by _history (baseline)', { bulkExport: false }],
    ['unscoped, by $export', {}],
    ['scope { group }, by Group-level $export', { scope: { group: 'worklist' } }],
    ['scope { group }, by scoped search', { scope: { group: 'worklist' }, bulkExport: false }],
  ] as [string, Partial<ReplicationOptions>][]) {
    const r = await firstSync(name.replace(/\W+/g, '-'), options);
    r.store.close();
    rows.push([name, r]);
  }
  const base = rows[0]![1].ms;
  log(`  first sync (${n(inScope)} of ${n(N)} in scope):`);
  for (const [name, r] of rows) log(`    ${name.padEnd(44)} ${n(Math.round(r.ms)).padStart(7)} ms  ${n(r.held).padStart(6)} held  ${n(perSecond(r.held, r.ms)).padStart(6)} held/s  ${(r.ms / base).toFixed(2)}x the baseline's time`);

  // The check per pulled resource, beside the validation and indexing every pulled resource pays (the check's own
  // preparing of a resource is remembered and reused by the write, as in a scoped pull).
  const store = await freshStore('check');
  const ctx = withPreparedCache(syncContextOf(store));
  await ctx.ready();
  const compiled = compileScope({ group: 'worklist' }, ['ImagingSelection'], { now: new Date(), groupPatients: MEMBERS, hasParameter: (t, c) => ctx.search!.registry.get(t, c) !== undefined });
  const check = ScopeCheck.create(ctx, compiled, new Date());
  const t0 = now();
  for (const s of selections) ctx.prepare(s as Resource);
  const prepareMs = now() - t0;
  const t1 = now();
  let kept = 0;
  // (prepare above filled the cache: what is left is the matching itself.)
  for (let i = 0; i < selections.length; i += 1000) kept += (await check.inScope(selections.slice(i, i + 1000))).size;
  const checkMs = now() - t1;
  if (kept !== inScope) throw new Error(`the check kept ${kept}, ${inScope} are in scope`);
  log(`  scope check of ${n(N)} pulled resources: ${Math.round(checkMs)} ms (${((checkMs / N) * 1000).toFixed(0)} µs each), ${(checkMs / prepareMs).toFixed(2)}x the validation and indexing of the same resources (${Math.round(prepareMs)} ms), which the write reuses`);
  store.close();
} finally {
  await server.stop();
  rmSync(tmp, { recursive: true, force: true });
}
