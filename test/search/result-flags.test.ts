import { readFileSync } from 'node:fs';
import type { ImagingSelection, Resource } from 'fhir/r5';
import { describe, expect, it } from 'vitest';
import { IMAGING_SELECTION_TABLE } from '../../src/model/validate/imagingselection-table.js';
import { BASE_FLAGS } from '../../src/search/result/flag-table.js';
import { IMAGING_SELECTION_FLAGS } from '../../src/search/result/imagingselection-flags.js';
import { childElements, elementOfKey, isKnownElement } from '../../src/model/element-names.js';
import { REFERENCED_TYPE_FLAGS } from '../../src/search/result/referenced-type-flags.js';
import { summarize } from '../../src/search/result/index.js';

interface SnapshotElement {
  path: string;
  min: number;
  isSummary?: boolean;
  isModifier?: boolean;
  type?: { code: string }[];
}

const SD = JSON.parse(
  readFileSync(new URL('../../data/hl7-fhir-r5/definitions/StructureDefinition-ImagingSelection.json', import.meta.url), 'utf8'),
) as { snapshot: { element: SnapshotElement[] } };
const EXAMPLE = JSON.parse(
  readFileSync(new URL('../../data/hl7-fhir-r5/examples/ImagingSelection-example-2d-image-region-selection.json', import.meta.url), 'utf8'),
) as ImagingSelection;

/** Snapshot rows below the root, keyed by path relative to the resource (`instance.uid`). */
const ROWS = new Map(
  SD.snapshot.element
    .filter((e) => e.path !== 'ImagingSelection')
    .map((e) => [e.path.slice('ImagingSelection.'.length).replace('[x]', ''), e] as const),
);
const isTopLevel = (path: string): boolean => !path.includes('.');
const isBackbone = (path: string): boolean => ROWS.get(path)?.type?.[0]?.code === 'BackboneElement';

/** Σ paths whose every ancestor is Σ too: what `_summary=true` can return. */
const REACHABLE_SUMMARY = new Set(
  [...ROWS.entries()]
    .filter(([path]) => path.split('.').every((_, i, parts) => ROWS.get(parts.slice(0, i + 1).join('.'))?.isSummary === true))
    .map(([path]) => path),
);

/** The element paths present in an ImagingSelection (descending into backbone elements only). */
function presentPaths(node: unknown, prefix = ''): Set<string> {
  const out = new Set<string>();
  const visit = (value: unknown, path: string): void => {
    if (Array.isArray(value)) return value.forEach((v) => visit(v, path));
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      if (key === 'resourceType' && path === '') continue;
      const element = elementOfKey(path ? `ImagingSelection.${path}` : 'ImagingSelection', key);
      if (element === undefined) throw new Error(`unknown property ${key} under ${path || 'ImagingSelection'}`);
      const full = path ? `${path}.${element}` : element;
      out.add(full);
      if (isBackbone(full)) visit(child, full);
    }
  };
  visit(node, prefix);
  return out;
}

