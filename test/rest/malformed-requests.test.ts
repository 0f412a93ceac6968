import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OperationOutcome } from 'fhir/r5';
import type { FhirRequest, Store } from '../../src/index.js';
import { openTestStore, snapshot } from '../helpers.js';

let store: Store;
beforeEach(async () => {
  store = await openTestStore();
  await store.handle({ method: 'PUT', url: 'Patient/p1', body: { resourceType: 'Patient', id: 'p1' } });
});
afterEach(() => store.close());

// What JavaScript callers (or JSON off a wire) can hand to `handle` despite its type.
const malformed: [string, unknown, RegExp][] = [
  ['null', null, /must be an object/],
  ['undefined', undefined, /must be an object/],
  ['a string', 'GET Patient/p1', /must be an object/],
  ['an array', [{ method: 'GET', url: 'Patient/p1' }], /must be an object/],
  ['an empty object', {}, /method must be a non-empty string/],
  ['no url', { method: 'GET' }, /url must be a string; got undefined/],
  ['a numeric url', { method: 'GET', url: 42 }, /url must be a string; got number/],
  ['a null url', { method: 'DELETE', url: null }, /url must be a string; got null/],
  ['a numeric method', { method: 7, url: 'Patient/p1' }, /method must be a non-empty string; got number/],
  ['an empty method', { method: ' ', url: 'Patient/p1' }, /method must be a non-empty string/],
  ['headers as an array', { method: 'GET', url: 'Patient/p1', headers: ['If-None-Match'] }, /headers must be an object/],
  ['headers as null', { method: 'GET', url: 'Patient/p1', headers: null }, /headers must be an object/],
  ['a header value that is an object', { method: 'DELETE', url: 'Patient/p1', headers: { 'If-Match': { v: 1 } } }, /header 'If-Match' must be a string/],
];

describe('handle answers a malformed request object with a 400 and never throws', () => {
  it.each(malformed)('%s', async (_name, request, diagnostics) => {
    const before = await snapshot(store);
    const res = await store.handle(request as FhirRequest);
    expect(res.status).toBe(400);
    expect(res.headers['Content-Type']).toMatch(/^application\/fhir\+json/);
    const outcome = res.body as OperationOutcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0]?.code).toBe('invalid');
    expect(outcome.issue[0]?.diagnostics).toMatch(diagnostics);
    expect(await snapshot(store)).toEqual(before);
  });

  it('a well-formed request still works after the checks', async () => {
    const res = await store.handle({ method: 'get', url: 'Patient/p1', headers: { Accept: 'application/fhir+json' } });
    expect(res.status).toBe(200);
  });
});
