import type { SearchParameter } from 'fhir/r5';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_SEARCH_PARAMETERS } from '../../src/search/parameters/definitions/index.js';
import { SearchRegistry } from '../../src/search/parameters/registry.js';

/** The reference parameters of `type` among the built-in definitions, read off the definitions themselves. */
const builtInReferences = (type: string): string[] =>
  BUILT_IN_SEARCH_PARAMETERS.filter((sp) => sp.type === 'reference' && (sp.base as readonly string[]).some((b) => b === type || b === 'Resource' || b === 'DomainResource')).map((sp) => sp.code);

describe('SearchRegistry.referenceParameterCodes', () => {
  it('lists the reference parameters of a type, built-in ones by their definitions', () => {
    const registry = new SearchRegistry();
    const codes = registry.referenceParameterCodes('ImagingSelection');
    // _in and _list are reference parameters the store does not implement (the registry leaves them out).
    expect(new Set(codes)).toEqual(new Set(builtInReferences('ImagingSelection').filter((c) => !['_in', '_list'].includes(c))));
    expect(codes).toEqual(expect.arrayContaining(['_profile', 'subject', 'patient', 'derived-from', 'body-structure']));
    expect(codes).not.toContain('status');
    expect(codes.every((c) => registry.get('ImagingSelection', c)?.type === 'reference')).toBe(true);
  });

  it('includes a registered reference parameter and leaves out a registered token one', async () => {
    const registry = new SearchRegistry();
    // @types/fhir types `base` with the R4 resource names only; R5 allows every resource type.
    const sp = (code: string, type: SearchParameter['type'], expression: string): SearchParameter =>
      ({ resourceType: 'SearchParameter', url: `http://example.org/sp/${code}`, name: code, status: 'active', description: code, code, base: ['ImagingSelection'], type, expression }) as unknown as SearchParameter;
    await registry.register(sp('endpoint-ref', 'reference', 'ImagingSelection.endpoint'));
    await registry.register(sp('instance-uid', 'token', 'ImagingSelection.instance.uid'));
    const codes = registry.referenceParameterCodes('ImagingSelection');
    expect(codes).toContain('endpoint-ref');
    expect(codes).not.toContain('instance-uid');
    expect(new SearchRegistry().referenceParameterCodes('ImagingSelection')).not.toContain('endpoint-ref');
  });
});
