import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * The search parameters the reference matcher knows, taken from R5 itself and not from src/search: the
 * ImagingSelection and common (Resource) parameters are read from the R5 SearchParameter files in
 * data/hl7-fhir-r5/searchparameters/; the parameters of the target types, which that folder does not hold,
 * are written out below from the R5 pages of those resources.
 */

/** One search parameter: R5's code, type, FHIRPath expression (all branches, as published) and targets. */
export interface RefParameter {
  code: string;
  type: 'token' | 'string' | 'date' | 'reference' | 'uri' | 'number' | 'quantity' | 'special' | 'composite';
  expression: string;
  target?: string[];
}

const DATA = resolve(dirname(fileURLToPath(import.meta.url)), '../../../data/hl7-fhir-r5/searchparameters');

interface SearchParameterFile {
  code: string;
  type: RefParameter['type'];
  base: string[];
  expression?: string;
  target?: string[];
}

/** R5's parameters by base type ('Resource' for the common ones), from the SearchParameter files. */
function fromData(): Map<string, Map<string, RefParameter>> {
  const byBase = new Map<string, Map<string, RefParameter>>();
  for (const file of readdirSync(DATA).filter((f) => f.startsWith('SearchParameter-'))) {
    const sp = JSON.parse(readFileSync(join(DATA, file), 'utf8')) as SearchParameterFile;
    if (sp.expression === undefined) continue; // special parameters (_text, _content, _has, …): not covered
    const param: RefParameter = { code: sp.code, type: sp.type, expression: sp.expression, ...(sp.target ? { target: sp.target } : {}) };
    for (const base of sp.base) {
      const m = byBase.get(base) ?? new Map<string, RefParameter>();
      m.set(sp.code, param);
      byBase.set(base, m);
    }
  }
  return byBase;
}

/**
 * Parameters of the target types, from https://hl7.org/fhir/R5/patient.html#search,
 * https://hl7.org/fhir/R5/imagingstudy.html#search and https://hl7.org/fhir/R5/group.html#search (only
 * the branch of multi-resource parameters that applies to the type).
 */
const TARGETS: Record<string, RefParameter[]> = {
  Patient: [
    { code: 'identifier', type: 'token', expression: 'Patient.identifier' },
    { code: 'name', type: 'string', expression: 'Patient.name' },
    { code: 'family', type: 'string', expression: 'Patient.name.family' },
    { code: 'given', type: 'string', expression: 'Patient.name.given' },
    { code: 'birthdate', type: 'date', expression: 'Patient.birthDate' },
    { code: 'gender', type: 'token', expression: 'Patient.gender' },
  ],
  ImagingStudy: [
    { code: 'identifier', type: 'token', expression: 'ImagingStudy.identifier' },
    { code: 'patient', type: 'reference', expression: 'ImagingStudy.subject.where(resolve() is Patient)', target: ['Patient'] },
    { code: 'subject', type: 'reference', expression: 'ImagingStudy.subject', target: ['Device', 'Group', 'Patient'] },
    { code: 'started', type: 'date', expression: 'ImagingStudy.started' },
    { code: 'status', type: 'token', expression: 'ImagingStudy.status' },
    { code: 'modality', type: 'token', expression: 'ImagingStudy.series.modality' },
  ],
  Group: [{ code: 'identifier', type: 'token', expression: 'Group.identifier' }],
};

/**
 * The one deliberate departure from the published data, the project's documented erratum (docs/search.md,
 * "Decided quirks"): R5's clinical-code gives ImagingSelection's `code` the branch `ImagingSelection.status`,
 * an error in the R5 bundle; the element it names is `ImagingSelection.code`.
 */
const ERRATA: Record<string, RefParameter[]> = {
  ImagingSelection: [{ code: 'code', type: 'token', expression: 'ImagingSelection.code' }],
};

const DATA_PARAMS = fromData();

/** The parameter `code` of resource type `type`, or undefined when R5 (as read here) has none. */
export function refParameter(type: string, code: string): RefParameter | undefined {
  return (
    ERRATA[type]?.find((p) => p.code === code) ??
    TARGETS[type]?.find((p) => p.code === code) ??
    DATA_PARAMS.get(type)?.get(code) ?? // includes the multi-resource clinical-* parameters, which list their bases
    DATA_PARAMS.get('Resource')?.get(code)
  );
}
