import { badRequest } from '../errors/fhir-error.js';
import { DURATION, patientId, searchPairs, type SyncScope } from './scope-options.js';

export type { SyncScope };

/**
 * The criteria of one type under a scope: the search pairs a resource must match (AND), `patientPairs` the part
 * that the level and `patient` parameter of a Patient/Group-level export already express, or `none` when nothing
 * of the type can be in scope (a Group without Patient members).
 * @see https://hl7.org/fhir/R5/search.html
 */
export interface TypeScope {
  /** Every criterion of the type as search pairs; empty: the whole type. */
  pairs: [string, string][];
  /** The pairs that select patients (a subset of `pairs`). */
  patientPairs: [string, string][];
  /** Whether the scope selects by patient for this type (it is in the Patient compartment). */
  compartment: boolean;
  /** Nothing of the type is in scope. */
  none: boolean;
}

/**
 * What compiling a scope needs to know at the time of a cycle.
 * @see https://hl7.org/fhir/R5/group.html
 */
export interface ScopeFacts {
  /** The replication's clock now (a sliding window is computed from it). */
  now: Date;
  /** The Group's Patient member ids, read from the server, when the scope names a group. */
  groupPatients?: string[];
  /** Whether `type` has a search parameter `code` (the local registry). */
  hasParameter: (type: string, code: string) => boolean;
}

/**
 * The start of a sliding window: `now` minus an ISO 8601 duration, calendar-wise for years, months and days.
 * @see https://en.wikipedia.org/wiki/ISO_8601#Durations
 */
export function windowStart(now: Date, duration: string): Date {
  const m = DURATION.exec(duration);
  if (m === null) throw badRequest(`replicate: scope.issued.last must be an ISO 8601 duration such as P30D or PT12H; got ${JSON.stringify(duration)}`, ['scope.issued.last']);
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number, number];
  const t = new Date(now.getTime());
  t.setUTCFullYear(t.getUTCFullYear() - y, t.getUTCMonth() - mo, t.getUTCDate() - 7 * w - d);
  return new Date(t.getTime() - ((h * 60 + mi) * 60 + s) * 1000);
}

/**
 * The criteria of each synced type under the scope now (see {@link SyncScope} for what applies to what).
 * @see https://hl7.org/fhir/R5/search.html
 */
export function compileScope(scope: SyncScope, types: readonly string[], facts: ScopeFacts): Map<string, TypeScope> {
  const out = new Map<string, TypeScope>();
  const patientSets: string[][] = [];
  if (scope.patients) patientSets.push([...new Set(scope.patients.map(patientId))].sort());
  if (scope.group !== undefined) patientSets.push([...new Set(facts.groupPatients ?? [])].sort());
  for (const type of types) {
    const t: TypeScope = { pairs: [], patientPairs: [], compartment: false, none: false };
    const patientParam = type === 'Patient' ? '_id' : facts.hasParameter(type, 'patient') ? 'patient' : facts.hasParameter(type, 'subject') ? 'subject' : undefined;
    if (patientParam !== undefined && patientSets.length > 0) {
      t.compartment = true;
      for (const ids of patientSets) {
        if (ids.length === 0) t.none = true;
        else t.patientPairs.push([patientParam, ids.map((id) => (patientParam === '_id' ? id : `Patient/${id}`)).join(',')]);
      }
    }
    t.pairs.push(...t.patientPairs);
    if (scope.studies) {
      if (type === 'ImagingSelection') t.pairs.push(['study-uid', scope.studies.join(',')]);
      else if (type === 'ImagingStudy') t.pairs.push(['identifier', scope.studies.map((uid) => `urn:dicom:uid|urn:oid:${uid}`).join(',')]);
    }
    if (scope.issued && facts.hasParameter(type, 'issued')) {
      const window = 'last' in scope.issued ? { from: windowStart(facts.now, scope.issued.last).toISOString() } : scope.issued;
      if (window.from !== undefined) t.pairs.push(['issued', `ge${window.from}`]);
      if (window.to !== undefined) t.pairs.push(['issued', `le${window.to}`]);
    }
    const own = scope.searches?.[type];
    if (own !== undefined) t.pairs.push(...searchPairs(own));
    out.set(type, t);
  }
  return out;
}