/** An ImagingSelection with every element of the snapshot present (values chosen by hand). */
const FULL: ImagingSelection = {
  resourceType: 'ImagingSelection',
  id: 'full',
  meta: { versionId: '1' },
  implicitRules: 'http://example.org/rules',
  language: 'en',
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">full</div>' },
  contained: [{ resourceType: 'Patient', id: 'p' }],
  extension: [{ url: 'http://example.org/e', valueString: 'e' }],
  modifierExtension: [{ url: 'http://example.org/m', valueBoolean: true }],
  identifier: [{ value: 'sel-1' }],
  status: 'available',
  subject: { reference: '#p' },
  issued: '2024-01-02T03:04:05Z',
  performer: [
    {
      id: 'perf',
      extension: [{ url: 'http://example.org/pe', valueString: 'x' }],
      modifierExtension: [{ url: 'http://example.org/pm', valueString: 'y' }],
      function: { text: 'author' },
      actor: { reference: 'Practitioner/1' },
    },
  ],
  basedOn: [{ reference: 'ServiceRequest/1' }],
  category: [{ text: 'key images' }],
  code: { text: 'Key Images' },
  studyUid: '1.2.3',
  derivedFrom: [{ reference: 'ImagingStudy/1' }],
  endpoint: [{ reference: 'Endpoint/1' }],
  seriesUid: '1.2.3.4',
  seriesNumber: 3,
  frameOfReferenceUid: '1.2.3.5',
  bodySite: { concept: { text: 'chest' } },
  focus: [{ reference: 'ImagingSelection/other' }],
  instance: [
    {
      id: 'inst',
      extension: [{ url: 'http://example.org/ie', valueString: 'x' }],
      modifierExtension: [{ url: 'http://example.org/im', valueString: 'y' }],
      uid: '1.2.3.4.5',
      number: 1,
      sopClass: { system: 'urn:ietf:rfc:3986', code: 'urn:oid:1.2.840.10008.5.1.4.1.1.2' },
      subset: ['1'],
      imageRegion2D: [
        {
          id: 'r2',
          extension: [{ url: 'http://example.org/2e', valueString: 'x' }],
          modifierExtension: [{ url: 'http://example.org/2m', valueString: 'y' }],
          regionType: 'point',
          coordinate: [1, 2],
        },
      ],
      imageRegion3D: [
        {
          id: 'r3',
          extension: [{ url: 'http://example.org/3e', valueString: 'x' }],
          modifierExtension: [{ url: 'http://example.org/3m', valueString: 'y' }],
          regionType: 'point',
          coordinate: [1, 2, 3],
        },
      ],
    },
  ],
};

describe('ImagingSelection flags vs the R5 StructureDefinition', () => {
  it('the hand-built full resource has every snapshot element', () => {
    expect([...presentPaths(FULL)].sort()).toEqual([...ROWS.keys()].sort());
  });

  it('summary list = the reachable Σ paths of the snapshot', () => {
    expect(new Set([...BASE_FLAGS.summary, ...IMAGING_SELECTION_FLAGS.summary])).toEqual(REACHABLE_SUMMARY);
  });

  it('modifier list = the top-level ?! elements; mandatory list = the top-level min ≥ 1 elements', () => {
    const top = [...ROWS.entries()].filter(([path]) => isTopLevel(path));
    expect(new Set([...BASE_FLAGS.modifier, ...IMAGING_SELECTION_FLAGS.modifier])).toEqual(
      new Set(top.filter(([, e]) => e.isModifier === true).map(([p]) => p)),
    );
    expect(new Set(IMAGING_SELECTION_FLAGS.mandatory)).toEqual(new Set(top.filter(([, e]) => e.min >= 1).map(([p]) => p)));
  });

  it.each([
    ['the full resource', FULL],
    ['the official 2D region example', EXAMPLE],
  ] as [string, Resource][])("summarize('true') on %s keeps every Σ element present and nothing else", (_, input) => {
    const present = presentPaths(input);
    const expected = new Set([...present].filter((p) => REACHABLE_SUMMARY.has(p)));
    // meta is Σ anyway; it also carries the SUBSETTED tag.
    expect(presentPaths(summarize(input, 'true'))).toEqual(new Set([...expected, 'meta']));
  });
});

describe('element names', () => {
  it('the fhirpath R5 model and the validator table agree on ImagingSelection top-level elements', () => {
    const fromTable = Object.keys(IMAGING_SELECTION_TABLE)
      .map((p) => p.slice('ImagingSelection.'.length))
      .filter(isTopLevel);
    expect(new Set(childElements('ImagingSelection'))).toEqual(new Set(fromTable));
  });

  it.each(Object.entries(REFERENCED_TYPE_FLAGS))('every %s flag names an R5 element', (type, table) => {
    for (const path of [...table.summary, ...table.mandatory, ...table.modifier]) {
      const parts = path.split('.');
      const parent = [type, ...parts.slice(0, -1)].join('.');
      expect(childElements(parent).has(parts[parts.length - 1]!), `${type}.${path}`).toBe(true);
    }
    for (const name of [...table.mandatory, ...table.modifier]) expect(isKnownElement(type, name), name).toBe(true);
  });
});
