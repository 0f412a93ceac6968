/**
 * What the tests of the built `fhir-offline-store` bin share: the path of dist/cli.js, a scratch directory per
 * file, and `run`, which spawns the bin with its output collected (children still running after a test are killed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** The built bin: `npm test` builds dist/ first (scripts/run-tests.mjs); run `npm run build` before vitest alone. */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** A running bin. */
export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exit: Promise<number | null>;
}

/** Registers the file's hooks; `scratch()` is the file's scratch directory (removed after the file). */
export function cliHarness(prefix: string): { scratch: () => string; run: (args: string[], env?: Record<string, string>) => CliRun } {
  const children: ChildProcess[] = [];
  let tmp: string | undefined;
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    tmp = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => {
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  });
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const run = (args: string[], env: Record<string, string> = {}): CliRun => {
    // The token variable of the environment the tests run in (if any) is never passed on by accident.
    const { FHIR_OFFLINE_STORE_TOKEN: _, ...inherited } = process.env;
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...inherited, ...env } });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, stdout: () => out, stderr: () => err, exit };
  };
  const scratch = (): string => {
    if (tmp === undefined) throw new Error('the scratch directory exists only while the tests run');
    return tmp;
  };
  return { scratch, run };
}
