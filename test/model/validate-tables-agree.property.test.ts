import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import type { CompiledStructure } from '../../src/model/validate/compiled-structure.js';
import { IssueCollector } from '../../src/model/validate/issues.js';
import { loadValidation } from '../../src/model/validate/load.js';
import { compileR5Structures } from '../../src/model/validate/r5-structures-compiled.js';
import { R5_CORE } from '../../src/model/validate/r5-structures.js';

const R5_STRUCTURES = compileR5Structures(R5_CORE).structures;
import { IMAGING_SELECTION_STRUCTURE } from '../../src/model/validate/structures.js';
import type { WalkContext } from '../../src/model/validate/walk-context.js';
import { walkStructure } from '../../src/model/validate/walk-elements.js';
import { loadExamples } from '../helpers.js';

/*
 * ImagingSelection has two tables: its own, in the core bundle (what the store uses), and the one generated from
 * hl7.fhir.r5.core with every other type (lazy). Both come from the same R5 definition, so for any input they
 * must find the same issues: random JSON put in place of, or beside, the elements of the official examples.
 */

beforeAll(() => loadValidation());

const ELEMENTS = [...IMAGING_SELECTION_STRUCTURE.elements.keys()];

function issues(structure: CompiledStructure, resource: Record<string, unknown>): unknown[] {
  const collector = new IssueCollector();
  const ctx: WalkContext = { issues: collector, depth: 0, validateContainedResource: () => undefined };
  walkStructure(structure, resource, 'ImagingSelection', ctx);
  return collector.issues;
}

it('the core ImagingSelection table and the generated one find the same issues', () => {
  const generated = R5_STRUCTURES.get('ImagingSelection');
  if (!generated) throw new Error('no generated ImagingSelection structure');
  const examples = loadExamples() as unknown as Record<string, unknown>[];
  const key = fc.oneof(fc.constantFrom(...ELEMENTS, 'instance', 'status', 'subject'), fc.string({ minLength: 1, maxLength: 12 }));
  fc.assert(
    fc.property(fc.nat({ max: examples.length - 1 }), fc.array(fc.tuple(key, fc.jsonValue({ maxDepth: 3 })), { minLength: 1, maxLength: 4 }), (index, changes) => {
      const resource: Record<string, unknown> = { ...structuredClone(examples[index]!) };
      for (const [k, v] of changes) if (!['__proto__', 'constructor', 'prototype'].includes(k)) resource[k] = v;
      expect(issues(generated, resource)).toEqual(issues(IMAGING_SELECTION_STRUCTURE, resource));
    }),
    { numRuns: 300 },
  );
});
