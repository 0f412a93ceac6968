#!/usr/bin/env node
/**
 * Builds, starts and stops the HAPI FHIR JPA R5 test server in `fhir-test-server/` (a Spring Boot
 * jar on in-memory H2), so the sync tests can run against a real, independent FHIR server.
 *
 * CLI:
 *   node scripts/hapi-server.mjs build   build the jar unless it is newer than every source file
 *   node scripts/hapi-server.mjs start   build if needed, start on a free 127.0.0.1 port, wait until
 *                                        /fhir/metadata answers, print the base URL as the last line
 *   node scripts/hapi-server.mjs stop    stop the server recorded in target/server.json
 *   node scripts/hapi-server.mjs url     print the running server's base URL, or exit 1
 *
 * As a module: `buildHapi()`, `startHapi()` (resolves to `{ url, stop }`), `stopHapi()`, `hasJdk()`.
 *
 * Only Node built-ins are used, so it runs before (or without) `npm ci`. Progress goes to stderr and
 * only the URL to stdout, so `URL=$(node scripts/hapi-server.mjs start)` works in shell scripts.
 *
 * Environment: `JAVA_HOME` (else `java` on PATH), `HAPI_JAVA_OPTS` (extra JVM options, appended),
 * `HAPI_START_TIMEOUT_MS` (default 300000).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVER_DIR = path.join(ROOT, 'fhir-test-server');
const TARGET = path.join(SERVER_DIR, 'target');
const JAR = path.join(TARGET, 'fhir-test-server.jar');
const STATE_FILE = path.join(TARGET, 'server.json');
const LOG_FILE = path.join(TARGET, 'server.log');

const DEFAULT_START_TIMEOUT_MS = 5 * 60_000;
const POLL_INTERVAL_MS = 1_000;

/**
 * JVM options. UTC so that dates HAPI renders or parses without an offset mean the same thing on
 * every machine; a heap cap because CI machines are shared (HAPI holds the ~7,000 R5 core
 * conformance resources in memory: about 650 MB live after startup); C1-only JIT because on 2
 * cores the C2 compiler threads compete with startup itself, and a test server never runs long
 * enough for C2 to pay off.
 */
