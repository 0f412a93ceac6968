import type { ImagingSelection, Patient, Resource } from 'fhir/r5';
import { loadExamples } from '../helpers.js';

/** Patients whose names, identifiers and narrative words must never appear in an encrypted database. */
export const patients: Patient[] = [
  {
    resourceType: 'Patient',
    id: 'p1',
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Johanna Vermeulen, Rotterdam, allergic to penicillin</div>' },
    identifier: [{ system: 'urn:oid:2.16.840.1.113883.2.4.6.3', value: 'MRN-4711-ZX' }],
    name: [{ family: 'Vermeulen', given: ['Johanna'] }],
    birthDate: '1961-04-17',
    gender: 'female',
  },
  {
    resourceType: 'Patient',
    id: 'p2',
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Bartholomew Okonkwo, Enugu, follow-up hepatology</div>' },
    identifier: [{ system: 'urn:oid:2.16.840.1.113883.2.4.6.3', value: 'MRN-0815-QK' }],
    name: [{ family: 'Okonkwo', given: ['Bartholomew'] }],
    birthDate: '1987-11-02',
    gender: 'male',
  },
];

/** The official R5 ImagingSelection examples, each pointing at one of the patients and with its own identifier. */
export function selections(): ImagingSelection[] {
  return loadExamples().map((ex, i) => ({
    ...ex,
    subject: { reference: `Patient/${patients[i % patients.length]!.id!}` },
    identifier: [{ system: 'urn:dicom:uid', value: `urn:oid:2.25.99887766554433${i}` }],
  }));
}

/**
 * The values a reader of the database must not find: every string (and number) of the resources, but their
 * type, id and meta (kept in the clear, see docs/security.md, and so are words that are part of an id), and each word of their narrative. Short values
 * (codes like `M`, `1`) would be found in any byte soup, so only those of 5 characters or more are checked.
 */
export function secretsOf(resources: Resource[]): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, key: string): void => {
    if (key === 'resourceType' || key === 'id' || key === 'meta') return;
    if (typeof v === 'string' || typeof v === 'number') {
      const s = String(v);
      if (key === 'div') for (const w of s.replace(/<[^>]*>/g, ' ').split(/[^\p{L}\p{N}.-]+/u)) if (w.length >= 5) out.add(w);
      if (s.length >= 5 && !s.startsWith('<div')) out.add(s);
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  for (const r of resources) walk(r, '');
  // Types and ids are keys, in the clear by design: a value that is part of one is no finding.
  const clear = resources.map((r) => `${r.resourceType}/${r.id ?? ''}`);
  return [...out].filter((s) => !clear.some((c) => c.includes(s)));
}
