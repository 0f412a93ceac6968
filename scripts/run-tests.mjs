#!/usr/bin/env node
// `npm test`: build dist/ (the browser test runs the built library), run vitest with the console reporter and a
// JSON report, then the interoperability suite against HAPI FHIR R5 (fhir-test-server/, started and stopped
// here) when a JDK is present, and end with one summary line `N passed, N failed[, N skipped]`.
//
//   npm test                     everything: the main run, then the interop suite (skipped without java and mvn;
//                                CI=true makes a missing JDK a failure)
//   npm test -- test/rest        the main run on these vitest arguments only, no interop suite
//   npm run test:interop         the interop suite only (node scripts/run-tests.mjs --interop)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasJdk, startHapi, stopHapi } from './hapi-server.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const interopOnly = argv[0] === '--interop';
const vitestArgs = interopOnly ? argv.slice(1) : argv;
const isCI = process.env.CI === 'true' || process.env.CI === '1';

/**
 * The suites that run against HAPI: the replication suites, unchanged, with FHIR_BASE_URL pointing at it, and the
 * differential search suite (HAPI_BASE_URL).
 */
const INTEROP_SEARCH = ['test/interop/'];
const INTEROP_SYNC = ['test/sync/replication.test.ts', 'test/sync/post-mode.test.ts', 'test/sync/faults.test.ts'];
/**
 * The first sync by $export from HAPI: run last and alone, because it compares the store with every ImagingSelection
 * HAPI holds, so nothing else may write meanwhile (vitest runs the files of one run in parallel).
 */
const INTEROP_BULK = ['test/interop/bulk-export.test.ts'];

/** Runs a command in the repo root with the console attached; returns its exit code (signals count as failure). */
function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.error) {
    console.error(`could not run ${cmd}: ${r.error.message}`);
    return 1;
  }
  return r.status ?? 1;
}

/** npm itself: the one running this script when there is one, so the same npm/node pair builds. */
function npm(args) {
  const npmCli = process.env.npm_execpath;
  return npmCli && existsSync(npmCli) && /\.[cm]?js$/.test(npmCli)
    ? run(process.execPath, [npmCli, ...args])
    : run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args);
}

const require = createRequire(import.meta.url);
const vitestPkg = require.resolve('vitest/package.json', { paths: [root] });
const vitestBin = join(dirname(vitestPkg), JSON.parse(readFileSync(vitestPkg, 'utf8')).bin.vitest);

/** One vitest run with a JSON report: its counts (a file that failed outside any test counts as one failure). */
function vitest(args, env = process.env) {
  const tmp = mkdtempSync(join(tmpdir(), 'fhir-store-vitest-'));
  const jsonFile = join(tmp, 'results.json');
  let code;
  let report;
  try {
    code = run(process.execPath, [vitestBin, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${jsonFile}`, ...args], env);
    if (existsSync(jsonFile)) {
      try {
        report = JSON.parse(readFileSync(jsonFile, 'utf8'));
      } catch (e) {
        console.error(`unreadable vitest JSON report: ${e.message}`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const counts = { passed: 0, failed: 0, skipped: 0 };
  if (report) {
    counts.passed = report.numPassedTests ?? 0;
    counts.skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    counts.failed = report.numFailedTests ?? 0;
    for (const file of report.testResults ?? []) {
      const hasFailedTest = (file.assertionResults ?? []).some((t) => t.status === 'failed');
      if (file.status === 'failed' && !hasFailedTest) {
        counts.failed += 1;
        console.error(`failed outside any test: ${file.name}: ${file.message || 'a suite or hook failed (see above)'}`);
      }
    }
    if (counts.failed === 0 && (report.numFailedTestSuites ?? 0) > 0) counts.failed = report.numFailedTestSuites;
  } else {
    console.error('vitest wrote no JSON report');
  }
  // Vitest failed with nothing counted (no report, no test files, an unhandled error): still a failure.
  if (code !== 0 && counts.failed === 0) {
    console.error(`vitest exited with code ${code}`);
    counts.failed = 1;
  }
  return counts;
}

/** The interop suite: HAPI built (if needed) and started on a free port, the suites run against it, HAPI stopped. */
async function interop(extraArgs) {
  if (!(await hasJdk())) {
    const why = 'interop suite against HAPI FHIR skipped: no JDK (java and mvn are needed to build and run fhir-test-server/)';
    if (isCI) {
      console.error(`${why}; CI always runs it`);
      return { passed: 0, failed: 1, skipped: 0 };
    }
    console.log(why);
    return { passed: 0, failed: 0, skipped: 0 };
  }
  let hapi;
  try {
    hapi = await startHapi();
  } catch (e) {
    console.error(`could not start HAPI FHIR: ${e.message}`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  try {
    console.log(`interop suite against HAPI FHIR R5 at ${hapi.url}`);
    const env = { ...process.env, FHIR_BASE_URL: hapi.url, HAPI_BASE_URL: hapi.url };
    // The differential search first, on a server that holds nothing else (the sync suites add data of their own).
    const search = vitest([...INTEROP_SEARCH, ...INTEROP_BULK.flatMap((f) => ['--exclude', f]), ...extraArgs], env);
    const sync = vitest([...INTEROP_SYNC, ...extraArgs], env);
    const bulk = vitest([...INTEROP_BULK, ...extraArgs], env);
    const runs = [search, sync, bulk];
    const sum = (k) => runs.reduce((n, r) => n + r[k], 0);
    return { passed: sum('passed'), failed: sum('failed'), skipped: sum('skipped') };
  } finally {
    await stopHapi();
  }
}

const buildCode = npm(['run', 'build']);
if (buildCode !== 0) {
  console.error(`npm run build failed (exit ${buildCode}); tests not run`);
  console.log('0 passed, 1 failed');
  process.exit(buildCode);
}

const total = { passed: 0, failed: 0, skipped: 0 };
const add = (c) => {
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
};
if (!interopOnly) add(vitest(vitestArgs));
if (interopOnly || vitestArgs.length === 0) add(await interop(interopOnly ? vitestArgs : []));

console.log(`${total.passed} passed, ${total.failed} failed${total.skipped > 0 ? `, ${total.skipped} skipped` : ''}`);
process.exit(total.failed > 0 ? 1 : 0);
