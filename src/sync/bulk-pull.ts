import type { CapabilityStatement, OperationOutcome, Resource } from 'fhir/r5';
import type { Mutation } from '../storage/port.js';
import { saveCheckpoint } from '../storage/replica-mutations.js';
import type { BulkSyncProgress, CheckpointRow } from '../storage/rows.js';
import { describeAnswer, NetworkError, RetryableAnswerError, retryAfterMs, type FhirClient, type RemoteResponse } from './client.js';
import type { SyncContext } from './context.js';
import type { RemoteVersion } from './decide.js';
import type { SyncEnvironment } from './environment.js';
import { RetryableError } from './errors.js';
import type { BulkExportOptions, ConflictPolicy } from './options.js';
import { applyPage, type PullReport } from './pull.js';
import type { ExportParameter } from './scope.js';

/**
 * The first wait between status requests (the `pollInterval` default). Short, since the wait doubles: a job done
 * in a second (this package's server exports 10,000 resources in about 1.5 s) is not then waited on for a
 * whole `Retry-After` more.
 */
const DEFAULT_POLL_MS = 250;
/** Where the doubling wait stops when the server gives no `Retry-After` (unless `pollInterval` is longer). */
const UNHINTED_MAX_POLL_MS = 5000;
/** 429/503 answers in a row while polling before the cycle fails (and backs off). */
const MAX_BUSY_ANSWERS = 30;

/**
 * What the bulk first sync needs besides the store and the client.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html
 */
export interface BulkPullOptions {
  baseUrl: string;
  /** Resources per write transaction. */
  chunkSize: number;
  marginMs: number;
  /** The replication's `bulkExport` option (an object: on, with these settings). */
  settings: BulkExportOptions;
  env: SyncEnvironment;
  /**
   * Told when a file starts and after each chunk, for `progress$`: the exported lines written so far and, when every
   * file of the manifest has its `count`, their total.
   */
  onProgress: (type: string, done: number, total: number | undefined) => void;
  /**
   * A scoped replication's kick-off (docs/sync.md#scope): the level, `patient` and `_typeFilter` parameters and the
   * types it exports for the types to first-sync, given the server's CapabilityStatement; undefined when the server
   * offers no level that fits (the scoped search then does the first sync).
   */
  scoped?: (statement: CapabilityStatement, types: string[]) => { path: string; parameters: ExportParameter[]; types: string[] } | undefined;
}

/**
 * The export levels the server's CapabilityStatement offers: `$export` on `rest` (system), on `Patient`, on `Group`.
 * @see https://hl7.org/fhir/uv/bulkdata/CapabilityStatement-bulk-data.html
 */
export function offeredExportLevels(statement: CapabilityStatement): Set<'system' | 'patient' | 'group'> {
  const rest = statement.rest?.find((r) => r.mode === 'server') ?? statement.rest?.[0];
  const isExport = (op: { name: string; definition: string }): boolean => op.name === 'export' || /\/(?:patient-|group-)?export$/.test(op.definition);
  const onType = (type: string): boolean => (rest?.resource?.find((r) => r.type === type)?.operation ?? []).some(isExport);
  const levels = new Set<'system' | 'patient' | 'group'>();
  if ((rest?.operation ?? []).some(isExport)) levels.add('system');
  if (onType('Patient')) levels.add('patient');
  if (onType('Group')) levels.add('group');
  return levels;
}

/**
 * The kick-off path of the export level the settings ask for, if the server's CapabilityStatement offers it.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html
 */
export function exportPath(statement: CapabilityStatement, settings: BulkExportOptions): string | undefined {
  const levels = offeredExportLevels(statement);
  if (settings.group !== undefined) return levels.has('group') ? `Group/${encodeURIComponent(settings.group)}/$export` : undefined;
  if (settings.level === 'patient') return levels.has('patient') ? 'Patient/$export' : undefined;
  return levels.has('system') ? '$export' : undefined;
}

/**
 * The first sync of the types that have no checkpoint yet, by Bulk Data `$export` when the server offers it:
 * kick-off with `_type`, status polling (backing off up to the server's `Retry-After`, and waiting out 429/503 as
 * asked; see {@link inProgressWaitMs}), then each NDJSON file
 * streamed into write transactions of `chunkSize` resources through the same `applyPage` the `_history` pull uses.
 * Each transaction commits, with its resources, where the sync stands (`BulkSyncProgress`, kept under the key
 * `${baseUrl}|$export`): an interrupted sync polls the same job again and downloads no finished file twice. When
 * every file is written, each type's checkpoint becomes the export's `transactionTime` minus the margin, so the
 * `_history` pull that follows catches up with what changed during and after the export. Returns without doing
 * anything (the `_history` pull does the first sync) when every type has a checkpoint, when the server offers no
 * export at the asked level, or when the kick-off or the job is refused.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html
 */
