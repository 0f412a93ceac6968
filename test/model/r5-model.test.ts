import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import r5 from 'fhirpath/fhir-context/r5';
import { describe, expect, it } from 'vitest';
import {
  choiceKey,
  choiceOfKey,
  choiceSuffix,
  choiceTypes,
  definedElsewhere,
  definedElsewhereEntries,
  elementsOf,
  elementType,
  isKnownType,
  isRepeating,
  derivesFromResource,
  owners,
  parentType,
} from '../../src/model/r5-model.js';

/** fhirpath's model as plain hashes (path2Repeating is a hash of `true`). */
const model = r5 as unknown as {
  path2Type: Record<string, string>;
  path2TypeWithoutElements: Record<string, string>;
  path2Repeating: Record<string, boolean>;
  choiceTypePaths: Record<string, string[]>;
  type2Parent: Record<string, string>;
  pathsDefinedElsewhere: Record<string, string>;
};

describe('the compact R5 model table answers as fhirpath.js R5 model', () => {
  it('gives every path its type (path2Type) and derives path2TypeWithoutElements', () => {
    const wrong = Object.entries(model.path2Type).filter(([p, t]) => elementType(p) !== t);
    expect(wrong).toEqual([]);
    const without = Object.entries(model.path2TypeWithoutElements).filter(([p, t]) => elementType(p) !== t);
    expect(without).toEqual([]);
  });

  it('marks exactly the repeating paths', () => {
    const paths = new Set([...Object.keys(model.path2Type), ...Object.keys(model.path2Repeating), ...Object.keys(model.choiceTypePaths)]);
    const wrong = [...paths].filter((p) => isRepeating(p) !== (model.path2Repeating[p] === true));
    expect(wrong).toEqual([]);
  });

  it('knows every choice element with its types in order, and nothing else as a choice', () => {
    for (const [p, suffixes] of Object.entries(model.choiceTypePaths)) expect(choiceTypes(p)?.map(choiceSuffix), p).toEqual(suffixes);
    const extra = Object.keys(model.path2Type).filter((p) => choiceTypes(p) !== undefined);
    expect(extra).toEqual([]);
  });

  it('gives type parents (type2Parent) and contentReference paths (pathsDefinedElsewhere)', () => {
    for (const [t, parent] of Object.entries(model.type2Parent)) expect(parentType(t), t).toBe(parent);
    expect([...Object.keys(model.type2Parent)].every(isKnownType)).toBe(true);
    expect(isKnownType('NotAType')).toBe(false);
    for (const [p, q] of Object.entries(model.pathsDefinedElsewhere)) expect(definedElsewhere(p), p).toBe(q);
    expect(definedElsewhereEntries().size).toBe(Object.keys(model.pathsDefinedElsewhere).length);
  });

  it('lists no element the fhirpath model does not have', () => {
    const listed: string[] = [];
    for (const owner of owners()) {
      for (const e of elementsOf(owner).values()) {
        if (e.choice) {
          listed.push(...e.choice.map((t) => `${owner}.${e.name}${choiceSuffix(t)}`));
          expect(model.choiceTypePaths[`${owner}.${e.name}`], `${owner}.${e.name}`).toBeDefined();
        } else listed.push(`${owner}.${e.name}`);
      }
    }
    expect(listed.filter((p) => !(p in model.path2Type))).toEqual([]);
    expect(new Set(listed).size).toBe(Object.keys(model.path2Type).length);
  });

  it('answers undefined for unknown paths', () => {
    expect(elementType('ImagingSelection.nope')).toBeUndefined();
    expect(elementType('Nope.status')).toBeUndefined();
    expect(elementType('ImagingSelection')).toBeUndefined();
    expect(isRepeating('ImagingSelection.status')).toBe(false);
    expect(isRepeating('ImagingSelection.instance')).toBe(true);
  });

  it('is what scripts/gen-r5-model.mjs generates from the installed fhirpath (not stale)', () => {
    const file = fileURLToPath(new URL('../../src/model/r5-model-table.ts', import.meta.url));
    const generated = execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/gen-r5-model.mjs', import.meta.url)), '--stdout'], { encoding: 'utf8', maxBuffer: 16 << 20 });
    expect(generated === readFileSync(file, 'utf8'), 'run node scripts/gen-r5-model.mjs').toBe(true);
  });
});

describe('typed questions over the model', () => {
  it('names choice keys and reads them back: every choice element of every owner, with each of its types', () => {
    let checked = 0;
    for (const [path, suffixes] of Object.entries(model.choiceTypePaths)) {
      const dot = path.lastIndexOf('.');
      const [owner, name] = [path.slice(0, dot), path.slice(dot + 1)];
      for (const type of choiceTypes(path) ?? []) {
        const key = choiceKey(name, type);
        expect(suffixes).toContain(key.slice(name.length));
        expect(choiceOfKey(owner, key), key).toEqual({ element: name, type });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
    expect(choiceKey('value', 'Quantity')).toBe('valueQuantity');
    expect(choiceOfKey('Observation', 'valueQuantity')).toEqual({ element: 'value', type: 'Quantity' });
    expect(choiceOfKey('Observation', 'valueFoo')).toBeUndefined();
    expect(choiceOfKey('Observation', 'status')).toBeUndefined();
  });

  it('derivesFromResource: Resource, DomainResource and every resource type, no data type', () => {
    const types = Object.keys(model.type2Parent);
    const resources = types.filter(derivesFromResource);
    expect(resources).toContain('ImagingSelection');
    expect(resources).toContain('Bundle');
    expect(resources).toContain('DomainResource');
    expect(resources.every((t) => t === 'Resource' || /^[A-Z]/.test(t))).toBe(true);
    for (const t of ['Quantity', 'Age', 'Reference', 'BackboneElement', 'string', 'code']) expect(derivesFromResource(t), t).toBe(false);
  });
});
