import { badRequest } from '../errors/fhir-error.js';

/**
 * The subset of the server's resources a device keeps (`replicate({ scope })`). Every criterion given must hold
 * (AND); each applies to the synced types it can speak about and leaves the others alone (docs/sync.md#scope):
 * - `patients`, `group`: a type with a `patient` search parameter (else `subject`) keeps the resources of those
 *   patients; `Patient` keeps those patients (`_id`); a type with neither (Device, Practitioner, Organization…:
 *   reference data a selection points at) is kept whole.
 * - `studies`: `ImagingSelection` by `study-uid`, `ImagingStudy` by its `urn:dicom:uid` identifier.
 * - `issued`: a type with an `issued` date parameter, by `issued=ge…` / `issued=le…`.
 * - `searches`: the type's own FHIR search, AND-ed with the rest.
 * A resource that leaves the scope is removed from this device only, never deleted on the server.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#query-parameters
 * @see https://hl7.org/fhir/R5/search.html
 */
export interface SyncScope {
  /** Patient ids (`abc` or `Patient/abc`): the compartments kept. */
  patients?: string[];
  /** A Group id (a worklist): the compartments of its Patient members, read from the server at every cycle. */
  group?: string;
  /** DICOM Study Instance UIDs (`ImagingSelection.studyUid`). */
  studies?: string[];
  /**
   * A window on `issued`: fixed bounds (FHIR dateTimes), or the last ISO 8601 duration (`P30D`, `P1Y2M`,
   * `PT12H`) before the replication's clock, a window that slides: what it passes is removed locally.
   */
  issued?: { from?: string; to?: string } | { last: string };
  /** A FHIR search per synced type (`{ ImagingSelection: 'status=available' }`), without result parameters. */
  searches?: Record<string, string>;
}

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

