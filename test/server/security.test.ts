/**
 * The server safe by default (issue 15, docs/server.md#security): CORS by allow-list, the Host check against
 * DNS rebinding, the bearer token, no non-loopback bind without a token, and HTTPS. Requests are made the way an
 * attacker's page or a raw client would make them: `Host` and `Origin` set by hand, raw sockets for what no
 * HTTP client sends (HTTP/1.0 without Host, two Host headers).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, OperationOutcome, Patient } from 'fhir/r5';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OriginPolicy } from '../../src/server/cors.js';
import { canonicalHost, HostPolicy, isLoopbackHost } from '../../src/server/host.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/index.js';
import { BearerToken } from '../../src/server/token.js';

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: ServerOptions = {}): Promise<RunningServer> {
  const server = await startServer({ port: 0, warn: () => {}, ...options });
  servers.push(server);
  return server;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with exactly the headers given (`Host` included: Node adds one only when it is missing). */
function call(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return answerOf(httpRequest({ host: '127.0.0.1', port, method, path, headers: { Host: `127.0.0.1:${port}`, ...headers }, agent: false }), body);
}

/** Sends a request's body and reads its whole answer as text. */
function answerOf(req: ClientRequest, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Bytes written as they are on a new connection; answers the status line and the rest. */
function rawRequest(port: number, text: string): Promise<{ statusLine: string; response: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let response = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (response += d));
    socket.on('end', () => resolve({ statusLine: response.split('\r\n')[0] ?? '', response }));
    socket.on('error', reject);
    socket.write(text);
  });
}

const outcome = (a: Answer): OperationOutcome => JSON.parse(a.body) as OperationOutcome;
const patientBody = JSON.stringify({ resourceType: 'Patient', id: 'p1', name: [{ family: 'Before' }] });
const JSON_TYPE = { 'Content-Type': 'application/fhir+json' };

/** How many Patients the server holds, asked as a local client would (no Origin). */
async function patientCount(server: RunningServer, headers: Record<string, string> = {}): Promise<number> {
  const res = await call(server.port, 'GET', '/fhir/Patient?_summary=count', headers);
  expect(res.status).toBe(200);
  return (JSON.parse(res.body) as Bundle).total!;
}

