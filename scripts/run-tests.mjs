#!/usr/bin/env node
// `npm test`: build dist/ (the browser test runs the built library), run vitest with the console reporter
// and a JSON report, then end with one summary line `N passed, N failed[, N skipped]`.
// Extra arguments go to vitest: `npm test -- test/rest`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const vitestArgs = process.argv.slice(2);

/** Runs a command in the repo root with the console attached; returns its exit code (signals count as failure). */
function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
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

const buildCode = npm(['run', 'build']);
if (buildCode !== 0) {
  console.error(`npm run build failed (exit ${buildCode}); tests not run`);
  console.log('0 passed, 1 failed');
  process.exit(buildCode);
}

const require = createRequire(import.meta.url);
const vitestPkg = require.resolve('vitest/package.json', { paths: [root] });
const vitestBin = join(dirname(vitestPkg), JSON.parse(readFileSync(vitestPkg, 'utf8')).bin.vitest);

const tmp = mkdtempSync(join(tmpdir(), 'fhir-store-vitest-'));
const jsonFile = join(tmp, 'results.json');
let vitestCode;
let report;
try {
  vitestCode = run(process.execPath, [vitestBin, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${jsonFile}`, ...vitestArgs]);
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

let passed = 0;
let failed = 0;
let skipped = 0;
if (report) {
  passed = report.numPassedTests ?? 0;
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  failed = report.numFailedTests ?? 0;
  // A file that failed on its own (import error, failing beforeAll/afterAll) has no failed test in it:
  // count each such file as one failure so it is not hidden behind "0 failed".
  for (const file of report.testResults ?? []) {
    const hasFailedTest = (file.assertionResults ?? []).some((t) => t.status === 'failed');
    if (file.status === 'failed' && !hasFailedTest) {
      failed += 1;
      console.error(`failed outside any test: ${file.name}: ${file.message || 'a suite or hook failed (see above)'}`);
    }
  }
  if (failed === 0 && (report.numFailedTestSuites ?? 0) > 0) failed = report.numFailedTestSuites;
} else {
  console.error('vitest wrote no JSON report');
}
// Vitest failed with nothing counted (no report, no test files, an unhandled error): still a failure.
if (vitestCode !== 0 && failed === 0) {
  console.error(`vitest exited with code ${vitestCode}`);
  failed = 1;
}

console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? (vitestCode || 1) : 0);
