import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Bundle, CapabilityStatement, CapabilityStatementRestResourceOperation } from 'fhir/r5';
import { FhirError, operationOutcome } from '../errors/fhir-error.js';
import type { FhirResponse } from '../rest/http.js';
import type { Store } from '../store.js';
import { runExportJob, type ExportFile, type ExportJob } from './bulk-job.js';
import { exportLevelOf, parametersAsQuery, parseExportParameters, requireRespondAsync } from './bulk-request.js';
import type { RequestGate } from './gate.js';

/** The Bulk Data IG's definitions of the three export operations. */
const DEFINITIONS = {
  system: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export',
  patient: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export',
  group: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export',
};
const FHIR_JSON = 'application/fhir+json; charset=utf-8';
/** Path segment under the FHIR base of the status and file endpoints (no resource type starts with `_`). */
const JOBS = '_bulk';
/** How long a kick-off waits for its job before answering 202 (a small export is then complete at the first poll). */
const KICK_OFF_WAIT_MS = 250;
/**
 * Longest a status request waits for a running job to end before it is answered 202: a client whose poll comes
 * while the job runs gets the manifest the moment the job ends, not a poll interval later. Below the 1 s
 * `Retry-After` this server asks, so a poll is never held longer than the client was told to wait anyway.
 */
const STATUS_WAIT_MS = 900;

/**
 * An answer that is a file on disk, streamed to the client.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#file-request
 */
export interface FileAnswer {
  status: 200;
  headers: Record<string, string>;
  /** The path of the NDJSON file. */
  file: string;
}

/**
 * Options of {@link BulkExports}.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#file-request
 */
export interface BulkExportOptions {
  /** The FHIR base URL (for the status and file URLs). */
  baseUrl: () => string;
  /** The server's request gate: the snapshot instant is taken with no write in flight. */
  gate: RequestGate;
  /** Whether requests need a bearer token (the manifest's `requiresAccessToken`). */
  requiresAccessToken: boolean;
  /** Lines per NDJSON file (default 10,000): a resumed download starts again at a file boundary. */
  maxFileResources?: number;
  /** Seconds a client is asked to wait between status requests (`Retry-After`, default 1). */
  retryAfterSeconds?: number;
  /** Receives a line when a job fails. */
  log: (line: string) => void;
}

/**
 * The Bulk Data `$export` operation of the server: kick-off at system, Patient and Group level, status polling,
 * NDJSON files written to a temporary directory, and cancel (DELETE). A job runs in the background; its files
 * are kept until it is deleted or the server closes.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html
 */
export class BulkExports {
  private readonly jobs = new Map<string, ExportJob>();
  /** Each running job's work, by job id: a status request waits for it, and closing the server for all of them. */
  private readonly runs = new Map<string, Promise<void>>();
  private root: string | undefined;

  constructor(private readonly options: BulkExportOptions) {}

