import type { ImagingSelection, SearchParameter } from 'fhir/r5';
import { describe, expect, it } from 'vitest';
import { fhirPathIfLoaded } from '../../src/model/fhirpath-engine.js';
import { R5_RESOURCE_TYPES } from '../../src/model/resource-types.js';
import { builtInParametersFor } from '../../src/search/parameters/definitions/index.js';
import { openTestStore, selection } from '../helpers.js';

/** `SearchParameter.base` (@types/fhir 0.0.44 types it with pre-R5 resource names only). */
const IMAGING_SELECTION = ['ImagingSelection'] as unknown as SearchParameter['base'];

/*
 * fhirpath.js (1.3 MB minified with its R5 model) is loaded only when really needed. These tests run in
 * order in one module instance: each checks whether the engine has been loaded so far.
 */
describe('fhirpath.js loads only where it is needed', () => {
  it('is not loaded by CRUD, search on built-in parameters, history, JSON Patch or a walkable SearchParameter', async () => {
    const store = await openTestStore();
    const s = await store.create(selection({ id: undefined }));
    await store.update({ ...s, status: 'unknown' } as ImagingSelection);
    await store.patch('ImagingSelection', s.id!, [{ op: 'replace', path: '/status', value: 'available' }]);
    await store.search('ImagingSelection', { status: 'available', _elements: 'status', _summary: 'false' });
    await store.search('ImagingSelection', { 'code:text': 'x', _lastUpdated: 'gt2000-01-01' });
    await store.history('ImagingSelection', s.id);
    const walkable: SearchParameter = {
      resourceType: 'SearchParameter', url: 'urn:test:sp:series', name: 'series', status: 'active', description: 'series',
      code: 'series-uid', base: IMAGING_SELECTION, type: 'token', expression: 'ImagingSelection.seriesUid',
    };
    await store.registerSearchParameter(walkable);
    await store.search('ImagingSelection', { 'series-uid': '1.2.3' });
    await store.delete('ImagingSelection', s.id!);
    expect(fhirPathIfLoaded()).toBeUndefined();
    store.close();
  });

  it('no built-in parameter of any R5 resource type needs it', () => {
    const needing = [...R5_RESOURCE_TYPES].flatMap((t) => builtInParametersFor(t).filter((p) => (p as { strategy?: string }).strategy === 'fhirpath').map((p) => `${t}.${p.code}`));
    expect(needing).toEqual([]);
    expect(fhirPathIfLoaded()).toBeUndefined();
  });

  it('a registered SearchParameter the compiled walker cannot read loads it before compiling', async () => {
    const store = await openTestStore();
    await store.update(selection({ id: 'n1', instance: [{ uid: '1.2.3.4', number: 1 }] }));
    const filtered: SearchParameter = {
      resourceType: 'SearchParameter', url: 'urn:test:sp:numbered', name: 'numbered', status: 'active', description: 'numbered',
      code: 'numbered-uid', base: IMAGING_SELECTION, type: 'token', expression: "ImagingSelection.instance.where(number > 0).uid",
    };
    await store.registerSearchParameter(filtered);
    expect(fhirPathIfLoaded()).toBeDefined();
    const found = await store.search('ImagingSelection', { 'numbered-uid': '1.2.3.4' });
    expect(found.entry?.map((e) => e.resource?.id)).toEqual(['n1']);
    store.close();
  });
});
