import type { Bundle, Resource } from 'fhir/r5';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/index.js';
import { syncContextOf } from '../../src/store.js';
import { ReplicationEngine } from '../../src/sync/replication.js';
import { openTestStore, selection } from '../helpers.js';

/*
 * Issue 13 defect 9 on the sync path: a resource pulled from the server is validated like a local write, its
 * narrative parsed as XHTML; one with a script is skipped and reported, the rest of the page is stored. The
 * replication loads the parser (`SyncContext.ready`) before it validates anything.
 */

const BASE = 'https://fhir.example.org/r5';
const div = (inner: string): string => `<div xmlns="http://www.w3.org/1999/xhtml">${inner}</div>`;

/** A history page of one type, as a server answers `[type]/_history`. */
function historyPage(resources: Resource[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'history',
    meta: { lastUpdated: '2026-01-02T00:00:00Z' },
    entry: resources.map((resource) => ({
      fullUrl: `${BASE}/${resource.resourceType}/${resource.id}`,
      resource,
      request: { method: 'PUT' as const, url: `${resource.resourceType}/${resource.id}` },
      response: { status: '201' },
    })),
  };
}

/** A server that answers every history request with `page` (and an empty one for other types). */
function serverOf(page: Bundle, log: string[]): typeof fetch {
  return async (input) => {
    const url = String(input instanceof Request ? input.url : input);
    log.push(url);
    const body = url.includes('/ImagingSelection/_history') ? page : historyPage([]);
    return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/fhir+json' } });
  };
}

const version = (id: string, narrative: string): Resource =>
  selection({ id, meta: { versionId: '1', lastUpdated: '2026-01-01T00:00:00Z' }, text: { status: 'generated', div: narrative } });

let store: Store | undefined;
afterEach(() => store?.close());

describe('pull: narratives from the server', () => {
  it('skips and reports a resource whose narrative breaks txt-1, stores the others', async () => {
    store = await openTestStore();
    const page = historyPage([version('bad', div('<p>x</p><script>alert(1)</script>')), version('good', div('<p>Key <b>images</b></p>'))]);
    const report = await store.replicate({ baseUrl: BASE, fetch: serverOf(page, []) }).syncOnce();
    expect(report.invalid).toHaveLength(1);
    expect(report.invalid[0]).toMatch(/^ImagingSelection\/bad from the server is not valid: ImagingSelection\.text\.div: txt-1: <script> is not allowed/);
    expect(report.pulled).toBe(1);
    expect((await store.handle({ method: 'GET', url: 'ImagingSelection/bad' })).status).toBe(404);
    expect((await store.handle({ method: 'GET', url: 'ImagingSelection/good' })).status).toBe(200);
  });

  it('loads what validation needs before the first request of a cycle', async () => {
    store = await openTestStore();
    const log: string[] = [];
    const ctx = syncContextOf(store);
    const ready = async (): Promise<void> => {
      log.push('ready');
      await ctx.ready();
    };
    const engine = new ReplicationEngine({ ...ctx, ready }, { baseUrl: BASE, fetch: serverOf(historyPage([]), log) }, store.changes$);
    await engine.syncOnce();
    expect(log[0]).toBe('ready');
    expect(log.length).toBeGreaterThan(1);
  });
});