export async function bulkFirstSync(
  ctx: SyncContext,
  client: FhirClient,
  policy: ConflictPolicy,
  types: string[],
  options: BulkPullOptions,
  report: PullReport,
): Promise<void> {
  const key = `${options.baseUrl}|$export`;
  let progress = (await ctx.storage.checkpoint(key))?.bulk;
  if (progress === undefined) {
    const firstSync: string[] = [];
    for (const type of types) if ((await ctx.storage.checkpoint(`${options.baseUrl}|${type}`)) === undefined) firstSync.push(type);
    if (firstSync.length === 0) return;
    const started = await kickOff(client, firstSync, options);
    if (started === undefined) return;
    progress = { status: started.status, types: started.types, done: [] };
    await save(ctx, key, progress);
  }
  if (progress.files === undefined || progress.transactionTime === undefined) {
    const manifest = await waitForManifest(client, progress, options);
    if (manifest === 'gone') {
      // The job is gone (expired, deleted) or failed: forget it; the `_history` pull does the first sync.
      await ctx.storage.commit(() => ({ mutations: [saveCheckpoint({ key })] }));
      return;
    }
    progress = { ...progress, ...manifest };
    await save(ctx, key, progress);
  }
  const files = progress.files ?? [];
  // Lines of the finished files, for progress: a resumed sync starts where the interrupted one stood.
  const doneBefore = progress.done;
  let finished = files.filter((f) => doneBefore.includes(f.url)).reduce((n, f) => n + (f.count ?? 0), 0);
  const total = files.every((f) => f.count !== undefined) ? files.reduce((n, f) => n + f.count!, 0) : undefined;
  for (const file of files) {
    if (progress.done.includes(file.url)) continue;
    const tell = (lines: number): void => options.onProgress(file.type, finished + lines, total === undefined ? undefined : Math.max(total, finished + lines));
    tell(progress.current?.url === file.url ? progress.current.lines : 0);
    progress = await writeFile(ctx, client, policy, key, progress, file, options.chunkSize, report, tell);
    finished += file.count ?? 0;
  }
  const since = new Date(Date.parse(progress.transactionTime!) - options.marginMs).toISOString();
  // One transaction: every type's checkpoint moves to the export's instant, and the sync in progress is forgotten.
  await ctx.storage.commit(() => ({
    mutations: [...progress.types.map((type) => saveCheckpoint({ key: `${options.baseUrl}|${type}`, since })), saveCheckpoint({ key })],
  }));
}

/**
 * Asks for the export; the status URL and the types exported, or undefined when the server offers none or refuses
 * this one. A scoped kick-off is a POST of a `Parameters` body (the IG's form for `patient`).
 */
async function kickOff(client: FhirClient, types: string[], options: BulkPullOptions): Promise<{ status: string; types: string[] } | undefined> {
  const metadata = await client.send('GET', 'metadata');
  const statement = metadata.body as CapabilityStatement | undefined;
  if (metadata.status !== 200 || statement?.resourceType !== 'CapabilityStatement') return undefined;
  const headers = { Prefer: 'respond-async', Accept: 'application/fhir+json' };
  let res: RemoteResponse;
  if (options.scoped !== undefined) {
    const scoped = options.scoped(statement, types);
    if (scoped === undefined) return undefined;
    types = scoped.types;
    res = await client.send('POST', scoped.path, { resourceType: 'Parameters', parameter: scoped.parameters }, headers);
  } else {
    const path = exportPath(statement, options.settings);
    if (path === undefined) return undefined;
    res = await client.send('GET', `${path}?_type=${types.map(encodeURIComponent).join(',')}`, undefined, headers);
  }
  const location = res.headers.get('content-location');
  return res.status === 202 && location ? { status: location, types } : undefined;
}

/** The manifest's part that the sync keeps. */
type Manifest = Pick<BulkSyncProgress, 'transactionTime' | 'files' | 'requiresAccessToken'>;

