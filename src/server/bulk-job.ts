import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, CapabilityStatement, Group, OperationOutcome, Resource } from 'fhir/r5';
import { FhirError } from '../errors/fhir-error.js';
import { R5_RESOURCE_TYPES } from '../model/resource-types.js';
import type { FhirResponse } from '../rest/http.js';
import type { Store } from '../store.js';
import type { ExportRequest } from './bulk-request.js';

/**
 * One NDJSON file an export wrote.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export interface ExportFile {
  /** The resource type of every line (`OperationOutcome` for the error file). */
  type: string;
  /** The file's name, the last segment of its URL. */
  name: string;
  /** Where it is on disk. */
  path: string;
  /** Lines (resources) in it. */
  count: number;
}

/**
 * What a job is doing; `cancelled` jobs are forgotten, their files deleted.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export type ExportJobStatus = 'running' | 'complete' | 'failed' | 'cancelled';

/**
 * One export: its request, the instant its files stand at, and the files written so far.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export interface ExportJob {
  id: string;
  request: ExportRequest;
  /** The kick-off URL, absolute, as the manifest's `request` repeats it. */
  requestUrl: string;
  /** The server's clock when the export's snapshot was taken: no file holds a version newer than it. */
  transactionTime: string;
  status: ExportJobStatus;
  /** The directory of its files. */
  dir: string;
  output: ExportFile[];
  /** The file of OperationOutcomes (one per type that could not be exported), when there were any. */
  errors: ExportFile[];
  /** What `X-Progress` says while it runs. */
  progress: string;
  /** Why it failed, when `status` is `failed`. */
  failure?: OperationOutcome;
}

/** Resources per search page the job reads. */
const PAGE = 1000;
/** Patient ids per compartment search (the store takes up to 5,000 OR values of one parameter). */
const PATIENTS_PER_QUERY = 500;

/**
 * Options of {@link runExportJob}.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
 */
export interface ExportJobOptions {
  /** Lines per file before the next file of the same type starts. */
  maxFileResources: number;
  /** Whether the job was cancelled: checked between pages. */
  cancelled: () => boolean;
}

/**
 * Writes the NDJSON files of an export job, one search page at a time (bounded memory: a page of 1,000 and the
 * write stream's buffer), with the store's own search. A resource whose `meta.lastUpdated` is after
 * `transactionTime` is left out, and a client catches it up from `_history` since that instant, so the export and
 * that catch-up together miss nothing.
 * The Patient compartment (Patient and Group level) is, here, the Patient resources themselves and the resources
 * of the asked types that point at one of the patients through their `patient` search parameter, else through
 * `subject` (ImagingSelection: `subject` when it is a Patient); a type with neither is not in it.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#bulk-data-output-file-request
 */
export async function runExportJob(job: ExportJob, store: Store, options: ExportJobOptions): Promise<void> {
  const patients = job.request.level.kind === 'system' ? undefined : await compartmentPatients(job, store);
  const types = job.request.types ?? (await typesWithData(store, job.request.level.kind === 'system'));
  const parameters = patients === undefined ? undefined : await searchParameterNames(store);
  const writer = new FileRoller(job, options.maxFileResources);
  const snapshot = Date.parse(job.transactionTime);
  try {
    for (const type of types) {
      if (options.cancelled()) return;
      const queries = withTypeFilters(patients === undefined ? [''] : compartmentQueries(type, patients, parameters!), job.request.typeFilters?.get(type));
      // A resource pointing at patients of two id chunks matches two queries: each is written once.
      const seen = queries.length > 1 ? new Set<string>() : undefined;
      for (const criteria of queries) {
        let url: string | undefined = searchUrl(type, criteria, job);
        while (url !== undefined) {
          if (options.cancelled()) return;
          const answer: FhirResponse = await store.handle({ method: 'GET', url });
          if (answer.status !== 200) {
            await writer.error(answer.body as OperationOutcome);
            break;
          }
          const bundle = answer.body as Bundle;
          for (const e of bundle.entry ?? []) {
            const r = e.resource;
            if (r === undefined || e.search?.mode === 'outcome' || r.resourceType !== type || afterSnapshot(r, snapshot)) continue;
            if (seen !== undefined) {
              if (seen.has(r.id!)) continue;
              seen.add(r.id!);
            }
            await writer.write(type, r);
          }
          job.progress = `exporting ${type}: ${writer.written(type)} resources written`;
          url = bundle.link?.find((l) => l.relation === 'next')?.url;
        }
      }
    }
  } finally {
    await writer.close();
  }
}