/**
 * What identifies a scope between runs, stored with the checkpoints: a change (another patient list, Group
 * membership, study, window definition or search) makes the next cycle drop what left and pull what came in. A
 * sliding window's moving start is not part of it (it is swept every cycle).
 * @see https://hl7.org/fhir/R5/http.html#history
 */
export function scopeFingerprint(scope: SyncScope, types: readonly string[], groupPatients: string[] | undefined): string {
  return JSON.stringify({
    types: [...types].sort(),
    patients: scope.patients ? [...new Set(scope.patients.map(patientId))].sort() : undefined,
    group: scope.group,
    groupPatients: groupPatients ? [...new Set(groupPatients)].sort() : undefined,
    studies: scope.studies ? [...scope.studies].sort() : undefined,
    issued: scope.issued,
    searches: scope.searches ? Object.entries(scope.searches).sort(([a], [b]) => a.localeCompare(b)) : undefined,
  });
}

/**
 * A search URL of a type under its criteria (`Type?pairs&_count=n`).
 * @see https://hl7.org/fhir/R5/search.html#count
 */
export function scopedSearchUrl(type: string, t: TypeScope, count: number): string {
  const q = new URLSearchParams([...t.pairs, ['_count', String(count)]]);
  return `${type}?${q.toString()}`;
}

/**
 * The Bulk Data kick-off of a scoped first sync: the level (`Group/[id]/$export` for a group, `Patient/$export` with
 * `patient` for patients, else `$export`), `_type`, and per type a `_typeFilter` with the criteria the level does
 * not already express (a compartment level exports only the types in the compartment: `types`). `offers(level)` says whether the server's CapabilityStatement offers that level; when the
 * compartment level is not offered, system level carries the patient criteria in `_typeFilter` too. Undefined when
 * no level fits.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#query-parameters
 */
export function scopedExport(
  scope: SyncScope,
  types: readonly string[],
  compiled: Map<string, TypeScope>,
  offers: (level: 'system' | 'patient' | 'group') => boolean,
): { path: string; parameters: ExportParameter[]; types: string[] } | undefined {
  const level = scope.group !== undefined && offers('group') ? 'group' : scope.patients !== undefined && scope.group === undefined && offers('patient') ? 'patient' : offers('system') ? 'system' : undefined;
  if (level === undefined) return undefined;
  // A compartment export holds only compartment types: the others (reference data) are first-synced by search.
  const exported = level === 'system' ? [...types] : types.filter((t) => compiled.get(t)?.compartment === true);
  if (exported.length === 0) return undefined;
  const parameters: ExportParameter[] = [{ name: '_type', valueString: exported.join(',') }];
  if (level !== 'system' && scope.patients !== undefined) {
    for (const p of new Set(scope.patients.map(patientId))) parameters.push({ name: 'patient', valueReference: { reference: `Patient/${p}` } });
  }
  for (const type of exported) {
    const t = compiled.get(type);
    if (t === undefined) continue;
    const filter = level === 'system' ? t.pairs : t.pairs.filter((p) => !t.patientPairs.includes(p));
    if (filter.length > 0) parameters.push({ name: '_typeFilter', valueString: `${type}?${new URLSearchParams(filter).toString()}` });
  }
  const path = level === 'group' ? `Group/${encodeURIComponent(scope.group!)}/$export` : level === 'patient' ? 'Patient/$export' : '$export';
  return { path, parameters, types: exported };
}

/**
 * One parameter of a kick-off's `Parameters` body.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#bulk-data-kick-off-request
 */
export type ExportParameter = { name: string; valueString: string } | { name: string; valueReference: { reference: string } };
