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
  issued?:
    | {
        /** The window's start, a FHIR dateTime (`issued=ge…`). */
        from?: string;
        /** The window's end, a FHIR dateTime (`issued=le…`). */
        to?: string;
      }
    | {
        /** An ISO 8601 duration before the replication's clock: the window slides with it. */
        last: string;
      };
  /** A FHIR search per synced type (`{ ImagingSelection: 'status=available' }`), without result parameters. */
  searches?: Record<string, string>;
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const OID = /^[0-2](?:\.(?:0|[1-9]\d*))+$/;
const DATE_TIME = /^\d{4}(?:-\d{2}(?:-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?)?)?$/;
/**
 * An ISO 8601 duration (`P30D`, `P1Y2M`, `PT12H`): years, months, weeks, days, hours, minutes, seconds.
 * @see https://en.wikipedia.org/wiki/ISO_8601#Durations
 */
export const DURATION = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
/** Parameters that shape a result and select nothing: meaningless in a scope. */
const RESULT_PARAMETERS = /^_(?:count|sort|include|revinclude|summary|elements|total|contained|containedType|page|format|pretty)(?::|$)/;
const SCOPE_KEYS = ['patients', 'group', 'studies', 'issued', 'searches'];

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const fail = (where: string, why: string): never => {
  throw badRequest(`replicate: scope.${where} ${why}`, [`scope.${where}`]);
};

/**
 * A patient id of the scope without its `Patient/` prefix.
 * @see https://hl7.org/fhir/R5/references.html#literal
 */
export const patientId = (p: string): string => p.replace(/^Patient\//, '');

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
    if (typeof i['last'] !== 'string' || !DURATION.test(i['last'])) fail('issued.last', `must be an ISO 8601 duration such as P30D or PT12H; got ${JSON.stringify(i['last'])}`);
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

/**
 * The name/value pairs of a search string (`a=1&b=2`, an optional leading `?`).
 * @see https://hl7.org/fhir/R5/search.html
 */
export function searchPairs(query: string): [string, string][] {
  return [...new URLSearchParams(query.replace(/^\?/, '')).entries()].filter(([, v]) => v !== '');
}

