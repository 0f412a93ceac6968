/**
 * A walk through the store in Node: open it (in-memory IndexedDB), load the 7 official R5 ImagingSelection
 * examples, then create, read, update, patch, delete and list history, printing each request and answer.
 * Run: npm run demo
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import type { Bundle, ImagingSelection, OperationOutcome } from 'fhir/r5';
import { firstValueFrom } from 'rxjs';
import { openStore, type FhirRequest } from '../src/index.js';
import { startServer } from '../src/server/index.js';

const examplesDir = new URL('../data/hl7-fhir-r5/examples/', import.meta.url);

function loadExamples(): ImagingSelection[] {
  if (!existsSync(examplesDir)) {
    console.error(`The official examples are expected in ${examplesDir.pathname} (data/hl7-fhir-r5/examples/ in this repository).`);
    process.exit(1);
  }
  return readdirSync(examplesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(new URL(f, examplesDir), 'utf8')) as ImagingSelection);
}

// Node has no IndexedDB: the demo knowingly keeps its store in memory (an app on disk passes `indexedDB`).
const store = await openStore({ name: 'demo', persistence: 'optional' });

async function show(title: string, req: FhirRequest): Promise<unknown> {
  const res = await store.handle(req);
  const h = res.headers;
  const head = [h['ETag'] && `ETag ${h['ETag']}`, h['Location'] && `Location ${h['Location']}`].filter(Boolean).join(', ');
  console.log(`\n${title}\n  ${req.method} ${req.url || '[base]'} -> ${res.status}${head ? ` (${head})` : ''}`);
  const body = res.body as { resourceType?: string } | undefined;
  if (body?.resourceType === 'OperationOutcome') {
    for (const i of (body as OperationOutcome).issue) console.log(`  ${i.severity}: ${i.diagnostics} ${i.expression ? `[${i.expression.join(', ')}]` : ''}`);
  }
  return res.body;
}

console.log('fhir-offline-store demo: an embedded FHIR R5 store (IndexedDB through Dexie; in Node, fake-indexeddb).');

// 1. Load the official examples in one transaction Bundle.
const examples = loadExamples();
const loaded = (await show(`Load the ${examples.length} official R5 ImagingSelection examples as one transaction`, {
  method: 'POST',
  url: '',
  body: {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: examples.map((e) => ({ resource: e, request: { method: 'PUT', url: `ImagingSelection/${e.id}` } })),
  },
})) as Bundle;
for (const e of loaded.entry ?? []) console.log(`  ${e.response?.status}  ${e.response?.location}`);

// 2. Find one by identifier.
const basic = examples.find((e) => e.id === 'example-basic-image-selection')!;
const ident = basic.identifier![0]!;
const found = (await show('Search by identifier', {
  method: 'GET',
  url: `ImagingSelection?identifier=${encodeURIComponent(`${ident.system}|${ident.value}`)}`,
})) as Bundle;
console.log(`  total ${found.total}: ${(found.entry ?? []).map((e) => e.resource?.id).join(', ')}`);

// 3. Create a new selection: a 2D circle on one frame.
const created = (await show('Create a new selection (server-assigned id)', {
  method: 'POST',
  url: 'ImagingSelection',
  body: {
    resourceType: 'ImagingSelection',
    status: 'available',
    code: { text: 'Lesion outline' },
    studyUid: basic.studyUid,
    instance: [{ uid: basic.instance![0]!.uid, imageRegion2D: [{ regionType: 'circle', coordinate: [120, 80, 140, 80] }] }],
  },
})) as ImagingSelection;
const url = `ImagingSelection/${created.id}`;

// 4. Read it, update it with If-Match, and try a stale If-Match.
await show('Read it', { method: 'GET', url });
await show('Update it with If-Match W/"1"', { method: 'PUT', url, headers: { 'If-Match': 'W/"1"' }, body: { ...created, status: 'unknown' } });
await show('Update again with the stale If-Match W/"1": refused, nothing changes', {
  method: 'PUT',
  url,
  headers: { 'If-Match': 'W/"1"' },
  body: { ...created, status: 'entered-in-error' },
});

// 5. Patch: JSON Patch, then FHIRPath Patch.
await show('JSON Patch: replace the code text', {
  method: 'PATCH',
  url,
  headers: { 'Content-Type': 'application/json-patch+json' },
  body: [{ op: 'replace', path: '/code/text', value: 'Lesion outline (reviewed)' }],
});
const patched = (await show('FHIRPath Patch: make the region a polyline', {
  method: 'PATCH',
  url,
  headers: { 'Content-Type': 'application/fhir+json' },
  body: {
    resourceType: 'Parameters',
    parameter: [
      { name: 'operation', part: [
        { name: 'type', valueCode: 'replace' },
        { name: 'path', valueString: 'ImagingSelection.instance[0].imageRegion2D[0].regionType' },
        { name: 'value', valueCode: 'polyline' },
      ] },
    ],
  },
})) as ImagingSelection;
console.log(`  regionType now ${patched.instance?.[0]?.imageRegion2D?.[0]?.regionType}, version ${patched.meta?.versionId}`);

// 6. Bad input: an invalid resource is refused with an OperationOutcome naming the element.
await show('Create an invalid selection (3 coordinates for a 2D region)', {
  method: 'POST',
  url: 'ImagingSelection',
  body: { resourceType: 'ImagingSelection', status: 'available', code: { text: 'x' }, instance: [{ uid: '1.2.3', imageRegion2D: [{ regionType: 'point', coordinate: [1, 2, 3] }] }] },
});

// 7. Delete, then read (410) and the full history.
await show('Delete it', { method: 'DELETE', url });
await show('Read after delete', { method: 'GET', url });
const hist = (await show('Its history, newest first', { method: 'GET', url: `${url}/_history` })) as Bundle;
for (const e of hist.entry ?? []) console.log(`  ${e.response?.etag}  ${e.request?.method.padEnd(6)} ${e.response?.lastModified}`);

const all = (await show('Everything the store holds, as system history (first 3)', { method: 'GET', url: '_history?_count=3' })) as Bundle;
console.log(`  ${all.total} versions in all; next page: ${all.link?.find((l) => l.relation === 'next')?.url}`);

// 8. Replicate with a FHIR R5 server: the package's own, started here on a free port (any R5 server works).
const server = await startServer({ port: 0 });
const replication = store.replicate({ baseUrl: server.url });
const pending = await firstValueFrom(replication.pending$);
console.log(`\n${pending} resources have local changes waiting in the outbox for replication.`);
console.log(`\nReplicate with the FHIR R5 server at ${server.url}`);
const first = await replication.syncOnce();
console.log(`  pushed ${first.pushed.length} changes, pulled ${first.pulled}, conflicts ${first.conflicts.length}, refused ${first.failed.length}`);
const onServer = await fetch(`${server.url}/ImagingSelection?_summary=count`).then((r) => r.json() as Promise<Bundle>);
console.log(`  the server now holds ${onServer.total} ImagingSelections`);

// 9. A change made on the server reaches the device; one made on the device reaches the server.
const serverSide = { ...basic, status: 'entered-in-error' as const };
await fetch(`${server.url}/ImagingSelection/${basic.id}`, { method: 'PUT', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(serverSide) });
const second = await replication.syncOnce();
const local = await store.read<ImagingSelection>('ImagingSelection', basic.id!);
console.log(`  pulled ${second.pulled} change from the server: ${basic.id} is now '${local.status}' on the device`);
await server.close();
store.close();