  /**
   * Answers a request to the bulk endpoints (`path`: the decoded segments after the base), or undefined when it
   * is not one. A bad request is an OperationOutcome with its status.
   */
  async answer(
    store: Store,
    request: { method: string; path: string[]; query: [string, string][]; headers: Record<string, string | undefined>; body: string; rawUrl: string },
  ): Promise<FhirResponse | FileAnswer | undefined> {
    const level = exportLevelOf(request.path);
    const isJob = request.path[0] === JOBS && (request.path.length === 2 || request.path.length === 3);
    if (level === undefined && !isJob) return undefined;
    try {
      if (level !== undefined) {
        if (request.method !== 'GET' && request.method !== 'POST') throw new FhirError(405, { code: 'not-supported', diagnostics: `${request.method} is not allowed on $export` });
        requireRespondAsync(request.headers['prefer']);
        const lenient = /handling\s*=\s*lenient/i.test(request.headers['prefer'] ?? '');
        const params = request.method === 'POST' ? [...request.query, ...parametersAsQuery(request.body === '' ? undefined : JSON.parse(request.body))] : request.query;
        return await this.kickOff(store, parseExportParameters(level, params, lenient), request.rawUrl);
      }
      const job = this.jobs.get(request.path[1]!);
      if (job === undefined) throw new FhirError(404, { code: 'not-found', diagnostics: `No export job '${request.path[1]}' (finished jobs are kept until deleted)` });
      if (request.path.length === 3) {
        if (request.method !== 'GET' && request.method !== 'HEAD') throw new FhirError(405, { code: 'not-supported', diagnostics: `${request.method} is not allowed on an export file` });
        const file = [...job.output, ...job.errors].find((f) => f.name === request.path[2]);
        if (job.status !== 'complete' || file === undefined) throw new FhirError(404, { code: 'not-found', diagnostics: `Export job '${job.id}' has no file '${request.path[2]}'` });
        return { status: 200, headers: { 'Content-Type': 'application/fhir+ndjson' }, file: file.path };
      }
      if (request.method === 'DELETE') return this.cancel(job);
      if (request.method !== 'GET') throw new FhirError(405, { code: 'not-supported', diagnostics: `${request.method} is not allowed on an export status` });
      await this.ended(job.id, STATUS_WAIT_MS);
      return this.status(job);
    } catch (e) {
      if (e instanceof SyntaxError) return failure(new FhirError(400, { code: 'invalid', diagnostics: `The body is not JSON: ${e.message}` }));
      if (e instanceof FhirError) return failure(e);
      throw e;
    }
  }

  /** Starts a job and answers 202 with its status URL. */
  private async kickOff(store: Store, request: ExportJob['request'], rawUrl: string): Promise<FhirResponse> {
    if (request.level.kind === 'group') {
      const group = await store.handle({ method: 'GET', url: `Group/${request.level.id}` });
      if (group.status !== 200) return { status: group.status, headers: { 'Content-Type': FHIR_JSON }, body: group.body };
    }
    // A _typeFilter the store cannot search is refused now (400 with the search's own OperationOutcome), not in the job.
    for (const [type, filters] of request.typeFilters ?? []) {
      for (const filter of filters) {
        const tried = await store.handle({ method: 'GET', url: `${type}?${filter}&_count=0` });
        if (tried.status !== 200) return { status: tried.status, headers: { 'Content-Type': FHIR_JSON }, body: tried.body };
      }
    }
    // The snapshot instant is a history stamp taken alone at the gate: every write stamped before it has
    // committed, every later one is stamped after it (the server's clock is monotonic).
    const stamp = await this.options.gate.run(true, () => store.handle({ method: 'GET', url: '_history?_count=1' }));
    const transactionTime = (stamp.body as Bundle).meta?.lastUpdated ?? new Date().toISOString();
    const id = randomUUID();
    const dir = join(this.rootDir(), id);
    mkdirSync(dir);
    const base = this.options.baseUrl();
    const job: ExportJob = {
      id,
      request,
      requestUrl: absolute(rawUrl, base),
      transactionTime,
      status: 'running',
      dir,
      output: [],
      errors: [],
      progress: 'starting',
    };
    this.jobs.set(id, job);
    const run = runExportJob(job, store, { maxFileResources: this.options.maxFileResources ?? 10_000, cancelled: () => job.status === 'cancelled' }).then(
      () => {
        if (job.status === 'running') job.status = 'complete';
      },
      (e: unknown) => {
        if (job.status === 'cancelled') return;
        job.status = 'failed';
        job.failure = e instanceof FhirError ? e.outcome : operationOutcome([{ code: 'exception', diagnostics: `The export failed: ${(e as Error).message}` }]);
        this.options.log(`$export ${id} failed: ${(e as Error).stack ?? String(e)}`);
      },
    );
    this.runs.set(id, run);
    void run.finally(() => this.runs.delete(id));
    // A small export is done in a moment: answering once it is (or after KICK_OFF_WAIT_MS) saves the client a
    // Retry-After wait on its first status request. The answer is 202 either way.
    await this.ended(id, KICK_OFF_WAIT_MS);
    return {
      status: 202,
      headers: { 'Content-Location': `${base}/${JOBS}/${id}`, 'Content-Type': FHIR_JSON },
      body: operationOutcome([{ severity: 'information', code: 'informational', diagnostics: `Export started; poll ${base}/${JOBS}/${id}` }]),
    };
  }