/**
 * The search of one type's part of the export: its criteria and `_since`, in the store's keyset order. The snapshot
 * bound is checked on each resource (see {@link afterSnapshot}), not searched: a date clause that matches nearly
 * every row costs the planner far more than the comparison.
 */
function searchUrl(type: string, criteria: string, job: ExportJob): string {
  const since = job.request.since !== undefined ? `_lastUpdated=gt${encodeURIComponent(job.request.since)}&` : '';
  return `${type}?${criteria}${criteria ? '&' : ''}${since}_count=${PAGE}`;
}

/**
 * Whether a resource changed after the snapshot instant: left out of the files (the client's `_history` catch-up
 * from `transactionTime` brings it). Keyset paging never shows a resource twice in one walk: one changed during
 * the walk is either behind the cursor already (its old version written) or met later with its new time (skipped).
 */
const afterSnapshot = (r: Resource, transactionTime: number): boolean => Date.parse(r.meta?.lastUpdated ?? '') > transactionTime;

/**
 * Each compartment query AND-ed with each `_typeFilter` search of the type (a resource matching one filter is
 * exported: the filters are OR-ed, so a resource matching two is met twice and written once).
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#_typefilter-query-parameter
 */
function withTypeFilters(queries: string[], filters: string[] | undefined): string[] {
  if (filters === undefined || filters.length === 0) return queries;
  return queries.flatMap((q) => filters.map((f) => (q === '' ? f : `${q}&${f}`)));
}

/** The criteria that select `type`'s part of the patients' compartments, in chunks of patient ids. */
function compartmentQueries(type: string, patients: string[], parameters: Map<string, Set<string>>): string[] {
  const chunks: string[][] = [];
  for (let i = 0; i < patients.length; i += PATIENTS_PER_QUERY) chunks.push(patients.slice(i, i + PATIENTS_PER_QUERY));
  if (type === 'Patient') return chunks.map((c) => `_id=${c.map(encodeURIComponent).join(',')}`);
  const names = parameters.get(type);
  const parameter = names?.has('patient') ? 'patient' : names?.has('subject') ? 'subject' : undefined;
  if (parameter === undefined) return [];
  return chunks.map((c) => `${parameter}=${c.map((id) => encodeURIComponent(`Patient/${id}`)).join(',')}`);
}

/**
 * The patients of a Patient-level export (every one, or those of `patient`) or of a Group-level export (the Group's
 * Patient members, and of them those of `patient` when given).
 */
async function compartmentPatients(job: ExportJob, store: Store): Promise<string[]> {
  const all = await allCompartmentPatients(job, store);
  const only = job.request.patients;
  return only === undefined ? all : all.filter((id) => only.includes(id));
}

async function allCompartmentPatients(job: ExportJob, store: Store): Promise<string[]> {
  const level = job.request.level;
  if (level.kind === 'patient' && job.request.patients !== undefined) return job.request.patients;
  if (level.kind === 'group') {
    const answer = await store.handle({ method: 'GET', url: `Group/${level.id}` });
    if (answer.status !== 200) throw new FhirError(answer.status, answer.body as OperationOutcome);
    const ids = new Set<string>();
    for (const m of (answer.body as Group).member ?? []) {
      const id = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(m.entity.reference ?? '')?.[1];
      if (id !== undefined) ids.add(id);
    }
    return [...ids];
  }
  const ids: string[] = [];
  // Every patient: one created after the snapshot instant adds nothing, its resources are checked against it too.
  let url: string | undefined = `Patient?_count=${PAGE}&_elements=id`;
  while (url !== undefined) {
    const answer = await store.handle({ method: 'GET', url });
    const bundle = answer.body as Bundle;
    for (const e of bundle.entry ?? []) if (e.resource?.resourceType === 'Patient' && e.resource.id !== undefined) ids.push(e.resource.id);
    url = bundle.link?.find((l) => l.relation === 'next')?.url;
  }
  return ids;
}