/** What compiling a scope needs to know at the time of a cycle. */
export interface ScopeFacts {
  /** The replication's clock now (a sliding window is computed from it). */
  now: Date;
  /** The Group's Patient member ids, read from the server, when the scope names a group. */
  groupPatients?: string[];
  /** Whether `type` has a search parameter `code` (the local registry). */
  hasParameter: (type: string, code: string) => boolean;
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const OID = /^[0-2](?:\.(?:0|[1-9]\d*))+$/;
const DATE_TIME = /^\d{4}(?:-\d{2}(?:-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?)?)?$/;
const DURATION = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
/** Parameters that shape a result and select nothing: meaningless in a scope. */
const RESULT_PARAMETERS = /^_(?:count|sort|include|revinclude|summary|elements|total|contained|containedType|page|format|pretty)(?::|$)/;
const SCOPE_KEYS = ['patients', 'group', 'studies', 'issued', 'searches'];

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const fail = (where: string, why: string): never => {
  throw badRequest(`replicate: scope.${where} ${why}`, [`scope.${where}`]);
};

/** A patient id of the scope without its `Patient/` prefix. */
const patientId = (p: string): string => p.replace(/^Patient\//, '');

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
 * Checks a scope before anything starts: known criteria, ids, UIDs, dates and durations well formed, a window
 * whose start is not after its end, searches only on synced types, parsed by `parseSearch` (the store's own
 * parser, strict: an unknown parameter is refused) and free of result parameters, chains, `_has` and full text.
 * Throws a 400 {@link FhirError} naming the criterion.
 * @see https://hl7.org/fhir/R5/search.html#errors
 */
export function checkScope(scope: unknown, types: readonly string[], parseSearch?: (type: string, pairs: [string, string][]) => void): asserts scope is SyncScope {
  if (!isObject(scope)) fail('', `must be an object with patients, group, studies, issued or searches; got ${JSON.stringify(scope)}`);
  const s = scope as Record<string, unknown>;
  const unknown = Object.keys(s).find((k) => !SCOPE_KEYS.includes(k));
  if (unknown !== undefined) fail(unknown, `is not a scope criterion (patients, group, studies, issued, searches)`);
  if (s['patients'] !== undefined) {
    const p = s['patients'];
    if (!Array.isArray(p) || p.length === 0) fail('patients', 'must be a non-empty array of Patient ids');
    const bad = (p as unknown[]).find((x) => typeof x !== 'string' || !ID.test(patientId(x)));
    if (bad !== undefined) fail('patients', `holds ${JSON.stringify(bad)}, not a Patient id`);
  }
  if (s['group'] !== undefined && (typeof s['group'] !== 'string' || !ID.test(s['group']))) fail('group', `must be a Group id; got ${JSON.stringify(s['group'])}`);
  if (s['studies'] !== undefined) {
    const st = s['studies'];
    if (!Array.isArray(st) || st.length === 0) fail('studies', 'must be a non-empty array of Study Instance UIDs');
    const bad = (st as unknown[]).find((x) => typeof x !== 'string' || x.length > 64 || !OID.test(x));
    if (bad !== undefined) fail('studies', `holds ${JSON.stringify(bad)}, not a DICOM UID (digits and dots, at most 64 characters)`);
  }
  if (s['issued'] !== undefined) checkIssued(s['issued']);
  if (s['searches'] !== undefined) {
    const searches = s['searches'];
    if (!isObject(searches)) fail('searches', 'must be an object of resource type → search');
    for (const [type, query] of Object.entries(searches as Record<string, unknown>)) {
      if (!types.includes(type)) fail(`searches.${type}`, `is not one of the synced resourceTypes (${types.join(', ')})`);
      if (typeof query !== 'string') fail(`searches.${type}`, 'must be a search string such as status=available');
      const pairs = searchPairs(query as string);
      if (pairs.length === 0) fail(`searches.${type}`, 'has no criteria');
      for (const [name] of pairs) {
        if (RESULT_PARAMETERS.test(name)) fail(`searches.${type}`, `may not use the result parameter ${name}`);
        if (name.includes('.') || name.startsWith('_has') || name === '_text' || name === '_content' || name === '_filter' || name === '_query') {
          fail(`searches.${type}`, `may not use ${name}: a scope is checked on each resource alone (no chains, _has, full text)`);
        }
      }
      try {
        parseSearch?.(type, pairs);
      } catch (e) {
        fail(`searches.${type}`, `is not a valid search: ${(e as Error).message}`);
      }
    }
  }
  if (Object.keys(s).length === 0) fail('', 'is empty: leave scope out to sync everything');
}

function checkIssued(issued: unknown): void {
  if (!isObject(issued)) fail('issued', 'must be { from?, to? } or { last }');
  const i = issued as Record<string, unknown>;
  if ('last' in i) {
    if (Object.keys(i).length !== 1) fail('issued', 'takes either last or from/to, not both');
    windowStart(new Date(0), i['last'] as string);
    return;
  }
  const extra = Object.keys(i).find((k) => k !== 'from' && k !== 'to');
  if (extra !== undefined) fail(`issued.${extra}`, 'is not a window bound (from, to, last)');
  if (i['from'] === undefined && i['to'] === undefined) fail('issued', 'needs from, to or last');
  for (const bound of ['from', 'to'] as const) {
    const v = i[bound];
    if (v !== undefined && (typeof v !== 'string' || !DATE_TIME.test(v) || Number.isNaN(Date.parse(v.length === 4 ? `${v}-01-01` : v)))) {
      fail(`issued.${bound}`, `must be a FHIR dateTime such as 2025-01-31 or 2025-01-31T08:00:00Z; got ${JSON.stringify(v)}`);
    }
  }
  if (typeof i['from'] === 'string' && typeof i['to'] === 'string' && i['from'] > i['to'] && Date.parse(i['from']) > Date.parse(i['to'])) fail('issued', 'starts after it ends');
}

/** The name/value pairs of a search string (`a=1&b=2`, an optional leading `?`). */
export function searchPairs(query: string): [string, string][] {
  return [...new URLSearchParams(query.replace(/^\?/, '')).entries()].filter(([, v]) => v !== '');
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

/** A search URL of a type under its criteria (`Type?pairs&_count=n`). */
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
