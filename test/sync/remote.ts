import type { Bundle, Resource } from 'fhir/r5';
import { startServer } from '../../src/server/index.js';

/**
 * The remote FHIR R5 server the sync suite talks to over real HTTP: `FHIR_BASE_URL` when set (any FHIR R5
 * server, e.g. HAPI), else this package's own server on a free port, needing `token` when one is given.
 */
export async function remoteServer(token?: string): Promise<{ url: string; close: () => Promise<void> }> {
  const given = process.env['FHIR_BASE_URL'];
  if (given) return { url: given.replace(/\/+$/, ''), close: async () => {} };
  const server = await startServer({ port: 0, ...(token !== undefined ? { token } : {}) });
  return { url: server.url, close: () => server.close() };
}

/** Requests against the remote, as another client of the server would make them (with `auth` headers, if any). */
export function remoteClient(base: string, auth: Record<string, string> = {}) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}/${path}`, {
      method,
      headers: { Accept: 'application/fhir+json', ...auth, ...(body ? { 'Content-Type': 'application/fhir+json' } : {}), ...headers },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, etag: res.headers.get('etag'), body: text ? (JSON.parse(text) as Resource) : undefined };
  };
  return {
    call,
    read: async <T extends Resource>(path: string): Promise<T | undefined> => {
      const r = await call('GET', path);
      return r.status === 200 ? (r.body as T) : undefined;
    },
    put: (r: Resource) => call('PUT', `${r.resourceType}/${r.id}`, r),
    del: (path: string) => call('DELETE', path),
    ids: async (query: string): Promise<string[]> => {
      const b = (await call('GET', query)).body as Bundle;
      return (b.entry ?? []).filter((e) => e.search?.mode !== 'outcome').map((e) => e.resource!.id!).sort();
    },
  };
}
