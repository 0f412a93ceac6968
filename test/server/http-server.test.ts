import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, CapabilityStatement, OperationOutcome, Patient } from 'fhir/r5';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/index.js';
import type { Store } from '../../src/index.js';

const JSON_HEADERS = { 'Content-Type': 'application/fhir+json' };
const servers: RunningServer[] = [];
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fhir-server-test-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: ServerOptions = {}): Promise<RunningServer> {
  const server = await startServer({ port: 0, ...options });
  servers.push(server);
  return server;
}

const patient = (family: string, id?: string): Patient => ({ resourceType: 'Patient', ...(id ? { id } : {}), name: [{ family }] });

async function create(server: RunningServer, resource: Patient): Promise<Response> {
  return fetch(`${server.url}/${resource.resourceType}`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(resource) });
}

describe('FHIR REST over HTTP', () => {
  it('answers metadata with a CapabilityStatement as application/fhir+json', async () => {
    const server = await start();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/fhir`);
    const res = await fetch(`${server.url}/metadata`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    expect(((await res.json()) as CapabilityStatement).resourceType).toBe('CapabilityStatement');
  });

  it('creates, reads, updates and deletes with ETag, Location and Last-Modified passed through', async () => {
    const server = await start();
    const created = await create(server, patient('Doe'));
    expect(created.status).toBe(201);
    const body = (await created.json()) as Patient;
    const id = body.id!;
    expect(created.headers.get('etag')).toBe('W/"1"');
    // The store's relative Location, made absolute on the base (a relative one would resolve against /fhir/Patient).
    expect(created.headers.get('location')).toBe(`${server.url}/Patient/${id}/_history/1`);
    expect(new Date(created.headers.get('last-modified')!).getTime()).toBe(Math.floor(Date.parse(body.meta!.lastUpdated!) / 1000) * 1000);

    const read = await fetch(`${server.url}/Patient/${id}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('W/"1"');
    expect(read.headers.get('last-modified')).toBe(created.headers.get('last-modified'));
    expect(((await read.json()) as Patient).name?.[0]?.family).toBe('Doe');

    const updated = await fetch(`${server.url}/Patient/${id}`, {
      method: 'PUT',
      headers: { ...JSON_HEADERS, 'If-Match': 'W/"1"' },
      body: JSON.stringify(patient('Roe', id)),
    });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('W/"2"');

    const stale = await fetch(`${server.url}/Patient/${id}`, {
      method: 'PUT',
      headers: { ...JSON_HEADERS, 'If-Match': 'W/"1"' },
      body: JSON.stringify(patient('Stale', id)),
    });
    expect(stale.status).toBe(412);
    expect(((await stale.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');

    const deleted = await fetch(`${server.url}/Patient/${id}`, { method: 'DELETE' });
    expect(deleted.status).toBeLessThan(300);
    await deleted.arrayBuffer();
    expect((await fetch(`${server.url}/Patient/${id}`)).status).toBe(410);
  });

  it('answers exactly what store.handle answers, status, headers and body', async () => {
    const server = await start();
    await create(server, patient('Doe', undefined));
    const direct = await server.store.handle({ method: 'GET', url: 'Patient?family=Doe' });
    const res = await fetch(`${server.url}/Patient?family=Doe`);
    expect(res.status).toBe(direct.status);
    const body = (await res.json()) as Bundle;
    const expected = direct.body as Bundle;
    // Only the Bundle's own id and time differ between two searches (and links are absolute over HTTP).
    expect({ ...body, id: '', meta: {}, link: [] }).toEqual({ ...expected, id: '', meta: {}, link: [] });
    expect(body.link?.map((l) => l.url)).toEqual(expected.link?.map((l) => `${server.url}/${l.url}`));
  });

  it('passes a malformed JSON body to the store, which answers 400', async () => {
    const server = await start();
    const res = await fetch(`${server.url}/Patient`, { method: 'POST', headers: JSON_HEADERS, body: '{"resourceType": "Patient",' });
    expect(res.status).toBe(400);
    const oo = (await res.json()) as OperationOutcome;
    expect(oo.issue[0]?.diagnostics).toMatch(/not valid JSON/);
  });

  it('answers HEAD without a body', async () => {
    const server = await start();
    const res = await fetch(`${server.url}/metadata`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('answers 404 with an OperationOutcome outside the base path', async () => {
    const server = await start();
    for (const path of ['/', '/other/Patient', '/fhirx/metadata']) {
      const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as OperationOutcome).issue[0]?.code).toBe('not-found');
    }
  });

  it('serves another base path', async () => {
    const server = await start({ basePath: '/r5/' });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/r5`);
    expect((await fetch(`${server.url}/metadata`)).status).toBe(200);
    const other = await fetch(`http://127.0.0.1:${server.port}/fhir/metadata`);
    expect(other.status).toBe(404);
    await other.arrayBuffer();
  });

  it('keeps several servers in one process apart', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const id = ((await (await create(a, patient('OnlyInA'))).json()) as Patient).id!;
    expect((await fetch(`${a.url}/Patient/${id}`)).status).toBe(200);
    expect((await fetch(`${b.url}/Patient/${id}`)).status).toBe(404);
  });
});

describe('request size limit', () => {
  it('answers 413 to a body over the limit', async () => {
    const server = await start({ maxBodyBytes: 1024 });
    const res = await create(server, patient('x'.repeat(5000)));
    expect(res.status).toBe(413);
    expect(((await res.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');
    // A body within the limit still works.
    expect((await create(server, patient('Doe'))).status).toBe(201);
  });

  it('answers 413 before a chunked body is complete', async () => {
    const server = await start({ maxBodyBytes: 1024 });
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${server.url}/Patient`, { method: 'POST', headers: { ...JSON_HEADERS, 'Transfer-Encoding': 'chunked' } });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write('x'.repeat(4096)); // never ended: the answer cannot wait for the end of the body
    });
    expect(status).toBe(413);
  });
});

describe('CORS', () => {
  const origin = 'http://localhost:5173';

  it('answers a preflight with the methods and headers a FHIR client needs', async () => {
    const server = await start();
    const res = await fetch(`${server.url}/Patient/1`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type, if-match, prefer' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
    const allowed = res.headers.get('access-control-allow-headers')!.split(/,\s*/);
    for (const h of ['Content-Type', 'If-Match', 'If-None-Exist', 'Prefer', 'Authorization']) expect(allowed).toContain(h);
    expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
  });

  it('echoes the Origin and exposes ETag, Location and Last-Modified on every response', async () => {
    const server = await start();
    const res = await fetch(`${server.url}/Patient`, { method: 'POST', headers: { ...JSON_HEADERS, Origin: origin }, body: JSON.stringify(patient('Doe')) });
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    expect(res.headers.get('vary')).toMatch(/Origin/);
    const exposed = res.headers.get('access-control-expose-headers')!.split(/,\s*/);
    for (const h of ['ETag', 'Location', 'Last-Modified']) expect(exposed).toContain(h);
    const failed = await fetch(`${server.url}/Patient/nope`, { headers: { Origin: origin } });
    expect(failed.status).toBe(404);
    expect(failed.headers.get('access-control-allow-origin')).toBe(origin);
    // No Origin, no CORS request: no CORS headers either.
    const noOrigin = await fetch(`${server.url}/metadata`);
    expect(noOrigin.headers.get('access-control-allow-origin')).toBeNull();
    expect(noOrigin.headers.get('vary')).toMatch(/Origin/);
  });
});

describe('history and search Bundles', () => {
  const lastModifieds = (b: Bundle): number[] => (b.entry ?? []).map((e) => Date.parse(e.response!.lastModified!));

  it('stamps history Bundles no older than any version they hold, and never older than the last one', async () => {
    const server = await start();
    const ids: string[] = [];
    for (const family of ['A', 'B', 'C']) ids.push(((await (await create(server, patient(family))).json()) as Patient).id!);
    await fetch(`${server.url}/Patient/${ids[0]}`, { method: 'PUT', headers: JSON_HEADERS, body: JSON.stringify(patient('A2', ids[0])) });
    let previous = -Infinity;
    for (const path of ['_history', 'Patient/_history', `Patient/${ids[0]}/_history`]) {
      const bundle = (await (await fetch(`${server.url}/${path}`)).json()) as Bundle;
      const stamp = Date.parse(bundle.meta!.lastUpdated!);
      expect(bundle.entry?.length, path).toBeGreaterThan(0);
      for (const t of lastModifieds(bundle)) expect(stamp, path).toBeGreaterThanOrEqual(t);
      expect(stamp).toBeGreaterThan(previous);
      previous = stamp;
    }
  });

  it('keeps time moving forward when the system clock goes back', async () => {
    let t = Date.parse('2030-01-01T00:00:00Z');
    const server = await start({ clock: () => new Date((t -= 60_000)) }); // a minute back on every call
    for (const family of ['A', 'B', 'C']) expect((await create(server, patient(family))).status).toBe(201);
    const first = (await (await fetch(`${server.url}/Patient/_history`)).json()) as Bundle;
    const times = lastModifieds(first);
    expect(times).toHaveLength(3);
    expect([...times].sort((a, b) => b - a)).toEqual(times); // newest first, all distinct
    expect(new Set(times).size).toBe(3);
    expect(Date.parse(first.meta!.lastUpdated!)).toBeGreaterThan(Math.max(...times));
    await create(server, patient('D'));
    const second = (await (await fetch(`${server.url}/Patient/_history?_since=${encodeURIComponent(first.meta!.lastUpdated!)}`)).json()) as Bundle;
    expect(second.entry).toHaveLength(1); // what was written after the first Bundle is newer than its stamp
    expect(Date.parse(second.meta!.lastUpdated!)).toBeGreaterThan(Date.parse(first.meta!.lastUpdated!));
  });

  it('gives absolute paging links that work over HTTP', async () => {
    const server = await start();
    for (const family of ['A', 'B', 'C']) await create(server, patient(family));
    const page1 = (await (await fetch(`${server.url}/Patient/_history?_count=2`)).json()) as Bundle;
    const next = page1.link?.find((l) => l.relation === 'next')?.url;
    expect(next?.startsWith(`${server.url}/Patient/_history?`)).toBe(true);
    const page2 = (await (await fetch(next!)).json()) as Bundle;
    expect(page2.entry).toHaveLength(1);
  });

  it("makes search fullUrls from the server's URL", async () => {
    const server = await start();
    for (const family of ['A', 'B']) await create(server, patient(family));
    const bundle = (await (await fetch(`${server.url}/Patient`)).json()) as Bundle;
    expect(bundle.entry).toHaveLength(2);
    for (const e of bundle.entry!) expect(e.fullUrl).toBe(`${server.url}/Patient/${e.resource!.id}`);
  });

  it('runs a history request alone: no write is in flight while it reads and stamps', async () => {
    const events: string[] = [];
    let releaseWrite!: () => void;
    const bundle: Bundle = { resourceType: 'Bundle', type: 'history' };
    const stub = {
      handle: async (req: { method: string; url: string }) => {
        if (req.method === 'POST') {
          events.push('write start');
          await new Promise<void>((resolve) => (releaseWrite = resolve));
          events.push('write end');
          return { status: 201, headers: {} };
        }
        events.push(`read ${req.url}`);
        return { status: 200, headers: {}, body: bundle };
      },
      close: () => {},
    } as unknown as Store;
    const server = await start({ store: stub, subscriptions: false }); // the stub has no changes$
    const write = fetch(`${server.url}/Patient`, { method: 'POST', headers: JSON_HEADERS, body: '{}' });
    try {
      await until(() => events.length === 1);
      const search = fetch(`${server.url}/Patient`);
      const vread = fetch(`${server.url}/Patient/1/_history/1`);
      // Ordinary reads, a vread among them, do not wait for the write...
      await until(() => events.includes('read Patient') && events.includes('read Patient/1/_history/1'));
      const hist = fetch(`${server.url}/_history`);
      await new Promise((r) => setTimeout(r, 50));
      expect(events).not.toContain('read _history'); // ...a history read does
      releaseWrite();
      await Promise.all([write, hist, search, vread].map(async (p) => (await p).arrayBuffer()));
      expect(events.indexOf('read _history')).toBeGreaterThan(events.indexOf('write end'));
    } finally {
      releaseWrite?.();
    }
  });
});

describe('--data', () => {
  it('loads an NDJSON file, with and without ids', async () => {
    const file = join(tmp, 'patients.ndjson');
    writeFileSync(file, [patient('A', 'pa'), patient('B', 'pb'), patient('C')].map((p) => JSON.stringify(p)).join('\n') + '\n');
    const server = await start({ data: file });
    expect(server.loaded).toBe(3);
    expect((await fetch(`${server.url}/Patient/pa`)).status).toBe(200);
    const all = (await (await fetch(`${server.url}/Patient?_total=accurate`)).json()) as Bundle;
    expect(all.entry).toHaveLength(3);
  });

  it('loads the resources of a collection Bundle, in several transactions', async () => {
    const file = join(tmp, 'collection.json');
    const entry = Array.from({ length: 1203 }, (_, i) => ({ fullUrl: `http://elsewhere/fhir/Patient/p${i}`, resource: patient(`F${i}`, `p${i}`) }));
    writeFileSync(file, JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry }));
    const server = await start({ data: file });
    expect(server.loaded).toBe(1203);
    const res = await fetch(`${server.url}/Patient/p1202`);
    expect(((await res.json()) as Patient).name?.[0]?.family).toBe('F1202');
  });

  it('posts a transaction Bundle as it is, urn:uuid references resolved', async () => {
    const file = join(tmp, 'transaction.json');
    const linking: Patient = { ...patient('Linked', 'linked'), link: [{ other: { reference: 'urn:uuid:0b0e4bd2-5d3c-4f7e-9b1a-1a2b3c4d5e6f' }, type: 'seealso' }] };
    const tx: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:0b0e4bd2-5d3c-4f7e-9b1a-1a2b3c4d5e6f',
          resource: patient('Tx'),
          request: { method: 'POST', url: 'Patient' },
        },
        {
          resource: linking,
          request: { method: 'PUT', url: 'Patient/linked' },
        },
      ],
    };
    writeFileSync(file, JSON.stringify(tx));
    const server = await start({ data: file });
    expect(server.loaded).toBe(2);
    const linked = (await (await fetch(`${server.url}/Patient/linked`)).json()) as Patient;
    expect(linked.link?.[0]?.other.reference).toMatch(/^Patient\/[^/]+$/);
  });

  it('fails to start on a file it cannot load', async () => {
    const file = join(tmp, 'broken.ndjson');
    writeFileSync(file, `${JSON.stringify(patient('A'))}\n{not json\n`);
    await expect(startServer({ port: 0, data: file })).rejects.toThrow(/broken\.ndjson:2: not JSON/);
  });
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

// Was a bug (issue 13, defect 6): with `Connection: close`, Node closed the socket as soon as the 413 was written,
// the upload still arriving; the reset destroyed the answer before the client, busy sending, read it (5-8 of 8).
describe('413 to a large upload with Connection: close', () => {
  it('reaches the client every time: the rest of the body is read and thrown away, then the connection closes', async () => {
    const server = await start({ maxBodyBytes: 64 * 1024 });
    const { port, hostname } = new URL(server.url);
    const body = Buffer.alloc(20 * 1024 * 1024, 0x20);
    const tries = await Promise.all(
      Array.from({ length: 6 }, () =>
        new Promise<string>((resolve) => {
          const socket = connect(Number(port), hostname, () => {
            socket.write(`POST /fhir/Patient HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/fhir+json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
            socket.write(body);
          });
          let answer = '';
          socket.on('data', (d) => (answer += d.toString('latin1')));
          socket.on('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code ?? e.message}`));
          socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
        }),
      ),
    );
    expect(tries).toEqual(Array(6).fill('HTTP/1.1 413 Payload Too Large'));
  });
});