/**
 * The wait before the next status request after the `attempt`-th (from 0) "in progress" answer: the poll interval
 * doubling with each one (the exponential backoff the Bulk Data spec asks of clients), never longer than the
 * server's `Retry-After`, which "informs" the timing. A server that always asks for the same long wait (HAPI FHIR
 * sends `Retry-After: 120` whatever the job) thus costs a small export seconds, not minutes, and a long one few
 * requests. Without `Retry-After` the doubling stops at 5 s (or at the poll interval, when that is longer).
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#bulk-data-status-request
 */
export function inProgressWaitMs(attempt: number, pollIntervalMs: number, retryAfter: number | undefined): number {
  const cap = retryAfter ?? Math.max(pollIntervalMs, UNHINTED_MAX_POLL_MS);
  return Math.min(cap, pollIntervalMs * 2 ** Math.min(attempt, 30));
}

/** IssueType codes under `transient`: a status request that failed without the job failing. */
const TRANSIENT = new Set(['transient', 'lock-error', 'no-store', 'exception', 'timeout', 'incomplete', 'throttled']);

/**
 * True when an error answer to a status request reports the export job itself failed: an OperationOutcome none of
 * whose issues is transient (the spec asks servers to mark a mere polling failure `transient`). Anything else (no
 * OperationOutcome, a proxy's error page) is taken as transient and polled again.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---error-status-1
 */
export function jobFailed(body: unknown): boolean {
  const outcome = body as OperationOutcome | undefined;
  if (outcome?.resourceType !== 'OperationOutcome' || !Array.isArray(outcome.issue) || outcome.issue.length === 0) return false;
  return outcome.issue.every((i) => !TRANSIENT.has(i.code));
}

/** Polls the status URL until the manifest comes; `gone` when the job is unknown or failed. */
async function waitForManifest(client: FhirClient, progress: BulkSyncProgress, options: BulkPullOptions): Promise<Manifest | 'gone'> {
  const interval = options.settings.pollInterval ?? DEFAULT_POLL_MS;
  let busy = 0;
  let inProgress = 0;
  for (;;) {
    let res: RemoteResponse;
    try {
      res = await client.send('GET', progress.status, undefined, { Accept: 'application/json' });
      busy = 0;
    } catch (e) {
      // An error answer whose OperationOutcome has no transient issue says the job failed (HAPI answers 500 with
      // `processing` when, say, a type has no Patient compartment): the `_history` pull does the first sync.
      if (e instanceof RetryableAnswerError && e.answer.status !== 429 && jobFailed(e.answer.body)) return 'gone';
      // 429 and 503 ask the client to slow down: wait as asked and poll again. No answer at all fails the cycle.
      if (!(e instanceof RetryableError) || e instanceof NetworkError || ++busy > MAX_BUSY_ANSWERS) throw e;
      // (Unlike the Retry-After of a 202, this one is the server saying "too often": it is followed as is.)
      await wait(options.env, e.retryAfterMs ?? interval);
      continue;
    }
    if (res.status === 202) {
      await wait(options.env, inProgressWaitMs(inProgress++, interval, retryAfterMs(res, options.env.clock().getTime())));
      continue;
    }
    if (res.status !== 200) return 'gone';
    const body = res.body as { transactionTime?: unknown; output?: unknown; requiresAccessToken?: unknown } | undefined;
    if (typeof body?.transactionTime !== 'string' || Number.isNaN(Date.parse(body.transactionTime)) || !Array.isArray(body.output)) {
      throw new RetryableError(`${describeAnswer(res)}: expected a Bulk Data manifest with transactionTime and output`);
    }
    const files = (body.output as { type?: unknown; url?: unknown; count?: unknown }[])
      .filter((o): o is { type: string; url: string; count?: unknown } => typeof o.type === 'string' && typeof o.url === 'string' && progress.types.includes(o.type))
      // `count` (optional in the IG) gives progress$ its total.
      .map((o) => ({ type: o.type, url: o.url, ...(Number.isSafeInteger(o.count) && (o.count as number) >= 0 ? { count: o.count as number } : {}) }));
    return { transactionTime: body.transactionTime, files, requiresAccessToken: body.requiresAccessToken === true };
  }
}

/**
 * Streams one NDJSON file into write transactions of `chunkSize` resources, each committed with the number of
 * lines done; a file resumed skips the lines already committed. The next chunk is read while one is written.
 */
