/**
 * The built workstation app: `vite build` of demo/web/ into `<dataDir>/app/`, with the service worker (sw.ts)
 * emitted as `/sw.js` holding the list of every built file to precache. A service worker can keep an app that
 * is a fixed set of files, which a build is and Vite's dev server (modules served one by one, transformed on
 * request, with `?v=` hashes that change when it re-optimises) is not. Built again only when what goes into it
 * changed (a hash of the app's sources, the library's src/ and package-lock.json, kept beside the build).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { build, type InlineConfig, type Plugin } from 'vite';

const HERE = fileURLToPath(new URL('./', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** What the build reads: a change in any of them builds again. */
const INPUTS = [join(HERE, 'src'), join(HERE, 'index.html'), join(HERE, 'sw.ts'), join(HERE, 'vite-config.ts'), join(HERE, 'app-build.ts'), join(REPO, 'src'), join(REPO, 'package-lock.json')];

function files(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => files(join(path, name)));
}

/** A hash of every input file's path and bytes. */
export function appInputsHash(): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap(files)) hash.update(file.slice(REPO.length)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** Emits `sw.js`: the service worker, types stripped, after the list of the build's files and the build's hash. */
function serviceWorker(buildHash: string): Plugin {
  return {
    name: 'fhir-offline-store-demo-service-worker',
    enforce: 'post',
    async generateBundle(_options, bundle) {
      const precache = ['/index.html', ...Object.keys(bundle).filter((f) => f !== 'index.html').map((f) => `/${f}`)];
      const source = await transform(readFileSync(join(HERE, 'sw.ts'), 'utf8'), { loader: 'ts', format: 'esm', target: 'es2022' });
      this.emitFile({
        type: 'asset',
        fileName: 'sw.js',
        source: `const PRECACHE = ${JSON.stringify(precache)};\nconst BUILD = ${JSON.stringify(buildHash)};\n${source.code}`,
      });
    },
  };
}

/**
 * Builds the app into `outDir` unless the build there was made from the same inputs. Writes into a temporary
 * folder first, so a build that fails (or a second one at the same time) never leaves half an app.
 */
export async function buildApp(config: InlineConfig, outDir: string, log: (line: string) => void = () => {}): Promise<{ built: boolean; hash: string }> {
  const hash = appInputsHash();
  const stamp = join(outDir, 'BUILT');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) return { built: false, hash };
  const started = Date.now();
  const tmp = `${outDir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  // Vite makes a production build (import.meta.env.PROD, which registers the service worker) only when NODE_ENV
  // is unset or `production`; the test runner sets it to `test`.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  await build({
    ...config,
    mode: 'production',
    // The codecs' Emscripten glue names `fs` and `path` for Node, and the Cornerstone chunk is large: both are
    // expected, and not worth a screen of warnings at every first start.
    logLevel: 'error',
    plugins: [...(config.plugins ?? []), serviceWorker(hash)],
    build: { outDir: tmp, emptyOutDir: true, chunkSizeWarningLimit: 8192, reportCompressedSize: false },
  }).finally(() => {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  });
  writeFileSync(join(tmp, 'BUILT'), `${hash}\n`);
  rmSync(outDir, { recursive: true, force: true });
  renameSync(tmp, outDir);
  log(`Built the workstation app into ${outDir} (${Date.now() - started} ms)`);
  return { built: true, hash };
}