const JVM_OPTS = ['-Duser.timezone=UTC', '-Xmx2g', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

const javaBin = () => (process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java');

/** Progress and diagnostics go to stderr: stdout is reserved for the URL. */
const log = (msg) => process.stderr.write(`[hapi-server] ${msg}\n`);

/** True when both `java` and `mvn` can be run (the server cannot be built or started otherwise). */
export async function hasJdk() {
  const runs = (cmd, args) => {
    const r = spawnSync(cmd, args, { stdio: 'ignore' });
    return !r.error && r.status === 0;
  };
  return runs(javaBin(), ['-version']) && runs('mvn', ['-v']);
}

/** Newest modification time among the files the jar is built from. */
function newestSourceMtime() {
  let newest = fs.statSync(path.join(SERVER_DIR, 'pom.xml')).mtimeMs;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  walk(path.join(SERVER_DIR, 'src'));
  return newest;
}

function jarIsFresh() {
  return fs.existsSync(JAR) && fs.statSync(JAR).mtimeMs >= newestSourceMtime();
}

/**
 * Builds the executable jar with Maven unless it is already newer than pom.xml and src/.
 * Maven's output is sent to stderr so it never mixes with the URL on stdout.
 * @returns {Promise<{ built: boolean }>}
 */
export async function buildHapi() {
  if (jarIsFresh()) {
    log(`jar is up to date: ${path.relative(ROOT, JAR)}`);
    return { built: false };
  }
  log('building fhir-test-server with Maven (the first build downloads ~330 MB of dependencies)...');
  const started = Date.now();
  const code = await new Promise((resolve, reject) => {
    const mvn = spawn('mvn', ['-B', '-q', '-Dstyle.color=never', '-DskipTests', 'package'], {
      cwd: SERVER_DIR,
      stdio: ['ignore', process.stderr, process.stderr],
    });
    mvn.on('error', reject);
    mvn.on('exit', resolve);
  });
  if (code !== 0 || !fs.existsSync(JAR)) throw new Error(`mvn package failed (exit code ${code})`);
  // Maven may leave an unchanged jar untouched (e.g. after a file was saved without changes);
  // stamp it so the freshness check above does not rebuild on every start.
  const now = new Date();
  fs.utimesSync(JAR, now, now);
  log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { built: true };
}

/** A port the OS reports free on 127.0.0.1 right now (another process could still take it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

async function metadataOk(url) {
  try {
    const res = await fetch(`${url}/metadata`, {
      headers: { accept: 'application/fhir+json' },
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

function readState() {
  try {
    return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8'));
  } catch {
    return null;
  }
}

function logTail(lines = 80) {
  try {
    return fs.readFileSync(LOG_FILE, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The base URL of a server recorded in server.json that is alive and answering, else null. */
async function runningUrl() {
  const state = readState();
  if (!state || !isAlive(state.pid)) return null;
  return (await metadataOk(state.url)) ? state.url : null;
}

/**
 * Starts the server (building it first if needed) and resolves once `GET /fhir/metadata` answers
 * 200. A server already recorded in server.json and answering is reused rather than started twice.
 * The JVM is detached, so it outlives this process: call `stop()` (or `stopHapi()`) when done.
 * @param {{ timeoutMs?: number }} [options]
 * @returns {Promise<{ url: string, port: number, pid: number, stop: () => Promise<void> }>}
 */
export async function startHapi({ timeoutMs = Number(process.env.HAPI_START_TIMEOUT_MS) || DEFAULT_START_TIMEOUT_MS } = {}) {
  const existing = await runningUrl();
  if (existing) {
    const { pid, port } = readState();
    log(`already running: ${existing} (pid ${pid})`);
    return { url: existing, port, pid, stop: stopHapi };
  }
  fs.rmSync(STATE_FILE, { force: true });

  await buildHapi();

  const port = await freePort();
  const url = `http://127.0.0.1:${port}/fhir`;
  const extra = (process.env.HAPI_JAVA_OPTS ?? '').split(/\s+/).filter(Boolean);
  const args = [...JVM_OPTS, ...extra, '-jar', JAR, `--server.port=${port}`, '--server.address=127.0.0.1'];
  const out = fs.openSync(LOG_FILE, 'w');
  const child = spawn(javaBin(), args, { cwd: TARGET, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const spawnError = new Promise((_, reject) => child.on('error', reject));
  child.unref();
  log(`starting ${path.relative(ROOT, JAR)} on port ${port} (pid ${child.pid}), log: ${path.relative(ROOT, LOG_FILE)}`);

  const started = Date.now();
  const fail = (why) => {
    if (exited === null && isAlive(child.pid)) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {}
    }
    throw new Error(`HAPI server ${why}\n--- last lines of ${LOG_FILE} ---\n${logTail()}`);
  };
  for (;;) {
    await Promise.race([spawnError, new Promise((r) => setTimeout(r, POLL_INTERVAL_MS))]);
    if (exited !== null) fail(`exited during startup (code ${exited.code}, signal ${exited.signal})`);
    if (await metadataOk(url)) break;
    if (Date.now() - started > timeoutMs) fail(`did not answer ${url}/metadata within ${timeoutMs / 1000} s`);
  }
  const state = { pid: child.pid, url, port };
  fs.writeFileSync(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${url}`);
  return { ...state, stop: stopHapi };
}

/**
 * Stops the server recorded in server.json (SIGTERM, then SIGKILL after 30 s) and removes the file.
 * Does nothing when no server is recorded.
 */
export async function stopHapi() {
  const state = readState();
  if (!state) {
    log('no server recorded');
    return;
  }
  if (isAlive(state.pid)) {
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (isAlive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    if (isAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
    log(`stopped pid ${state.pid}`);
  } else {
    log(`pid ${state.pid} was not running`);
  }
  fs.rmSync(STATE_FILE, { force: true });
}

async function main(cmd) {
  switch (cmd) {
    case 'build':
      await buildHapi();
      return 0;
    case 'start': {
      const { url } = await startHapi();
      process.stdout.write(`${url}\n`);
      return 0;
    }
    case 'stop':
      await stopHapi();
      return 0;
    case 'url': {
      const url = await runningUrl();
      if (!url) {
        log('not running');
        return 1;
      }
      process.stdout.write(`${url}\n`);
      return 0;
    }
    default:
      log('usage: node scripts/hapi-server.mjs build|start|stop|url');
      return 2;
  }
}

const invokedDirectly = process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href;
if (invokedDirectly) {
  main(process.argv[2]).then(
    (code) => process.exit(code),
    (err) => {
      log(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
