/**
 * Docs that run (issue 9, part 7): every TypeScript sample of README.md and docs/*.md is typechecked and, unless
 * marked ```ts no-run, run against the built package (dist/, imported by its name `fhir-offline-store` as an
 * application would), and its output compared with the ```text block after "Prints:" where the page shows one.
 *
 * The samples are written to a temporary folder whose node_modules links `fhir-offline-store` to this
 * repository (resolved through its `exports`, so dist/) and every other package to this repository's
 * node_modules. They run with the repository root as working directory (a sample reading
 * `data/hl7-fhir-r5/` says "run from the repository root"). A sample that reads `process.env.FHIR_BASE_URL`
 * gets the URL of a server of this package (`startServer` from `fhir-offline-store/server`) started for it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtOutputs } from '../global-setup.js';
import { compareOutput, extractSamples, type DocSample } from './extract.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const SAMPLES: DocSample[] = PAGES.flatMap((page) => extractSamples(page, readFileSync(join(ROOT, page), 'utf8')));
/** Per sample: at most this long to run (the replication samples wait for retries and intervals). */
const RUN_TIMEOUT_MS = 90_000;
/** Samples run two at a time: the machine may have 2 cores, and some samples measure time. */
const PARALLEL = 2;

const where = (s: DocSample): string => `${s.file}:${s.line} (TypeScript sample ${s.index} of ${s.file})`;
const fileName = (s: DocSample): string => `${basename(s.file, '.md')}-line-${s.line}.ts`;

let dir = '';
/** tsc's diagnostics per sample file name, from one typecheck of every sample. */
const diagnostics = new Map<string, string[]>();
const counts = { run: 0, compared: 0, typecheckOnly: 0, typechecked: 0 };

/** A temporary app folder: package.json, node_modules links, tsconfig.json and one file per sample. */
function prepare(): string {
  const missing = builtOutputs(ROOT).filter((f) => !existsSync(join(ROOT, f)));
  if (missing.length > 0) throw new Error(`${missing.join(', ')} missing: the doc samples run the built package; run \`npm run build\` (vitest's global setup builds it)`);
  const app = mkdtempSync(join(tmpdir(), 'fhir-doc-samples-'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'doc-samples', private: true, type: 'module' }));
  const modules = join(app, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (!name.startsWith('.')) symlinkSync(join(ROOT, 'node_modules', name), join(modules, name), 'junction');
  }
  symlinkSync(ROOT, join(modules, 'fhir-offline-store'), 'junction');
  for (const s of SAMPLES) {
    // A sample without import/export would be a script to tsc; the marker keeps top-level await legal.
    const isModule = /^\s*(import|export)\s/m.test(s.code);
    writeFileSync(join(app, fileName(s)), isModule ? `${s.code}\n` : `${s.code}\nexport {};\n`);
  }
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        // As an app with a bundler resolves the package (its `exports`, `types` first). Consumers under node16
        // and CommonJS are the business of the type fixtures, not of the doc samples.
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2022', 'DOM'],
        types: ['node'],
        strict: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: true,
        noEmit: true,
      },
      // Ambient types of what samples use but the repository does not install (Electron's main-process API).
      files: [...SAMPLES.map(fileName), join(ROOT, 'test/docs/ambient/electron.d.ts')],
    }),
  );
  return app;
}