  /** Waits until job `id` ends or `ms` pass, whichever comes first (at once when it is not running). */
  private async ended(id: string, ms: number): Promise<void> {
    const run = this.runs.get(id);
    if (run === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([run, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }

  /** 202 with `X-Progress` while the job runs, the manifest when complete, its OperationOutcome when failed. */
  private status(job: ExportJob): FhirResponse {
    if (job.status === 'running') {
      return { status: 202, headers: { 'X-Progress': job.progress, 'Retry-After': String(this.options.retryAfterSeconds ?? 1) } };
    }
    if (job.status === 'failed') return { status: 500, headers: { 'Content-Type': FHIR_JSON }, body: job.failure };
    const url = (f: ExportFile): string => `${this.options.baseUrl()}/${JOBS}/${job.id}/${f.name}`;
    const manifest = {
      transactionTime: job.transactionTime,
      request: job.requestUrl,
      requiresAccessToken: this.options.requiresAccessToken,
      output: job.output.map((f) => ({ type: f.type, url: url(f), count: f.count })),
      error: job.errors.map((f) => ({ type: f.type, url: url(f), count: f.count })),
    };
    return { status: 200, headers: { 'Content-Type': 'application/json' }, body: manifest };
  }

  /** Cancels a running job or deletes a finished one: its files go, and its URLs answer 404. */
  private cancel(job: ExportJob): FhirResponse {
    job.status = 'cancelled';
    this.jobs.delete(job.id);
    rmSync(job.dir, { recursive: true, force: true });
    return {
      status: 202,
      headers: { 'Content-Type': FHIR_JSON },
      body: operationOutcome([{ severity: 'information', code: 'informational', diagnostics: `Export job '${job.id}' deleted` }]),
    };
  }

  private rootDir(): string {
    this.root ??= mkdtempSync(join(os.tmpdir(), 'fhir-offline-store-export-'));
    return this.root;
  }

  /** Stops every job and deletes every file (the server is closing). */
  async close(): Promise<void> {
    for (const job of this.jobs.values()) job.status = 'cancelled';
    await Promise.allSettled([...this.runs.values()]);
    this.jobs.clear();
    if (this.root !== undefined) rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * The CapabilityStatement with the three export operations added (system level on `rest`, Patient and Group level
 * on their resources) and the IG's server CapabilityStatement in `instantiates`.
 * @see https://hl7.org/fhir/uv/bulkdata/CapabilityStatement-bulk-data.html
 */
export function withBulkExport(statement: CapabilityStatement): CapabilityStatement {
  const op = (definition: string): CapabilityStatementRestResourceOperation => ({ name: 'export', definition });
  return {
    ...statement,
    instantiates: [...(statement.instantiates ?? []), 'http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data'],
    rest: (statement.rest ?? []).map((rest) => ({
      ...rest,
      operation: [...(rest.operation ?? []), op(DEFINITIONS.system)],
      resource: (rest.resource ?? []).map((r) =>
        r.type === 'Patient' ? { ...r, operation: [...(r.operation ?? []), op(DEFINITIONS.patient)] } : r.type === 'Group' ? { ...r, operation: [...(r.operation ?? []), op(DEFINITIONS.group)] } : r,
      ),
    })),
  };
}

function failure(e: FhirError): FhirResponse {
  return { status: e.status, headers: { 'Content-Type': FHIR_JSON, ...e.headers }, body: e.outcome };
}

/** The request target as an absolute URL on the base's origin. */
function absolute(rawUrl: string, base: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(rawUrl) ? rawUrl : new URL(rawUrl, base).href;
}
