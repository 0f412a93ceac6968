import { describe, expect, it, vi } from 'vitest';

/*
 * The XML parser that checks narratives loads on demand (model/xhtml-parser.ts). Validation is synchronous, so a
 * narrative met before the load is a bug of the caller: it throws, it is never accepted unchecked. This file
 * imports the modules afresh, so nothing loaded the parser before.
 */

const narrative = (inner: string) => ({
  resourceType: 'Patient',
  text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${inner}</div>` },
});

describe('the XHTML parser, loaded on demand', () => {
  it('a narrative validated before the load throws; a resource without one needs no parser', async () => {
    vi.resetModules();
    const { checkResource } = await import('../../src/model/validate/index.js');
    const { loadXhtmlParser } = await import('../../src/model/xhtml-parser.js');
    await (await import('../../src/model/validate/r5-structures.js')).loadR5Structures();
    expect(() => checkResource(narrative('<script>alert(1)</script>x'))).toThrow(/XHTML parser is not loaded/);
    expect(checkResource({ resourceType: 'Patient', active: true })).toBeUndefined();
    await loadXhtmlParser();
    expect(checkResource(narrative('<b>x</b>'))).toBeUndefined();
    expect(checkResource(narrative('<script>alert(1)</script>x'))?.status).toBe(422);
  });

  it('reports a bounded number of problems for a narrative full of them', async () => {
    const { checkResource } = await import('../../src/model/validate/index.js');
    const { loadValidation } = await import('../../src/model/validate/load.js');
    await loadValidation();
    const many = Array.from({ length: 2_000 }, (_, i) => `<x${i}/>`).join('');
    const failure = checkResource(narrative(`${many}text`));
    expect(failure?.status).toBe(422);
    expect(failure?.issues).toHaveLength(11);
    expect(failure?.issues[10]?.diagnostics).toBe('txt-1: 1990 more problems not listed');
  });
});
