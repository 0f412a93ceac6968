import type { ImagingSelection, Parameters } from 'fhir/r5';
import { describe, expect, it } from 'vitest';
import { fhirPathIfLoaded } from '../../src/model/fhirpath-engine.js';
import { openTestStore, selection } from '../helpers.js';

// Its own file: a module instance in which nothing has loaded fhirpath.js yet.
describe('FHIRPath Patch loads fhirpath.js while the write is planned, before its transaction', () => {
  it('applies a FHIRPath Patch through the store on first use of the engine', async () => {
    const store = await openTestStore();
    await store.update(selection({ id: 'p1' }));
    expect(fhirPathIfLoaded()).toBeUndefined();
    const patch: Parameters = {
      resourceType: 'Parameters',
      parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'ImagingSelection.status' }, { name: 'value', valueCode: 'unknown' }] }],
    };
    const patched = await store.patch<ImagingSelection>('ImagingSelection', 'p1', patch);
    expect(patched.status).toBe('unknown');
    expect(fhirPathIfLoaded()).toBeDefined();
    expect((await store.read<ImagingSelection>('ImagingSelection', 'p1')).meta?.versionId).toBe('2');
    store.close();
  });
});
