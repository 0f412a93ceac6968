import type { Resource } from 'fhir/r5';
import type { Conflict } from '../storage/rows.js';
import type { SyncEnvironment } from './environment.js';
import type { RetentionOptions } from './retention.js';
import type { ServerPushOptions } from './server-push-options.js';
import type { SyncScope } from './scope-options.js';

export type { Conflict };

/**
 * How a conflict between a local change and the server's version is settled: a three-way merge (the default),
 * one side winning, or the app's own function (return the resource to keep, `null` to delete, or
 * `undefined` to leave the conflict open for the user).
 */
export type ConflictPolicy =
  | 'merge'
  | 'server-wins'
  | 'client-wins'
  | ((conflict: Conflict) => Promise<Resource | null | undefined> | Resource | null | undefined);

/** Options of `store.replicate` (the contract of the replication issue). */
export interface ReplicationOptions {
  /** The remote FHIR R5 base, e.g. `http://127.0.0.1:8080/fhir`. */
  baseUrl: string;
  /** Resource types to pull (default `['ImagingSelection']`); every local change is pushed whatever its type. */
  resourceTypes?: string[];
  /** The `fetch` to call the server with. Default the global `fetch`. */
  fetch?: typeof fetch;
  /** Headers sent with every request to the server. */
  headers?: Record<string, string>;
  /**
   * Headers that authorise a request (bearer tokens), or a string: the `Authorization` value itself
   * (`'Bearer …'`). Kept in memory only, asked again after a 401/403. Anything else pauses replication with an
   * error saying so (it is never spread into headers).
   */
  authorize?: () => Promise<Record<string, string> | string>;
  /**
   * `put` (client ids, idempotent; the default), `post` (the server assigns the ids of creates: the local
   * resource takes it, and references to it are rewritten) or `transaction` (one transaction Bundle per batch).
   */
  push?: 'put' | 'post' | 'transaction';
  /**
   * Requests a `put` or `post` push sends at once (default 6, what browsers open per host over HTTP/1.1; 1 sends
   * one at a time). Whatever the number, a resource is sent only after the resources of its batch it refers to
   * have landed, and two requests for one resource are never in flight together. `transaction` mode sends one
   * Bundle at a time and ignores it. See docs/sync.md "Concurrency".
   */
  pushConcurrency?: number;
  /** Changes per push batch and entries per pulled page (default 100). */
  batchSize?: number;
  /** How conflicts are settled (default `merge`). */
  conflicts?: ConflictPolicy;
  /** Backoff of failed cycles, in ms; `syncOnce()` gives up after `maxAttempts` and keeps everything queued. */
  retry?: {
    /** Delay before the first retry, ms (default 500); it doubles with each attempt. */
    initialDelay?: number;
    /** Longest delay between attempts, ms (default 30 000). */
    maxDelay?: number;
    /** Attempts of one `syncOnce()` before it gives up (default 5). */
    maxAttempts?: number;
  };
  /** Sync on local changes, on `online` and on an interval (default false). */
  live?: boolean;
  /** Interval of live sync in ms (default 30 s). */
  interval?: number;
  /** Margin subtracted from the server clock when moving the pull checkpoint (default 1 s). */
  checkpointMarginMs?: number;
  /**
   * What replication takes from the platform: timers (`schedule`), `clock` (for `Retry-After` dates),
   * `random` (backoff jitter), `online` state and `locks`. Each part left out takes its default: `setTimeout`,
   * the store's clock, `Math.random`, `navigator.onLine` with the `online`/`offline` events, `navigator.locks`
   * (always online and no locks in Node). Pass virtual timers and a virtual clock to run replication on
   * virtual time (tests, simulations). See docs/sync.md "Time, network and locks".
   */
  environment?: Partial<SyncEnvironment>;
  /**
   * Server push in live mode (docs/sync.md#server-push): where the server offers R5 topic-based subscriptions
   * with a websocket channel, live mode subscribes and pulls when notified instead of on the interval. Used when
   * a `WebSocket` is at hand (the global one, or `subscriptions.WebSocket`); `false` turns it off (polling only).
   */
  subscriptions?: ServerPushOptions | false;
  /**
   * The first pull of a type (no checkpoint yet) by Bulk Data `$export` when the server's CapabilityStatement
   * offers it (default `true`: system level): NDJSON files streamed into chunked writes, resumed per file, then
   * `_history` since the export's `transactionTime`. `false` always pages `_history`. See docs/sync.md
   * "First sync by $export".
   */
  bulkExport?: boolean | BulkExportOptions;
  /**
   * The subset of the server this device keeps (patients, a Group worklist, studies, a window on `issued`, a search
   * per type; AND-ed). The first sync asks for just that (a Patient/Group-level `$export` with `patient` and
   * `_typeFilter`, else a search per type), every pulled resource is checked against it, and a resource that leaves
   * it is removed from this device only, never deleted on the server. See docs/sync.md "Scope".
   */
  scope?: SyncScope;
  /**
   * Retention per resource type (`{ ImagingSelection: { olderThan: 'P90D', field: 'issued' } }`): after each
   * complete pull cycle (and on `expire()`) the resources older than the window are evicted from this device, by
   * the store's clock, never deleted on the server; one with a change not yet confirmed is kept. See docs/sync.md
   * "Purge and retention".
   */
  retention?: RetentionOptions;
}

/**
 * How the first sync asks for a Bulk Data export.
 * @see https://hl7.org/fhir/uv/bulkdata/export.html
 */
export interface BulkExportOptions {
  /** `system` (`[base]/$export`, the default) or `patient` (`[base]/Patient/$export`: the Patient compartments). */
  level?: 'system' | 'patient';
  /** Export the compartments of this Group's patients (`[base]/Group/[id]/$export`); wins over `level`. */
  group?: string;
  /**
   * The first wait between status requests while the export runs, in ms (default 250). The wait doubles with each
   * "in progress" answer, up to the server's `Retry-After` when it sends one (HAPI FHIR asks for 120 s whatever
   * the job's size), else up to 5 s (or this, if longer); a 429 or 503 is waited out as the server asks.
   */
  pollInterval?: number;
}
