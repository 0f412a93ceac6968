import { afterEach, beforeEach, expect, it } from 'vitest';
import type { CapabilityStatement } from 'fhir/r5';
import type { Store } from '../../src/index.js';
import { openTestStore } from '../helpers.js';

let store: Store;
beforeEach(async () => {
  store = await openTestStore();
});
afterEach(() => store.close());

it('metadata answers an R5 CapabilityStatement that lists what is supported', async () => {
  const res = await store.handle({ method: 'GET', url: 'metadata' });
  expect(res.status).toBe(200);
  const cs = res.body as CapabilityStatement;
  expect(cs.fhirVersion).toBe('5.0.0');
  const rest = cs.rest![0]!;
  expect(rest.interaction?.map((i) => i.code).sort()).toEqual(['batch', 'history-system', 'search-system', 'transaction']);
  const is = rest.resource!.find((r) => r.type === 'ImagingSelection')!;
  expect(is.interaction?.map((i) => i.code).sort()).toEqual(
    ['create', 'delete', 'history-instance', 'history-type', 'patch', 'read', 'search-type', 'update', 'vread'].sort(),
  );
  expect(is.versioning).toBe('versioned-update');
  expect(is.updateCreate).toBe(true);
  expect(is.conditionalDelete).toBe('single');
  expect(is.searchParam?.map((p) => p.name).sort()).toEqual(
    [
      '_content', '_has', '_id', '_language', '_lastUpdated', '_profile', '_security', '_source', '_tag', '_text',
      'based-on', 'body-site', 'body-structure', 'code', 'derived-from', 'identifier', 'issued', 'patient', 'status', 'study-uid', 'subject',
    ].sort(),
  );
});

it('every search parameter the CapabilityStatement lists is accepted by search', async () => {
  const cs = (await store.handle({ method: 'GET', url: 'metadata' })).body as CapabilityStatement;
  for (const resource of cs.rest![0]!.resource!) {
    for (const p of resource.searchParam ?? []) {
      if (p.type === 'special') continue;
      const value = p.type === 'date' ? 'ge2020-01-01' : 'x';
      const res = await store.handle({ method: 'GET', url: `${resource.type}?${p.name}=${value}` });
      expect(res.status, `${resource.type}?${p.name}`).toBe(200);
    }
  }
});
