import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import type { CapabilityStatement, Patient } from 'fhir/r5';
import { expect, it } from 'vitest';
import { CLI, cliHarness } from './cli-harness.js';

const { scratch, run } = cliHarness('fhir-cli-test-');

async function waitFor<T>(get: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('is an executable node script', () => {
  expect(readFileSync(CLI, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
});

it('serves FHIR on a free port with --data loaded, and exits 0 on SIGTERM', async () => {
  const data = join(scratch(), 'patients.ndjson');
  writeFileSync(data, `${JSON.stringify({ resourceType: 'Patient', id: 'cli', name: [{ family: 'Cli' }] })}\n`);
  const proc = run(['serve', '--port', '0', '--data', data]);
  const url = await waitFor(() => /FHIR R5 server listening at (http:\/\/127\.0\.0\.1:\d+\/fhir)\n/.exec(proc.stdout())?.[1], `the listening line (stderr: ${proc.stderr()})`);
  expect(proc.stdout()).toContain(`Loaded 1 resources from ${data}`);
  const meta = await fetch(`${url}/metadata`, { signal: AbortSignal.timeout(10_000) });
  expect(meta.status).toBe(200);
  expect(((await meta.json()) as CapabilityStatement).resourceType).toBe('CapabilityStatement');
  const patient = (await (await fetch(`${url}/Patient/cli`)).json()) as Patient;
  expect(patient.name?.[0]?.family).toBe('Cli');
  proc.child.kill('SIGTERM');
  expect(await proc.exit).toBe(0);
});

it('prints the usage: exit 0 for --help, 2 for an unknown command', async () => {
  const help = run(['--help']);
  expect(await help.exit).toBe(0);
  expect(help.stdout()).toMatch(/Usage: fhir-offline-store serve/);
  const bogus = run(['bogus']);
  expect(await bogus.exit).toBe(2);
  expect(bogus.stderr()).toMatch(/Unknown command 'bogus'[\s\S]*Usage:/);
});

it('exits 1 when it cannot start', async () => {
  const proc = run(['serve', '--port', '0', '--data', join(scratch(), 'missing.ndjson')]);
  expect(await proc.exit).toBe(1);
  expect(proc.stderr()).toMatch(/ENOENT/);
});

it('prints the version of the package it was built from: exit 0 for --version and -v', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const flag of ['--version', '-v']) {
    const proc = run([flag]);
    expect(await proc.exit).toBe(0);
    expect(proc.stdout()).toBe(`${version}\n`);
  }
});

it('refuses to listen beyond loopback without a token: exit 1 and why', async () => {
  const proc = run(['serve', '--port', '0', '--host', '0.0.0.0']);
  expect(await proc.exit).toBe(1);
  expect(proc.stderr()).toMatch(/Refusing to listen on '0\.0\.0\.0' without a token/);
  expect(proc.stdout()).toBe('');
});

it('takes the token from FHIR_OFFLINE_STORE_TOKEN, needs it on every request, and never prints it', async () => {
  const token = 'cli-env-token-4f9a';
  const proc = run(['serve', '--port', '0', '--log', '--cors-origin', '*'], { FHIR_OFFLINE_STORE_TOKEN: token });
  const url = await waitFor(() => /FHIR R5 server listening at (http:\/\/127\.0\.0\.1:\d+\/fhir)\n/.exec(proc.stdout())?.[1], `the listening line (stderr: ${proc.stderr()})`);
  expect(proc.stdout()).toContain('Every request needs Authorization: Bearer <token>');
  expect(proc.stderr()).toMatch(/warning: CORS is open to every origin/);
  const refused = await fetch(`${url}/metadata`, { signal: AbortSignal.timeout(10_000) });
  expect(refused.status).toBe(401);
  expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer /);
  await refused.arrayBuffer();
  const ok = await fetch(`${url}/metadata`, { headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  expect(ok.status).toBe(200);
  await ok.arrayBuffer();
  proc.child.kill('SIGTERM');
  expect(await proc.exit).toBe(0);
  expect(proc.stderr()).toMatch(/GET \/fhir\/metadata 401/);
  expect(`${proc.stdout()}${proc.stderr()}`).not.toContain(token);
});

it('exits 2 on an empty token or half a TLS pair, and 1 on a TLS file it cannot read', async () => {
  const empty = run(['serve', '--port', '0'], { FHIR_OFFLINE_STORE_TOKEN: '' });
  expect(await empty.exit).toBe(2);
  expect(empty.stderr()).toMatch(/FHIR_OFFLINE_STORE_TOKEN is empty/);
  const half = run(['serve', '--port', '0', '--tls-cert', join(scratch(), 'cert.pem')]);
  expect(await half.exit).toBe(2);
  const missing = run(['serve', '--port', '0', '--tls-cert', join(scratch(), 'cert.pem'), '--tls-key', join(scratch(), 'key.pem')]);
  expect(await missing.exit).toBe(1);
  expect(missing.stderr()).toMatch(/ENOENT/);
});

it('serves HTTPS with --tls-cert and --tls-key (a self-signed certificate made for this run)', async () => {
  const [cert, key] = [join(scratch(), 'tls-cert.pem'), join(scratch(), 'tls-key.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const proc = run(['serve', '--port', '0', '--tls-cert', cert, '--tls-key', key]);
  const url = await waitFor(() => /FHIR R5 server listening at (https:\/\/127\.0\.0\.1:\d+\/fhir)\n/.exec(proc.stdout())?.[1], `the listening line (stderr: ${proc.stderr()})`);
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpsRequest(`${url}/metadata`, { ca: readFileSync(cert), agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
  expect(status).toBe(200);
  proc.child.kill('SIGTERM');
  expect(await proc.exit).toBe(0);
});