describe('origins by allow-list', () => {
  it('allows loopback origins on any port, http or https, and nothing else by default', () => {
    const policy = new OriginPolicy();
    for (const o of ['http://127.0.0.1:5173', 'http://localhost', 'http://localhost:8080', 'https://[::1]:8443', 'https://localhost']) {
      expect(policy.allows(o), o).toBe(true);
    }
    for (const o of [
      'https://evil.example',
      'http://localhost.evil.example:8080',
      'http://127.0.0.1.nip.io:8080',
      'http://127.0.0.2:8080',
      'http://0.0.0.0:8080',
      'null',
      'http://LOCALHOST:8080', // a browser never sends upper case: not a match
      'file://',
      'http://localhost:8080/',
      'http://user@localhost:8080',
      '',
      undefined,
    ]) {
      expect(policy.allows(o), String(o)).toBe(false);
    }
  });

  it('adds configured origins: exact, any port, or every one', () => {
    const policy = new OriginPolicy(['HTTPS://App.Example:443/', 'http://lab.example:*', 'null']);
    expect(policy.allows('https://app.example')).toBe(true);
    expect(policy.allows('https://app.example:8443')).toBe(false);
    expect(policy.allows('http://app.example')).toBe(false);
    expect(policy.allows('http://lab.example')).toBe(true);
    expect(policy.allows('http://lab.example:9000')).toBe(true);
    expect(policy.allows('https://lab.example:9000')).toBe(false);
    expect(policy.allows('null')).toBe(true);
    expect(new OriginPolicy(['*']).allows('https://anything.example')).toBe(true);
    for (const bad of ['app.example', 'https://app.example/path', 'https://app.example?x', 'https://*.example', 'ftp//x']) {
      expect(() => new OriginPolicy([bad]), bad).toThrow(TypeError);
    }
  });

  it('gives an allowed origin CORS headers and Private Network Access', async () => {
    const server = await start({ corsOrigins: ['https://app.example'] });
    for (const origin of ['http://localhost:5173', 'https://app.example']) {
      const pre = await call(server.port, 'OPTIONS', '/fhir/Patient/p1', {
        Origin: origin,
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Private-Network': 'true',
      });
      expect(pre.status, origin).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe(origin);
      expect(pre.headers['access-control-allow-private-network']).toBe('true');
      const put = await call(server.port, 'PUT', '/fhir/Patient/p1', { Origin: origin, ...JSON_TYPE }, patientBody);
      expect(put.status).toBeLessThan(300);
      expect(put.headers['access-control-allow-origin']).toBe(origin);
    }
  });

  it('gives a refused origin no CORS header, answers its reads, and refuses anything else with 403, changing nothing', async () => {
    const server = await start();
    expect((await call(server.port, 'PUT', '/fhir/Patient/p1', JSON_TYPE, patientBody)).status).toBe(201);
    const evil = { Origin: 'https://evil.example' };

    const read = await call(server.port, 'GET', '/fhir/Patient/p1', evil);
    // Answered (no browser lets the page see it without CORS headers), and not one CORS header.
    expect(read.status).toBe(200);
    expect(Object.keys(read.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    expect(read.headers['vary']).toMatch(/Origin/);

    const pre = await call(server.port, 'OPTIONS', '/fhir/Patient/p1', { ...evil, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Private-Network': 'true' });
    expect(pre.status).toBe(403);
    expect(Object.keys(pre.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);

    // A "simple" POST (text/plain) or a no-cors one reaches a server before CORS has a say: refused here.
    const attempts = [
      await call(server.port, 'POST', '/fhir/Patient', { ...evil, 'Content-Type': 'text/plain' }, patientBody),
      await call(server.port, 'PUT', '/fhir/Patient/p1', { ...evil, ...JSON_TYPE }, patientBody.replace('Before', 'After')),
      await call(server.port, 'PATCH', '/fhir/Patient/p1', { ...evil, 'Content-Type': 'application/json-patch+json' }, '[{"op":"replace","path":"/active","value":true}]'),
      await call(server.port, 'DELETE', '/fhir/Patient/p1', evil),
      await call(server.port, 'POST', '/fhir', { ...evil, ...JSON_TYPE }, JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [] })),
    ];
    for (const a of attempts) {
      expect(a.status).toBe(403);
      expect(outcome(a).issue[0]?.code).toBe('forbidden');
      expect(a.headers['access-control-allow-origin']).toBeUndefined();
    }
    const now = JSON.parse((await call(server.port, 'GET', '/fhir/Patient/p1')).body) as Patient;
    expect(now.name?.[0]?.family).toBe('Before');
    expect(now.meta?.versionId).toBe('1');
    expect(now.active).toBeUndefined();
    expect(await patientCount(server)).toBe(1);
  });

  it("answers '*' to every origin when asked to, with a warning at start", async () => {
    const warnings: string[] = [];
    const server = await start({ corsOrigins: ['*'], warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringMatching(/every origin/)]);
    const res = await call(server.port, 'POST', '/fhir/Patient', { Origin: 'https://anything.example', ...JSON_TYPE }, patientBody);
    expect(res.status).toBe(201);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    // Without '*' there is no warning.
    const quiet: string[] = [];
    await start({ corsOrigins: ['https://app.example'], warn: (m) => quiet.push(m) });
    expect(quiet).toEqual([]);
  });

  it('refuses to start with an origin that is not one', async () => {
    await expect(startServer({ port: 0, corsOrigins: ['https://app.example/path'] })).rejects.toThrow(/Not an origin: 'https:\/\/app.example\/path'/);
  });
});

describe('Host check (DNS rebinding)', () => {
  it('reads every spelling of a name once', () => {
    const cases: [string, string | undefined][] = [
      ['LocalHost.:8080', 'localhost'],
      ['127.1', '127.0.0.1'],
      ['0x7f.0.0.1:1', '127.0.0.1'],
      ['0177.0.0.1', '127.0.0.1'],
      ['2130706433', '127.0.0.1'],
      ['[0:0:0:0:0:0:0:1]:80', '[::1]'],
      ['[::ffff:127.0.0.1]', '[::ffff:7f00:1]'],
      ['user@localhost', undefined],
      ['localhost/x', undefined],
      ['localhost:80:80', undefined],
      ['local host', undefined],
      ['', undefined],
    ];
    for (const [value, canonical] of cases) expect(canonicalHost(value), value).toBe(canonical);
  });

  it('serves the loopback names and its own, with any port, and nothing else', () => {
    const policy = new HostPolicy('127.0.0.1', ['gw.lan']);
    for (const h of ['127.0.0.1:1', 'localhost:8080', 'LOCALHOST.', '[::1]:9', '127.1:5', 'gw.lan', 'GW.LAN.:443']) expect(policy.allows(h), h).toBe(true);
    for (const h of ['attacker.example:8080', 'localhost.attacker.example', '127.0.0.1.nip.io', '0.0.0.0:8080', '127.0.0.2', '[::ffff:127.0.0.1]', 'gw.lan.evil', 'user@127.0.0.1']) {
      expect(policy.allows(h), h).toBe(false);
    }
    expect(new HostPolicy('myhost.lan').allows('MyHost.lan:8080')).toBe(true);
    expect(new HostPolicy('fd00::2').allows('[fd00:0::2]:8080')).toBe(true);
    expect(() => new HostPolicy('127.0.0.1', ['bad/name'])).toThrow(TypeError);
  });

  it('answers 421 to a request naming another host, before touching the store', async () => {
    const server = await start();
    const p = server.port;
    for (const host of [`127.0.0.1:${p}`, `localhost:${p}`, `[::1]:${p}`, `LOCALHOST.:${p}`, `127.1:${p}`, '127.0.0.1']) {
      const res = await call(p, 'GET', '/fhir/metadata', { Host: host });
      expect(res.status, host).toBe(200);
    }
    for (const host of [`attacker.example:${p}`, `localhost.attacker.example:${p}`, `127.0.0.1.nip.io:${p}`, `0.0.0.0:${p}`, `[::ffff:127.0.0.1]:${p}`, `user@localhost:${p}`]) {
      // An allowed Origin makes no difference: a rebinding page is same-origin, so the Host is all there is.
      const res = await call(p, 'POST', '/fhir/Patient', { Host: host, Origin: `http://localhost:${p}`, ...JSON_TYPE }, patientBody);
      expect(res.status, host).toBe(421);
      expect(outcome(res).issue[0]?.code).toBe('security');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    // The authority of an absolute-form target stands in for Host (RFC 9112 §3.2.2).
    expect((await call(p, 'GET', `http://attacker.example:${p}/fhir/metadata`)).status).toBe(421);
    expect((await call(p, 'GET', `http://localhost:${p}/fhir/metadata`)).status).toBe(200);
    expect(await patientCount(server)).toBe(0);
  });

  it('serves HTTP/1.0 without Host (no browser sends that), and refuses two Host headers', async () => {
    const server = await start();
    const old = await rawRequest(server.port, 'GET /fhir/metadata HTTP/1.0\r\n\r\n');
    expect(old.statusLine).toMatch(/^HTTP\/1\.1 200 /);
    const two = await rawRequest(server.port, `GET /fhir/metadata HTTP/1.1\r\nHost: localhost:${server.port}\r\nHost: attacker.example\r\nConnection: close\r\n\r\n`);
    expect(two.statusLine).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('serves a configured --host and allowedHosts', async () => {
    const server = await start({ host: 'localhost', allowedHosts: ['fhir.test'] });
    expect(server.url).toBe(`http://localhost:${server.port}/fhir`);
    expect((await call(server.port, 'GET', '/fhir/metadata', { Host: `fhir.test:${server.port}` })).status).toBe(200);
    expect((await call(server.port, 'GET', '/fhir/metadata', { Host: `other.test:${server.port}` })).status).toBe(421);
  });
});

describe('bearer token', () => {
  const TOKEN = 'Zm9vYmFy-s3cret_token.~+/==';

  it('compares a request credential with the token', () => {
    const token = new BearerToken(TOKEN);
    expect(token.check(`Bearer ${TOKEN}`)).toBe('ok');
    expect(token.check(`bearer   ${TOKEN}`)).toBe('ok');
    expect(token.check(undefined)).toBe('missing');
    expect(token.check(`Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`)).toBe('missing');
    expect(token.check('Bearer')).toBe('missing');
    for (const wrong of [TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase(), 'x']) expect(token.check(`Bearer ${wrong}`), wrong).toBe('invalid');
    expect(`${String(token)} ${JSON.stringify({ token })}`).not.toContain('s3cret');
    for (const bad of ['', 'has space', 'ünïcode', 'a\nb']) expect(() => new BearerToken(bad), bad).toThrow(TypeError);
  });

  it('needs the token on every request but a preflight, answering 401 with a challenge and changing nothing', async () => {
    const lines: string[] = [];
    const server = await start({ token: TOKEN, log: (l) => lines.push(l) });
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const origin = { Origin: 'http://localhost:5173' };

    const none = await call(server.port, 'GET', '/fhir/metadata', origin);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="fhir-offline-store"');
    expect(outcome(none).issue[0]?.code).toBe('login');
    // An allowed page can read the 401 and its challenge.
    expect(none.headers['access-control-allow-origin']).toBe(origin.Origin);
    expect(none.headers['access-control-expose-headers']).toMatch(/WWW-Authenticate/);

    const wrong = await call(server.port, 'POST', '/fhir/Patient', { Authorization: `Bearer ${TOKEN}x`, ...JSON_TYPE }, patientBody);
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="fhir-offline-store", error="invalid_token"');
    for (const path of ['/fhir/Patient/p1', '/elsewhere']) expect((await call(server.port, 'GET', path)).status, path).toBe(401);

    // Browsers never send credentials on a preflight: it must pass without them.
    const pre = await call(server.port, 'OPTIONS', '/fhir/Patient', { ...origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-headers']).toMatch(/Authorization/);

    expect(await patientCount(server, auth)).toBe(0);
    expect((await call(server.port, 'POST', '/fhir/Patient', { ...auth, ...JSON_TYPE }, patientBody)).status).toBe(201);
    expect(await patientCount(server, auth)).toBe(1);
    expect(lines.some((l) => / 401 /.test(l))).toBe(true);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('refuses a token that is not one, without repeating it', async () => {
    const err = await startServer({ port: 0, token: 'my secret' }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).not.toContain('my secret');
  });
});

describe('listening beyond loopback', () => {
  it('tells loopback addresses from others', () => {
    for (const h of ['127.0.0.1', '127.8.9.10', '::1', 'localhost', 'LOCALHOST', '[::1]']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.5', 'fd00::2', 'example.com', 'localhost.example.com', '']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('refuses to listen on every interface without a token', async () => {
    await expect(startServer({ port: 0, host: '0.0.0.0' })).rejects.toThrow(/Refusing to listen on '0\.0\.0\.0' without a token/);
  });

  it("with a token, listens on every interface, warns about plain HTTP, and answers to the machine's addresses", async () => {
    const warnings: string[] = [];
    const server = await start({ host: '0.0.0.0', token: 'lan-token', warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringMatching(/plain HTTP/)]);
    const auth = { Authorization: 'Bearer lan-token' };
    expect((await call(server.port, 'GET', '/fhir/metadata', { ...auth, Host: `127.0.0.1:${server.port}` })).status).toBe(200);
    const lan = Object.values(networkInterfaces())
      .flat()
      .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal);
    if (lan !== undefined) {
      expect((await call(server.port, 'GET', '/fhir/metadata', { ...auth, Host: `${lan.address}:${server.port}` })).status).toBe(200);
    }
    // 0.0.0.0 is not a name of this machine ("0.0.0.0 day": public pages reaching local servers through it).
    expect((await call(server.port, 'GET', '/fhir/metadata', { ...auth, Host: `0.0.0.0:${server.port}` })).status).toBe(421);
    expect((await call(server.port, 'GET', '/fhir/metadata', { ...auth, Host: `attacker.example:${server.port}` })).status).toBe(421);
  });
});

describe('HTTPS', () => {
  let dir: string;
  let cert: string;
  let key: string;
  beforeAll(() => {
    // A self-signed certificate made for this run (openssl is part of the test machine, like chromium).
    dir = mkdtempSync(join(tmpdir(), 'fhir-tls-test-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    key = readFileSync(join(dir, 'key.pem'), 'utf8');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function tlsCall(url: string, method: string, options: { ca?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
    return answerOf(httpsRequest(url, { method, headers: options.headers ?? {}, ...(options.ca !== undefined ? { ca: options.ca } : {}), agent: false }), options.body);
  }

  it('serves FHIR over TLS with a token: a round trip, and a client that does not trust the certificate gets nothing', async () => {
    const server = await start({ tls: { cert, key }, token: 'tls-token', corsOrigins: [] });
    expect(server.url).toBe(`https://127.0.0.1:${server.port}/fhir`);
    const headers = { Authorization: 'Bearer tls-token', ...JSON_TYPE };
    const created = await tlsCall(`${server.url}/Patient/p1`, 'PUT', { ca: cert, headers, body: patientBody });
    expect(created.status).toBe(201);
    expect(created.headers['location']).toBe(`${server.url}/Patient/p1/_history/1`);
    const read = await tlsCall(`${server.url}/Patient/p1`, 'GET', { ca: cert, headers });
    expect((JSON.parse(read.body) as Patient).name?.[0]?.family).toBe('Before');
    expect((await tlsCall(`${server.url}/Patient/p1`, 'GET', { ca: cert })).status).toBe(401);
    await expect(tlsCall(`${server.url}/metadata`, 'GET', { headers })).rejects.toThrow(/self[- ]signed/i);
    // Plain HTTP on the TLS port gets no FHIR answer.
    const plain = await call(server.port, 'GET', '/fhir/metadata', { Authorization: 'Bearer tls-token' }).catch((e: unknown) => e as Error);
    expect(plain instanceof Error ? 'error' : plain.status).not.toBe(200);
  });
});