/** Every type that holds a resource (the types of an export without `_type`); with `system` false, those of a compartment too. */
async function typesWithData(store: Store, system: boolean): Promise<string[]> {
  const types: string[] = [];
  for (const type of R5_RESOURCE_TYPES) {
    const answer = await store.handle({ method: 'GET', url: `${type}?_summary=count` });
    if (answer.status === 200 && ((answer.body as Bundle).total ?? 0) > 0) types.push(type);
  }
  return system ? types : types.filter((t) => t !== 'Group');
}

/** The search parameter names of every type, from the store's CapabilityStatement. */
async function searchParameterNames(store: Store): Promise<Map<string, Set<string>>> {
  const statement = (await store.handle({ method: 'GET', url: 'metadata' })).body as CapabilityStatement;
  const names = new Map<string, Set<string>>();
  for (const r of statement.rest?.[0]?.resource ?? []) names.set(r.type, new Set((r.searchParam ?? []).map((p) => p.name)));
  return names;
}

/** Writes lines into the job's files, a new file per type and every `max` lines, waiting when the disk is behind. */
class FileRoller {
  private stream: WriteStream | undefined;
  private current: ExportFile | undefined;
  private readonly perType = new Map<string, number>();
  /** The file being written, listed in the job's output once it is complete. */
  private pending: ExportFile | undefined;
  private errorFile: { file: ExportFile; stream: WriteStream } | undefined;

  constructor(
    private readonly job: ExportJob,
    private readonly max: number,
  ) {}

  written(type: string): number {
    return this.perType.get(type) ?? 0;
  }

  async write(type: string, resource: Resource): Promise<void> {
    if (this.current === undefined || this.current.type !== type || this.current.count >= this.max) await this.roll(type);
    this.current!.count++;
    this.perType.set(type, this.written(type) + 1);
    await writeLine(this.stream!, JSON.stringify(resource));
  }

  async error(outcome: OperationOutcome): Promise<void> {
    if (this.errorFile === undefined) {
      const file: ExportFile = { type: 'OperationOutcome', name: 'errors.ndjson', path: join(this.job.dir, 'errors.ndjson'), count: 0 };
      this.errorFile = { file, stream: createWriteStream(file.path) };
      this.job.errors.push(file);
    }
    this.errorFile.file.count++;
    await writeLine(this.errorFile.stream, JSON.stringify(outcome));
  }

  private async roll(type: string): Promise<void> {
    await this.endCurrent();
    const n = this.job.output.filter((f) => f.type === type).length + 1;
    const name = `${type}-${n}.ndjson`;
    this.current = { type, name, path: join(this.job.dir, name), count: 0 };
    this.stream = createWriteStream(this.current.path);
    // Listed once it is complete: the manifest only ever names finished files.
    this.pending = this.current;
  }

  private async endCurrent(): Promise<void> {
    if (this.stream !== undefined) await end(this.stream);
    if (this.pending !== undefined) this.job.output.push(this.pending);
    this.stream = undefined;
    this.pending = undefined;
  }

  async close(): Promise<void> {
    await this.endCurrent();
    if (this.errorFile !== undefined) await end(this.errorFile.stream);
  }
}

function writeLine(stream: WriteStream, line: string): Promise<void> {
  if (stream.write(`${line}\n`)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onError = (e: unknown): void => {
      stream.off('drain', onDrain);
      reject(e);
    };
    const onDrain = (): void => {
      stream.off('error', onError);
      resolve();
    };
    stream.once('drain', onDrain);
    stream.once('error', onError);
  });
}

function end(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}
