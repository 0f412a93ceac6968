import { badRequest, FhirError } from '../errors/fhir-error.js';
import { isResourceType } from '../model/resource-types.js';

/**
 * The level an export was asked at: the whole server, every patient, or the patients of one Group.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#query-parameters
 */
export type ExportLevel = { kind: 'system' } | { kind: 'patient' } | { kind: 'group'; id: string };

/**
 * A kick-off request, checked: what to export.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#query-parameters
 */
export interface ExportRequest {
  level: ExportLevel;
  /** `_type`: the types asked for, in order; undefined for every type with data. */
  types?: string[];
  /** `_since`: only resources changed after this instant. */
  since?: string;
  /** `patient` (Patient and Group level): only the compartments of these Patient ids. */
  patients?: string[];
  /** `_typeFilter`: per type, searches (`name=value&…`) of which a resource must match one (OR). */
  typeFilters?: Map<string, string[]>;
}

/** The `_outputFormat` values the Bulk Data IG says a server must take as NDJSON. */
const NDJSON_FORMATS = new Set(['application/fhir+ndjson', 'application/ndjson', 'ndjson']);
/** An instant as FHIR writes it, with its time zone. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The path of a kick-off request (`$export`, `Patient/$export`, `Group/[id]/$export`, path segments already
 * decoded), or undefined when the path is not one.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#endpoint---system-level-export
 */
export function exportLevelOf(path: string[]): ExportLevel | undefined {
  if (path.length === 1 && path[0] === '$export') return { kind: 'system' };
  if (path.length === 2 && path[0] === 'Patient' && path[1] === '$export') return { kind: 'patient' };
  if (path.length === 3 && path[0] === 'Group' && path[2] === '$export' && /^[A-Za-z0-9\-.]{1,64}$/.test(path[1]!)) return { kind: 'group', id: path[1]! };
  return undefined;
}

/**
 * The parameters of a kick-off: from the query of a GET, or from a `Parameters` body of a POST. `_type` (a comma
 * separated list, may repeat), `_since` (an instant), `_outputFormat` (NDJSON), `patient` (Patient and Group level:
 * `Patient/[id]` references, comma separated or repeated) and `_typeFilter` (`[type]?[search]`, may repeat: a
 * resource of the type is exported when it matches one of them) are taken; any other parameter is a
 * 400 unless `lenient` (`Prefer: handling=lenient`), as the IG asks of a server that does not support it.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#query-parameters
 */
export function parseExportParameters(level: ExportLevel, query: [string, string][], lenient: boolean): ExportRequest {
  const request: ExportRequest = { level };
  for (const [name, value] of query) {
    if (name === '_type') {
      const types = value.split(',').map((t) => t.trim()).filter((t) => t !== '');
      const unknown = types.filter((t) => !isResourceType(t));
      if (unknown.length > 0) throw badRequest(`_type names no R5 resource type: ${unknown.join(', ')}`, ['_type']);
      request.types = [...new Set([...(request.types ?? []), ...types])];
    } else if (name === '_since') {
      if (request.since !== undefined) throw badRequest('_since may appear only once', ['_since']);
      if (!INSTANT.test(value) || Number.isNaN(Date.parse(value))) throw badRequest(`_since must be an instant with a time zone, got '${value}'`, ['_since']);
      request.since = value;
    } else if (name === 'patient') {
      if (level.kind === 'system') throw badRequest('patient applies to Patient and Group level exports, not to a system level one', ['patient']);
      for (const ref of value.split(',').map((r) => r.trim()).filter((r) => r !== '')) {
        const id = /^(?:.*\/)?Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(ref)?.[1];
        if (id === undefined) throw badRequest(`patient must reference a Patient (Patient/[id]), got '${ref}'`, ['patient']);
        request.patients = [...new Set([...(request.patients ?? []), id])];
      }
    } else if (name === '_typeFilter') {
      const m = /^([A-Za-z]+)\?(.+)$/.exec(value);
      if (m === null || !isResourceType(m[1]!)) throw badRequest(`_typeFilter must be [type]?[search], got '${value}'`, ['_typeFilter']);
      const filters = (request.typeFilters ??= new Map());
      filters.set(m[1]!, [...(filters.get(m[1]!) ?? []), m[2]!]);
    } else if (name === '_outputFormat') {
      if (!NDJSON_FORMATS.has(value)) throw badRequest(`_outputFormat '${value}' is not supported; this server writes application/fhir+ndjson`, ['_outputFormat']);
    } else if (!lenient) {
      throw badRequest(`The export parameter '${name}' is not supported (send Prefer: handling=lenient to have it ignored)`, [name]);
    }
  }
  const unasked = [...(request.typeFilters?.keys() ?? [])].filter((t) => request.types !== undefined && !request.types.includes(t));
  if (unasked.length > 0) throw badRequest(`_typeFilter names ${unasked.join(', ')}, not in _type`, ['_typeFilter']);
  return request;
}

/**
 * The parameters of a POST kick-off: a `Parameters` resource whose `parameter`s carry `valueString`,
 * `valueInstant`, `valueCode` or (`patient`) `valueReference`, as query pairs.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#bulk-data-kick-off-request
 */
export function parametersAsQuery(body: unknown): [string, string][] {
  const p = body as { resourceType?: unknown; parameter?: unknown } | undefined;
  if (p === undefined) return [];
  if (typeof p !== 'object' || p === null || p.resourceType !== 'Parameters') throw badRequest('The body of a POST $export must be a Parameters resource');
  const out: [string, string][] = [];
  for (const item of Array.isArray(p.parameter) ? (p.parameter as Record<string, unknown>[]) : []) {
    const reference = (item['valueReference'] as { reference?: unknown } | undefined)?.reference;
    const value = item['valueString'] ?? item['valueInstant'] ?? item['valueCode'] ?? item['valueDateTime'] ?? reference;
    if (typeof item['name'] !== 'string' || typeof value !== 'string') throw badRequest('Each $export parameter needs a name and a string, code, instant or reference value');
    out.push([item['name'], value]);
  }
  return out;
}

/** Checks `Prefer: respond-async`, which the IG requires of a kick-off. */
export function requireRespondAsync(prefer: string | undefined): void {
  if (!/(^|[,;\s])respond-async(\s*($|[,;]))/i.test(prefer ?? '')) {
    throw new FhirError(400, { code: 'invalid', diagnostics: '$export runs asynchronously: send Prefer: respond-async' });
  }
}