/** Typechecks every sample in one tsc program; diagnostics are filed under the sample they are in. */
function typecheck(app: string): void {
  const require = createRequire(import.meta.url);
  const tsc = join(dirname(require.resolve('typescript/package.json', { paths: [ROOT] })), 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(app, 'tsconfig.json'), '--pretty', 'false'], { cwd: app, encoding: 'utf8' });
  const out = `${r.stdout}${r.stderr}`;
  let current: string | undefined;
  for (const line of out.split('\n')) {
    const m = /^(.+?\.ts)\((\d+),(\d+)\): (error .*)$/.exec(line);
    if (m) {
      current = basename(m[1]!);
      const sample = SAMPLES.find((s) => fileName(s) === current);
      const docLine = sample ? `${sample.file}:${sample.line + Number(m[2])}` : `${m[1]}:${m[2]}`;
      diagnostics.set(current, [...(diagnostics.get(current) ?? []), `${docLine}: ${m[4]}`]);
    } else if (line.startsWith(' ') && current) {
      diagnostics.get(current)!.push(line);
    } else if (line.trim() !== '') {
      current = undefined;
      diagnostics.set('(tsc)', [...(diagnostics.get('(tsc)') ?? []), line]);
    }
  }
  if (r.status !== 0 && diagnostics.size === 0) diagnostics.set('(tsc)', [`tsc exited with ${r.status}: ${out}`]);
}

/** A slot among PARALLEL running samples. */
let running = 0;
const waiting: Array<() => void> = [];
async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= PARALLEL) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs one sample file with tsx, from the repository root; a server of this package for FHIR_BASE_URL when it asks. */
async function runSample(s: DocSample): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: '1' };
  let server: { url: string; close(): Promise<void> } | undefined;
  if (s.code.includes('process.env.FHIR_BASE_URL')) {
    const { startServer } = (await import(pathToFileURL(join(ROOT, 'dist/server.js')).href)) as {
      startServer(o: { port: number }): Promise<{ url: string; close(): Promise<void> }>;
    };
    server = await startServer({ port: 0 });
    env.FHIR_BASE_URL = server.url;
  }
  try {
    return await new Promise<RunResult>((done) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(dir, fileName(s))], { cwd: ROOT, env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, RUN_TIMEOUT_MS);
      child.on('close', (code) => {
        clearTimeout(timer);
        done({ code, stdout, stderr, timedOut });
      });
    });
  } finally {
    await server?.close();
  }
}

beforeAll(() => {
  dir = prepare();
  typecheck(dir);
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  console.log(
    `doc samples: ${SAMPLES.length} in ${PAGES.length} pages; ${counts.run} ran (${counts.compared} with their output compared), ` +
      `${counts.typecheckOnly} typechecked only (no-run); ${counts.typechecked} typechecked in all`,
  );
});

describe('doc samples', () => {
  it('every page parses and every sample is either run or typechecked', () => {
    expect(SAMPLES.length).toBeGreaterThan(0);
    expect(SAMPLES.every((s) => s.mode === 'run' || s.mode === 'typecheck')).toBe(true);
    expect(diagnostics.get('(tsc)') ?? [], 'tsc failed outside any sample').toEqual([]);
  });

  describe.each(PAGES.filter((p) => SAMPLES.some((s) => s.file === p)))('%s', (page) => {
    for (const s of SAMPLES.filter((x) => x.file === page)) {
      it(`line ${s.line} typechecks`, () => {
        const found = diagnostics.get(fileName(s)) ?? [];
        counts.typechecked++;
        if (s.mode === 'typecheck') counts.typecheckOnly++;
        expect(found, `${where(s)} does not typecheck against dist/:\n${found.join('\n')}`).toEqual([]);
      });

      if (s.mode === 'run') {
        it.concurrent(
          `line ${s.line} runs${s.expected ? ' and prints what the page shows' : ''}`,
          async () => {
            const r = await slot(() => runSample(s));
            counts.run++;
            const tail = `\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
            if (r.timedOut) expect.fail(`${where(s)} did not finish within ${RUN_TIMEOUT_MS / 1000} s${tail}`);
            if (r.code !== 0) expect.fail(`${where(s)} exited with code ${r.code}${tail}`);
            if (s.expected) {
              counts.compared++;
              const diff = compareOutput(s.expected.text, r.stdout);
              if (diff) expect.fail(`${where(s)} prints other than its "Prints:" block at ${s.file}:${s.expected.line}: ${diff}${tail}`);
            }
          },
          RUN_TIMEOUT_MS + 30_000,
        );
      }
    }
  });
});