async function writeFile(
  ctx: SyncContext,
  client: FhirClient,
  policy: ConflictPolicy,
  key: string,
  progress: BulkSyncProgress,
  file: { type: string; url: string },
  chunkSize: number,
  report: PullReport,
  written: (lines: number) => void,
): Promise<BulkSyncProgress> {
  const res = await client.open(file.url, { Accept: 'application/fhir+ndjson' }, progress.requiresAccessToken === true);
  if (res.status !== 200 || res.body === null) {
    await res.body?.cancel();
    throw new RetryableError(`GET ${file.url} answered ${res.status}: the export file is not there`);
  }
  const skip = progress.current?.url === file.url ? progress.current.lines : 0;
  const chunks = ndjsonChunks(res.body, chunkSize, file.url);
  let lines = 0;
  let next = chunks.next();
  try {
    for (;;) {
      const step = await next;
      if (step.done) break;
      const chunk = step.value;
      // Read ahead: the next chunk arrives and parses while this one commits (a failure surfaces when awaited).
      next = chunks.next();
      next.catch(() => undefined);
      const fresh = chunk.slice(Math.max(0, Math.min(chunk.length, skip - lines)));
      lines += chunk.length;
      progress = { ...progress, current: { url: file.url, lines } };
      await applyPage(ctx, policy, versionsOf(fresh, file.type, report), { key, bulk: progress }, false, report);
      written(lines);
    }
  } finally {
    void chunks.return(undefined).catch(() => undefined);
  }
  const { current: _done, ...rest } = progress;
  progress = { ...rest, done: [...progress.done, file.url] };
  await save(ctx, key, progress);
  return progress;
}

/** The server versions of a chunk of exported resources (the newest of each, should one appear twice). */
function versionsOf(resources: Resource[], type: string, report: PullReport): RemoteVersion[] {
  const latest = new Map<string, RemoteVersion>();
  for (const r of resources) {
    const version = r.meta?.versionId ?? r.meta?.lastUpdated;
    if (typeof r.resourceType !== 'string' || typeof r.id !== 'string' || version === undefined) {
      report.invalid.push(`${type}: an exported line without resourceType, id or meta.versionId was skipped`);
      continue;
    }
    const v: RemoteVersion = { type: r.resourceType, id: r.id, version, ...(r.meta?.lastUpdated ? { lastUpdated: r.meta.lastUpdated } : {}), resource: r };
    const held = latest.get(`${v.type}/${v.id}`);
    if (held === undefined || Number(v.version) > Number(held.version)) latest.set(`${v.type}/${v.id}`, v);
  }
  return [...latest.values()];
}

/**
 * The resources of an NDJSON body, `size` at a time. Bytes are decoded as they come and only the current chunk
 * and an unfinished line are held: memory stays bounded whatever the file's size. A line that is not JSON, or a
 * body cut short, throws {@link NetworkError} (retryable: the file is read again).
 * @see https://hl7.org/fhir/uv/bulkdata/export.html
 */
export async function* ndjsonChunks(body: ReadableStream<Uint8Array>, size: number, url: string): AsyncGenerator<Resource[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let rest = '';
  let chunk: Resource[] = [];
  const parse = (line: string): void => {
    if (line.trim() === '') return;
    try {
      chunk.push(JSON.parse(line) as Resource);
    } catch (e) {
      throw new NetworkError(`GET ${url}: a line is not JSON, the file was cut (${(e as Error).message})`, { cause: e });
    }
  };
  try {
    for (;;) {
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        read = await reader.read();
      } catch (e) {
        throw new NetworkError(`GET ${url}: the download was cut (${(e as Error).message})`, { cause: e });
      }
      if (read.done) break;
      const text = rest + decoder.decode(read.value, { stream: true });
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        parse(line);
        if (chunk.length >= size) {
          yield chunk;
          chunk = [];
        }
      }
    }
    parse(rest + decoder.decode());
    if (chunk.length > 0) yield chunk;
  } finally {
    // Stopped early (a failed write) or done: the connection is not left open.
    await reader.cancel().catch(() => undefined);
  }
}

function save(ctx: SyncContext, key: string, bulk: BulkSyncProgress): Promise<unknown> {
  const row: CheckpointRow = { key, bulk };
  const mutations: Mutation[] = [saveCheckpoint(row)];
  return ctx.storage.commit(() => ({ mutations }));
}

function wait(env: SyncEnvironment, ms: number): Promise<void> {
  return new Promise((resolve) => env.schedule(ms, resolve));
}
