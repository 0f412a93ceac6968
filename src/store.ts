import type { Bundle, CodeSystem, FhirResource, Parameters, Resource, SearchParameter, ValueSet } from 'fhir/r5';
import { Subject, asyncScheduler, concat, concatMap, distinctUntilChanged, from, map, switchMap, throttleTime, type Observable } from 'rxjs';
import { badRequest, FhirError } from './errors/fhir-error.js';
import type { EngineContext } from './rest/context.js';
import { handle } from './rest/handle.js';
import type { FhirRequest, FhirResponse } from './rest/http.js';
import { INDEX_FORMAT, indexResource } from './search/engine/indexer.js';
import { SearchRegistry } from './search/parameters/registry.js';
import { parseSearch } from './search/query/parse.js';
import { defaultTerminology, type TerminologyRegistry } from './search/terminology/index.js';
import { assertTimeZone } from './search/dates/timezone.js';
import { reindex } from './storage/reindex.js';
import { PostingsWriter } from './storage/postings-writer.js';
import { liveRead } from './storage/live.js';
import { loadTextPipeline } from './search/text/index.js';
import type { WriteResult } from './storage/write.js';
import type { EvictionReason } from './storage/rows.js';
import { purge, type PurgeCriteria, type PurgeSummary } from './rest/purge.js';
import { search as searchInteraction } from './rest/interactions/search.js';
import { checkResource } from './model/validate/index.js';
import { loadValidation } from './model/validate/load.js';
import { lazyReplication } from './sync/lazy-replication.js';
import type { Replication } from './sync/replication-api.js';
import type { IncludedBy, ResourceOf, ResourceType } from './model/typed-resources.js';
import type { ReplicationOptions } from './sync/options.js';
import type { SyncContext } from './sync/context.js';
import { parseQuery } from './rest/http.js';
import { StoreDatabase } from './storage/schema.js';
import { DexieStoragePort } from './storage/dexie-port.js';
import { readSetting, saveSetting, writeSetting } from './storage/settings.js';
import { checkReplicationOptions } from './sync/options-check.js';
import { resolveIndexedDb, type PersistenceMode } from './storage/indexeddb-resolve.js';
import { DexieSearchSource } from './storage/search-source.js';
import { systemClock, type Clock } from './util/clock.js';
import { uuidIdGenerator, type IdGenerator } from './util/id.js';
import type { ExportChunk, ExportSource, ImportSummary } from './storage/export-format.js';
import { readStorageState, requestPersistence, type StorageState } from './util/storage-state.js';
import type { EncryptionOptions } from './storage/encryption/options.js';
import { refuseEncryptedDatabase } from './storage/encryption/plain-open.js';
import type { DatabaseEncryption } from './storage/encryption/database-encryption.js';
import type { HealthMonitor, StoreHealth } from './storage/health.js';
import type { IdentityMarkerStore } from './storage/identity.js';
import type { SyncState } from './storage/sync-state.js';
import { SendingTracker } from './util/sending-tracker.js';

/** Options of `openStore`. Every one has a default, so `openStore()` works as it is. */
export interface StoreOptions {
  /** IndexedDB database name (one database per store). Default `fhir-offline-store`. */
  name?: string;
  /**
   * The IndexedDB factory; default the platform's (`globalThis.indexedDB`). Where there is none (Node), an
   * in-memory one (fake-indexeddb) with a warning: see `persistence`. Only this store's Dexie instance uses it;
   * Dexie's globals are left alone.
   */
  indexedDB?: IDBFactory;
  /** The `IDBKeyRange` that belongs to `indexedDB`. */
  IDBKeyRange?: typeof IDBKeyRange;
  /** Source of `meta.lastUpdated`; synchronous. Default the system clock. */
  clock?: Clock;
  /** Source of server-assigned ids; synchronous. Default random UUIDs. */
  idGenerator?: IdGenerator;
  /** IANA zone in which date search values without an offset are read. Default `UTC`. */
  timeZone?: string;
  /** Record local writes for replication. Default true; false for a store that serves as a server. */
  outbox?: boolean;
  /** Absolute base URL used in `fullUrl`s and accepted on request URLs. Default `http://localhost/fhir`. */
  baseUrl?: string;
  /**
   * `'required'`: refuse to open (a `PersistenceError`) when the only storage is in memory, as on Node without
   * an `indexedDB` passed in. `'optional'`: memory-only storage is fine, open without a warning. Unset: fall back
   * to memory with one `console.warn` per process, since a restart would lose the unsent outbox.
   */
  persistence?: PersistenceMode;
  /**
   * Ask the browser to keep this origin's data (`navigator.storage.persist()`) instead of evicting it under
   * storage pressure or, in Safari, after 7 days without a visit. The answer is in `store.storage$`. Opening does
   * not wait for it (Firefox may ask the user). Default false.
   * @see https://storage.spec.whatwg.org/#persistence
   */
  persist?: boolean;
  /**
   * Encrypt the database at rest with an app key or a passphrase (see {@link EncryptionOptions} and
   * docs/security.md): resource bodies, history, outbox, conflict and dead-letter rows are AES-GCM encrypted, and
   * token, reference and full-text index keys become HMAC blind keys. A new database is created encrypted; an
   * encrypted one opens only with its key (401 otherwise), and one with plaintext rows is refused (409). The crypto
   * code is loaded only when this is given.
   * @see https://www.w3.org/TR/WebCryptoAPI/
   */
  encryption?: EncryptionOptions;
  /**
   * Where a copy of the database's identity is kept outside IndexedDB, so that a database evicted or deleted
   * under the store is detected at the next open (`health$` then says `recreated-after-loss`). Default
   * `localStorage` where there is one; `false`: none. Anything with `getItem`/`setItem` (the `Storage` interface).
   * See docs/durability.md for what survives which eviction.
   * @see https://html.spec.whatwg.org/multipage/webstorage.html#the-storage-interface
   */
  identityMarker?: IdentityMarkerStore | false;
  /**
   * The database id (`health$`'s `databaseId`) the app kept elsewhere, e.g. in its server-side profile or a cookie:
   * a store that opens another database (a new one after an eviction) reports `recreated-after-loss`.
   */
  expectedDatabaseId?: string;
}

/** A search's parameters: a query string, name/value pairs, or a record (an array value repeats the name: AND). */
export type SearchParams = string | [string, string][] | Record<string, string | string[]>;

/** A committed change, as `store.changes$` reports it. */
export interface StoreChange {
  /** The resource type. */
  type: string;
  /** The resource id. */
  id: string;
  /** Set when a local id was replaced by the id a server assigned (`push: 'post'`): the resource is now `id`. */
  previousId?: string;
  /** The version the change made current (a deletion's too). */
  versionId: number;
  /**
   * What the change did to the resource; `evict`: this device dropped its copy (`store.purge`, a sync scope,
   * retention), which deletes nothing anywhere and is never pushed (`evicted` says why).
   */
  op: 'create' | 'update' | 'delete' | 'evict';
  /** Why the resource was evicted, for `op: 'evict'`. */
  evicted?: EvictionReason;
  /** `local` for a write of this store's app, `remote` for one pulled from a server. */
  origin: 'local' | 'remote';
}

/** Options of version-aware writes. */
export interface WriteOptions {
  /** `W/"n"`: the write fails with 412 unless version n is current (https://hl7.org/fhir/R5/http.html#concurrency). */
  ifMatch?: string;
}

/**
 * An open store: the FHIR REST facade `handle` and typed methods over the same engine. The typed methods
 * return resources and Bundles and throw `FhirError` (HTTP status + OperationOutcome) on failure.
 */
export interface Store {
  /** Answers a FHIR REST request as a FHIR R5 server would (https://hl7.org/fhir/R5/http.html). */
  handle(request: FhirRequest): Promise<FhirResponse>;
  /**
   * create (https://hl7.org/fhir/R5/http.html#create): stores `resource` under a new id and returns it as
   * stored (with `id` and `meta`). `ifNoneExist` makes it a conditional create (a search; a match is returned
   * instead of a new resource).
   */
  create<T extends FhirResource>(resource: T, options?: { ifNoneExist?: string }): Promise<ResourceOf<T['resourceType']>>;
  /** read (https://hl7.org/fhir/R5/http.html#read): the current version of `type/id`, typed by `type`. */
  read<K extends ResourceType>(type: K, id: string): Promise<ResourceOf<K>>;
  /** read with the resource named as a type argument, `read<ImagingSelection>('ImagingSelection', id)`: `type` must be its `resourceType`. */
  read<T extends FhirResource>(type: T['resourceType'], id: string): Promise<T>;
  /** vread (https://hl7.org/fhir/R5/http.html#vread): version `versionId` of `type/id`, typed by `type`. */
  vread<K extends ResourceType>(type: K, id: string, versionId: string): Promise<ResourceOf<K>>;
  /** vread with the resource named as a type argument: `type` must be its `resourceType`. */
  vread<T extends FhirResource>(type: T['resourceType'], id: string, versionId: string): Promise<T>;
  /** update (https://hl7.org/fhir/R5/http.html#update): writes `resource` at its id (creating it if absent) and returns it as stored. */
  update<T extends FhirResource>(resource: T, options?: WriteOptions): Promise<ResourceOf<T['resourceType']>>;
  /** patch (https://hl7.org/fhir/R5/http.html#patch): JSON Patch (an array of operations) or FHIRPath Patch (a Parameters resource). */
  patch<K extends ResourceType>(type: K, id: string, patch: unknown[] | Parameters, options?: WriteOptions): Promise<ResourceOf<K>>;
  /** patch with the resource named as a type argument: `type` must be its `resourceType`. */
  patch<T extends FhirResource>(type: T['resourceType'], id: string, patch: unknown[] | Parameters, options?: WriteOptions): Promise<T>;
  /** delete (https://hl7.org/fhir/R5/http.html#delete): deleting an absent or deleted resource succeeds too. */
  delete(type: ResourceType, id: string, options?: WriteOptions): Promise<void>;
  /**
   * search (https://hl7.org/fhir/R5/http.html#search): a `searchset` Bundle of the `type` resources that match,
   * typed by `type`; when `params` may hold `_include` or `_revinclude` its entries may hold any resource type.
   */
  search<K extends ResourceType, P extends SearchParams | undefined = undefined>(type: K, params?: P): Promise<Bundle<ResourceOf<K> | IncludedBy<P>>>;
  /**
   * History (https://hl7.org/fhir/R5/http.html#history) of one resource (`type`, `id`), of a type (`type`), or of
   * the whole store (neither), newest first.
   */
  history<K extends ResourceType = ResourceType>(type?: K, id?: string, params?: SearchParams): Promise<Bundle<ResourceOf<K>>>;
  /** batch (https://hl7.org/fhir/R5/http.html#transaction): each entry on its own; the response Bundle has one entry per request. */
  batch(bundle: Bundle): Promise<Bundle>;
  /** transaction (https://hl7.org/fhir/R5/http.html#transaction): every entry or none. */
  transaction(bundle: Bundle): Promise<Bundle>;
  /**
   * Adds a search parameter (type token, reference, date, string or uri; expression evaluated with FHIRPath
   * on the R5 model). No schema change: existing resources are back-filled in chunks, and the promise
   * resolves when they are; searches wait for it. Kept in the database for the next open.
   * @see https://hl7.org/fhir/R5/searchparameter.html
   */
  registerSearchParameter(sp: SearchParameter): Promise<void>;
  /** Adds a ValueSet or CodeSystem for token `:in`, `:not-in`, `:above` and `:below`; kept for the next open. */
  registerTerminology(resource: ValueSet | CodeSystem): Promise<void>;
  /**
   * Replicates this store with a remote FHIR R5 server: pushes the outbox, pulls `[type]/_history?_since=`,
   * settles conflicts by the chosen policy. See docs/sync.md. The sync code is loaded on first use (a
   * dynamic import); `replicate(store, options)` does the same with the code bundled up front.
   */
  replicate(options: ReplicationOptions): Replication;
  /** Every change this store commits, local or remote, after its transaction committed. */
  readonly changes$: Observable<StoreChange>;
  /**
   * The search Bundle of `type?query`, emitted now and again whenever a committed change could alter it, in
   * this tab or another tab of the same origin. Emissions are throttled, so a large pull does not re-run
   * the search once per resource.
   */
  watch<K extends ResourceType, P extends SearchParams | undefined = undefined>(type: K, query?: P): Observable<Bundle<ResourceOf<K> | IncludedBy<P>>>;
  /**
   * Writes now what the store's index keeps for later and resolves when it is done: the full-text postings of
   * recent writes (a write stores its text documents at once and their postings once the store has been quiet
   * for a moment) and any re-indexing after `registerSearchParameter`. Searches never need it, they are exact
   * either way; `_text` and `_content` are faster once the postings are written. Call it after a bulk load, or
   * before measuring.
   * @see https://hl7.org/fhir/R5/search.html#_text
   */
  flushIndex(): Promise<void>;
  /**
   * The storage this store lives in, where the platform says (browsers): whether it is persistent, and usage and
   * quota in bytes. Emits on subscribe (after `persist`'s request, when asked, is answered), then again after
   * committed changes, at most every few seconds, when a value changed. Completes when the store closes.
   * Fields the platform cannot tell (Node) are absent.
   * @see https://storage.spec.whatwg.org/#usage-and-quota
   */
  readonly storage$: Observable<StorageState>;
  /**
   * Re-wraps the data key of an encrypted store under a new key or passphrase (key rotation): one settings row
   * is rewritten, no resource is re-encrypted, and the old key or passphrase no longer opens the database.
   * A 400 on a store opened without `encryption`.
   * @see https://nvlpubs.nist.gov/nistpubs/SpecialPublications/NIST.SP.800-57pt1r5.pdf
   */
  rekey(to: EncryptionOptions): Promise<void>;
  /**
   * Streams the whole store, every version of every resource and the replication state, as NDJSON files in the
   * shape of a Bulk Data export: one file per resource type, the settings, pending changes (outbox), server
   * versions, conflicts, dead letters and pull checkpoints in files of their own, and `manifest.json` last. Reads a
   * page of rows at a time. Export with no writes and no replication running: a version written meanwhile makes
   * it fail with 409. The code loads on first use. See docs/backup.md.
   * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
   */
  export(): AsyncIterable<ExportChunk>;
  /**
   * Restores an export (see `export`) into this store, which must be empty (else 409): version ids, times, history
   * order, ids, search parameters, pending changes, conflicts and checkpoints as they were, so replication goes on
   * where it was; the indexes are built as writes build them. All or nothing: bad input (a malformed line, a wrong
   * resourceType, an invalid resource, a count that differs from the manifest) is a 400 OperationOutcome naming the
   * file and line, and the store is left empty. `changes$` does not report imported versions. See docs/backup.md.
   * @see https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
   */
  import(source: ExportSource): Promise<ImportSummary>;
  /**
   * Evicts from this device the synced resources the criteria select (a FHIR search per type, e.g.
   * `{ ImagingSelection: 'issued=lt2025-01-01' }`, or a list of `{ type, search }` and `{ type, id }`), with their
   * history, index and full text, keeping a tombstone of what was known: nothing is pushed, the server keeps them,
   * read answers 404 "evicted locally", and a newer server version comes back on a later pull. A resource whose
   * change the server has not confirmed (pending, conflict, dead letter, local-only) is never purged: it is in
   * `skipped`, with why. Bad criteria (unknown type, bad search) are a 400 and change nothing. The code loads on
   * first use. See docs/sync.md "Purge and retention".
   * @see https://hl7.org/fhir/R5/search.html
   */
  purge(criteria: PurgeCriteria): Promise<PurgeSummary>;
  /**
   * The health of the database: `ok`, `recreated-after-loss` (found at open: the database that held this store is
   * gone, evicted or deleted, and this one is new; replication reads everything again), `read-only` or `unusable`
   * (the browser left it so, and reopening did not help; writes answer 503), with a `reason`, the database's id
   * and how often the store reopened it. The value now on subscribe, then each change; completes when the store
   * closes. See docs/durability.md.
   * @see https://storage.spec.whatwg.org/#storage-bucket
   */
  readonly health$: Observable<StoreHealth>;
  /**
   * Where one resource stands with the server (`synced`, `pending`, `sending`, `conflict`, `dead-letter`, or
   * `local`: never confirmed by a server and nothing queued, or `evicted`: dropped from this device): the state now on subscribe, then each change, in
   * this tab or another. `sending` is known to the tab that replicates.
   * @see https://hl7.org/fhir/R5/http.html#versioning
   */
  syncState$(type: ResourceType, id: string): Observable<SyncState>;
  /**
   * The sync state of many resources at once, keyed `Type/id`: a badge per row of a list. Give a searchset Bundle
   * (its `match` and `include` entries) or the resources' keys; two bulk reads per change, whatever the count,
   * and searches themselves pay nothing for it. E.g. `store.watch(type, q).pipe(switchMap((b) => store.syncStates$(b)))`.
   */
  syncStates$(resources: Bundle | readonly { type: string; id: string }[]): Observable<Map<string, SyncState>>;
  /** True when the store keeps its data in memory only (no IndexedDB was found or passed in): lost on exit. */
  readonly inMemory: boolean;
  /** Closes the database and completes `changes$`, which stops every replication of this store for good. */
  close(): void;
}

function queryString(params: SearchParams | undefined): string {
  if (params === undefined) return '';
  if (typeof params === 'string') return params.replace(/^\?/, '');
  const pairs = Array.isArray(params)
    ? params
    : Object.entries(params).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, v] as [string, string]]));
  try {
    return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  } catch (e) {
    // encodeURIComponent throws URIError on a lone UTF-16 surrogate: bad input, answered as any other.
    throw badRequest(`Search parameters cannot be encoded: ${(e as Error).message}`);
  }
}

/** An id as a URL path segment; a lone UTF-16 surrogate (which `encodeURIComponent` refuses) is a 400. */
function segment(id: string): string {
  try {
    return encodeURIComponent(id);
  } catch {
    throw badRequest(`Invalid id: it holds a lone UTF-16 surrogate`);
  }
}

/** Two searchset Bundles with the same content: each run has its own Bundle `id` and `meta.lastUpdated`. */
const sameSearchResult = (a: Bundle, b: Bundle): boolean =>
  JSON.stringify({ ...a, id: undefined, meta: undefined }) === JSON.stringify({ ...b, id: undefined, meta: undefined });

/** How often `storage$` estimates the storage again at most while changes keep coming (ms). */
const STORAGE_RECHECK_MS = 2000;

/** How often `watch` re-runs a search at most while changes keep coming. */
const WATCH_THROTTLE_MS = 100;

class FhirStore implements Store {
  constructor(
    readonly database: StoreDatabase,
    readonly inMemory: boolean,
    private readonly ctx: EngineContext,
    private readonly indexing: Indexing,
    private readonly changes: Subject<StoreChange>,
    private readonly postings: PostingsWriter,
    private readonly persistence: Promise<unknown>,
    private readonly health: HealthMonitor,
    private readonly sendingTracker: SendingTracker,
    private readonly encryption?: DatabaseEncryption,
  ) {}

  async rekey(to: EncryptionOptions): Promise<void> {
    if (!this.encryption) throw badRequest(`Store ${this.database.name} is not encrypted: rekey applies to a store opened with the encryption option`);
    await this.encryption.rekey(to);
  }

  get health$(): Observable<StoreHealth> {
    return this.health.health$;
  }

  syncState$(type: ResourceType, id: string): Observable<SyncState> {
    return this.syncStates$([{ type, id }]).pipe(map((states) => states.get(`${type}/${id}`) ?? 'local'));
  }

  syncStates$(resources: Bundle | readonly { type: string; id: string }[]): Observable<Map<string, SyncState>> {
    const keys = syncKeys(resources);
    // Loaded on demand: an app that shows no sync badge does not load it.
    return from(import('./storage/sync-state.js')).pipe(switchMap((m) => m.syncStatesOf(this.database, keys, this.sendingTracker.sending$)));
  }

  get storage$(): Observable<StorageState> {
    return concat(from(this.persistence).pipe(map(() => undefined)), this.changes.pipe(throttleTime(STORAGE_RECHECK_MS, asyncScheduler, { leading: true, trailing: true }))).pipe(
      concatMap(() => from(readStorageState())),
      distinctUntilChanged((a, b) => a.persisted === b.persisted && a.usage === b.usage && a.quota === b.quota),
    );
  }

  replicate(options: ReplicationOptions): Replication {
    // Checked now, not when the sync code has loaded: a wrong baseUrl throws where the call is.
    checkReplicationOptions(options, this.scopeSearchCheck);
    const sync = this.syncContext();
    const changes$ = this.changes$;
    // A dynamic import: an app that never replicates does not load src/sync/ (see docs/bundle-size.md).
    return lazyReplication(() => import('./sync/replication.js').then((m) => new m.ReplicationEngine(sync, options, changes$)));
  }

  /** Parses a scope's search (`replicate({ scope: { searches } })`) as this store would run it: strict, 400 when wrong. */
  private readonly scopeSearchCheck = (type: string, pairs: [string, string][]): void => {
    parseSearch([type], pairs, { registry: this.ctx.registry, handling: 'strict' });
  };

  /** What replication needs from this store. */
  syncContext(): SyncContext {
    return {
      storage: this.ctx.storage,
      clock: this.ctx.clock,
      prepare: (resource) => {
        const failure = checkResource(resource);
        if (failure) return { error: failure.issues.map((i) => `${i.expression.join(', ')}: ${i.diagnostics}`).join('; ') };
        return { resource, ...indexResource(resource, this.ctx.registry, { baseUrl: this.ctx.baseUrl, timeZone: this.ctx.timeZone }) };
      },
      ready: loadValidation,
      referenceParameters: (type) => this.ctx.registry.referenceParameterCodes(type),
      baseUrl: this.ctx.baseUrl,
      activity: this.sendingTracker,
      search: { registry: this.ctx.registry, terminology: this.ctx.terminology, timeZone: this.ctx.timeZone, source: this.ctx.source },
      evictMatching: (criteria, reason) => purge(this.ctx, criteria, reason),
    };
  }

  get changes$(): Observable<StoreChange> {
    return this.changes.asObservable();
  }

  watch<K extends ResourceType, P extends SearchParams | undefined = undefined>(type: K, query?: P): Observable<Bundle<ResourceOf<K> | IncludedBy<P>>> {
    const params = parseQuery(queryString(query));
    // The live query may await nothing but IndexedDB: back-fills are waited for before it starts.
    const ctx: EngineContext = { ...this.ctx, whenIndexed: () => Promise.resolve() };
    const read = async (): Promise<Bundle<ResourceOf<K> | IncludedBy<P>>> => (await searchInteraction(ctx, type, params)).resource as Bundle<ResourceOf<K> | IncludedBy<P>>;
    return from(this.indexing.idle()).pipe(
      switchMap(() => liveRead(read, { databaseName: this.database.name, same: sameSearchResult })),
      throttleTime(WATCH_THROTTLE_MS, asyncScheduler, { leading: true, trailing: true }),
    );
  }

  async registerSearchParameter(sp: SearchParameter): Promise<void> {
    const compiled = await this.ctx.registry.register(sp);
    await this.indexing.track(async () => {
      await saveSetting(this.database, 'searchParameters', sp, (x) => (x as SearchParameter).url === sp.url && sp.url !== undefined);
      await reindex(this.database, this.indexing.compute, [...new Set(compiled.map((p) => p.resourceType))]);
    });
    this.postings.committed();
  }

  async registerTerminology(resource: ValueSet | CodeSystem): Promise<void> {
    this.ctx.terminology.register(resource);
    const same = (x: unknown): boolean => {
      const r = x as ValueSet | CodeSystem;
      return r.resourceType === resource.resourceType && r.url === resource.url && r.version === resource.version;
    };
    await saveSetting(this.database, 'terminology', resource, same);
  }

  handle(request: FhirRequest): Promise<FhirResponse> {
    return handle(this.ctx, request);
  }

  /** Runs a request through `handle` and returns its body, or throws its OperationOutcome. */
  private async call<T>(request: FhirRequest): Promise<T> {
    const res = await handle(this.ctx, {
      ...request,
      headers: { Prefer: 'return=representation', ...request.headers },
    });
    if (res.status >= 400) throw new FhirError(res.status, res.body as never, res.headers);
    return res.body as T;
  }

  create<T extends FhirResource>(resource: T, options: { ifNoneExist?: string } = {}): Promise<ResourceOf<T['resourceType']>> {
    const headers: Record<string, string> = options.ifNoneExist ? { 'If-None-Exist': options.ifNoneExist } : {};
    return this.call<ResourceOf<T['resourceType']>>({ method: 'POST', url: resource.resourceType, headers, body: resource });
  }

  read<K extends ResourceType>(type: K, id: string): Promise<ResourceOf<K>>;
  read<T extends FhirResource>(type: T['resourceType'], id: string): Promise<T>;
  async read(type: ResourceType, id: string): Promise<FhirResource> {
    return this.call<FhirResource>({ method: 'GET', url: `${type}/${segment(id)}` });
  }

  vread<K extends ResourceType>(type: K, id: string, versionId: string): Promise<ResourceOf<K>>;
  vread<T extends FhirResource>(type: T['resourceType'], id: string, versionId: string): Promise<T>;
  async vread(type: ResourceType, id: string, versionId: string): Promise<FhirResource> {
    return this.call<FhirResource>({ method: 'GET', url: `${type}/${segment(id)}/_history/${segment(versionId)}` });
  }

  async update<T extends FhirResource>(resource: T, options: WriteOptions = {}): Promise<ResourceOf<T['resourceType']>> {
    const headers: Record<string, string> = options.ifMatch ? { 'If-Match': options.ifMatch } : {};
    return this.call<ResourceOf<T['resourceType']>>({ method: 'PUT', url: `${resource.resourceType}/${segment(resource.id ?? '')}`, headers, body: resource });
  }

  patch<K extends ResourceType>(type: K, id: string, patch: unknown[] | Parameters, options?: WriteOptions): Promise<ResourceOf<K>>;
  patch<T extends FhirResource>(type: T['resourceType'], id: string, patch: unknown[] | Parameters, options?: WriteOptions): Promise<T>;
  async patch(type: ResourceType, id: string, patch: unknown[] | Parameters, options: WriteOptions = {}): Promise<FhirResource> {
    const headers: Record<string, string> = {
      'Content-Type': Array.isArray(patch) ? 'application/json-patch+json' : 'application/fhir+json',
      ...(options.ifMatch ? { 'If-Match': options.ifMatch } : {}),
    };
    return this.call<FhirResource>({ method: 'PATCH', url: `${type}/${segment(id)}`, headers, body: patch });
  }

  async delete(type: ResourceType, id: string, options: WriteOptions = {}): Promise<void> {
    const headers: Record<string, string> = options.ifMatch ? { 'If-Match': options.ifMatch } : {};
    await this.call<unknown>({ method: 'DELETE', url: `${type}/${segment(id)}`, headers });
  }

  async search<K extends ResourceType, P extends SearchParams | undefined = undefined>(type: K, params?: P): Promise<Bundle<ResourceOf<K> | IncludedBy<P>>> {
    const qs = queryString(params);
    return this.call<Bundle<ResourceOf<K> | IncludedBy<P>>>({ method: 'GET', url: qs ? `${type}?${qs}` : type });
  }

  async history<K extends ResourceType = ResourceType>(type?: K, id?: string, params?: SearchParams): Promise<Bundle<ResourceOf<K>>> {
    const path = type === undefined ? '_history' : id === undefined ? `${type}/_history` : `${type}/${segment(id)}/_history`;
    const qs = queryString(params);
    return this.call<Bundle<ResourceOf<K>>>({ method: 'GET', url: qs ? `${path}?${qs}` : path });
  }

  batch(bundle: Bundle): Promise<Bundle> {
    return this.call<Bundle>({ method: 'POST', url: '', body: { ...bundle, type: 'batch' } });
  }

  transaction(bundle: Bundle): Promise<Bundle> {
    return this.call<Bundle>({ method: 'POST', url: '', body: { ...bundle, type: 'transaction' } });
  }

  async *export(): AsyncIterable<ExportChunk> {
    // A dynamic import: the export and import code stays out of the main bundle (docs/bundle-size.md).
    const { exportStore } = await import('./storage/store-export.js');
    await this.indexing.idle();
    yield* exportStore(this.database, { transactionTime: this.ctx.clock().toISOString(), request: this.ctx.baseUrl });
  }

  async purge(criteria: PurgeCriteria): Promise<PurgeSummary> {
    // The selection is checked and run here; the eviction code itself loads on first use (docs/bundle-size.md).
    return purge(this.ctx, criteria);
  }

  async import(source: ExportSource): Promise<ImportSummary> {
    const { importStore } = await import('./storage/store-import.js');
    await loadValidation();
    await this.indexing.idle();
    const summary = await importStore(this.database, source, {
      prepare: (resource) => {
        const failure = checkResource(resource);
        if (failure) return { error: failure.issues.map((i) => `${i.expression.join(', ')}: ${i.diagnostics}`).join('; ') };
        return indexResource(resource, this.ctx.registry, { baseUrl: this.ctx.baseUrl, timeZone: this.ctx.timeZone });
      },
      registerSettings: async (rows) => {
        for (const { key, value } of rows) {
          for (const item of value as unknown[]) {
            if (key === 'searchParameters') await this.registerSearchParameter(item as SearchParameter);
            else await this.registerTerminology(item as ValueSet | CodeSystem);
          }
        }
      },
    });
    // The imported texts rows are pending: their postings are written once the store is quiet, as after writes.
    this.postings.committed();
    return summary;
  }

  async flushIndex(): Promise<void> {
    await this.indexing.idle();
    await this.postings.flush();
  }

  close(): void {
    this.postings.close();
    this.changes.complete();
    this.health.complete();
    this.sendingTracker.complete();
    this.database.close();
    this.encryption?.close();
  }
}

/** The distinct `[type, id]` keys of a searchset Bundle's resources, or of the keys given. */
function syncKeys(resources: Bundle | readonly { type: string; id: string }[]): [string, string][] {
  const listed: { type: string; id: string }[] = Array.isArray(resources)
    ? [...(resources as readonly { type: string; id: string }[])]
    : ((resources as Bundle).entry ?? []).flatMap((e) =>
        e.resource?.id !== undefined && e.search?.mode !== 'outcome' ? [{ type: e.resource.resourceType, id: e.resource.id }] : [],
      );
  return [...new Map(listed.map((r) => [`${r.type}/${r.id}`, [r.type, r.id] as [string, string]])).values()];
}

/**
 * What replication needs from a store opened by {@link openStore} (for `replicate(store, options)`).
 * @throws TypeError for any other object.
 */
export function syncContextOf(store: Store): SyncContext {
  if (!(store instanceof FhirStore)) throw new TypeError('replicate(store, options) takes a store opened by openStore');
  return store.syncContext();
}

/** Background re-indexing: searches wait until the index is complete. */
class Indexing {
  private pending: Promise<unknown> = Promise.resolve();
  constructor(readonly compute: (resource: Resource) => ReturnType<typeof indexResource>) {}
  track(job: () => Promise<void>): Promise<void> {
    const run = this.pending.then(job);
    this.pending = run.catch(() => undefined);
    return run;
  }
  idle(): Promise<void> {
    return this.pending.then(() => undefined);
  }
}

/**
 * The Dexie database under a store that `openStore` opened, for this repository's tests and benchmarks, which
 * inspect its rows. Deliberately not exported from the package: the tables and rows are not public API.
 */
export function storeDatabase(store: Store): StoreDatabase {
  if (!(store instanceof FhirStore)) throw new TypeError('storeDatabase: not a store opened by openStore');
  return store.database;
}

/**
 * Opens (creating or migrating as needed) a store.
 * @example
 * ```ts
 * const store = await openStore({ name: 'imaging' });
 * const res = await store.handle({ method: 'GET', url: 'ImagingSelection?identifier=urn:dicom:uid|1.2.3' });
 * ```
 */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  const timeZone = options.timeZone ?? 'UTC';
  assertTimeZone(timeZone);
  // Fetched now, while the app is likely online, not awaited: every write awaits them (XML parser, R5 tables) before
  // validating, and an offline-first app may make its first write after the network has gone. A failure here is
  // retried then.
  loadValidation().catch(() => undefined);
  // lunr, awaited before the database opens: the re-index below and every write index text with it.
  const textPipeline = loadTextPipeline();
  textPipeline.catch(() => undefined);
  const { source: storage, ...deps } = await resolveIndexedDb(options);
  await textPipeline;
  const db = new StoreDatabase(options.name ?? 'fhir-offline-store', deps);
  // The crypto code loads only for an encrypted store: the main bundle stays as it was.
  const crypto = options.encryption ? await import('./storage/encryption/index.js') : undefined;
  const encryption = crypto && options.encryption ? new crypto.DatabaseEncryption(db, options.encryption) : undefined;
  // Loaded while the database opens (a chunk of its own: see docs/bundle-size.md).
  const durability = import('./storage/durability.js');
  durability.catch(() => undefined);
  await db.open();
  try {
    if (encryption && options.encryption) await encryption.unlock(options.encryption);
    else await refuseEncryptedDatabase(db);
  } catch (e) {
    db.close();
    throw e;
  }
  // After the key is unlocked: the identity and the checkpoints it checks are rows of the (maybe sealed) database.
  // The identity is a random UUID and wall-clock time: the injected ids and clock are the app's.
  const { health, reopener } = await (await durability).openDurability(db, { marker: options.identityMarker, expectedId: options.expectedDatabaseId, now: () => new Date() });
  const registry = new SearchRegistry();
  const terminology: TerminologyRegistry = defaultTerminology();
  const baseUrl = (options.baseUrl ?? 'http://localhost/fhir').replace(/\/+$/, '');
  for (const sp of ((await readSetting(db, 'searchParameters')) as SearchParameter[] | undefined) ?? []) await registry.register(sp);
  for (const t of ((await readSetting(db, 'terminology')) as (ValueSet | CodeSystem)[] | undefined) ?? []) terminology.register(t);
  const indexing = new Indexing((resource) => indexResource(resource, registry, { baseUrl, timeZone }));
  const postings = new PostingsWriter(db);
  // A database indexed by an older format (or migrated from schema 1) is re-indexed before the first search.
  if ((await readSetting(db, 'indexGeneration')) !== INDEX_FORMAT) {
    await indexing.track(async () => {
      await reindex(db, indexing.compute);
      await writeSetting(db, 'indexGeneration', INDEX_FORMAT);
    });
  }
  // Rows a re-index or another session left pending are posted once this one is quiet.
  void indexing.idle().then(() => postings.committed());
  const source = crypto ? new crypto.BlindIndexSource(db) : new DexieSearchSource(db);
  const changes = new Subject<StoreChange>();
  const clock = options.clock ?? systemClock;
  // The one commit point: every write, local or pulled, tells `changes$` through it.
  const port = new DexieStoragePort(db, {
    clock,
    outbox: options.outbox ?? true,
    reopener,
    // The postings wait for quiet: a commit under way (its plan included) is not quiet.
    onBusy: { begin: () => postings.begin(), end: () => postings.end() },
    onCommit: (results: WriteResult[]) => {
      postings.committed();
      for (const r of results) {
        const op = r.evicted !== undefined ? 'evict' : r.op;
        changes.next({ type: r.type, id: r.id, versionId: r.versionId, op, origin: r.origin, ...(r.previousId ? { previousId: r.previousId } : {}), ...(r.evicted ? { evicted: r.evicted } : {}) });
      }
    },
  });
  const ctx: EngineContext = {
    storage: port,
    source,
    clock,
    newId: options.idGenerator ?? uuidIdGenerator,
    timeZone,
    baseUrl,
    registry,
    terminology,
    whenIndexed: () => indexing.idle(),
  };
  // Not awaited: Firefox may ask the user. `storage$` waits for the answer before its first value.
  const persistence = options.persist ? requestPersistence() : Promise.resolve();
  return new FhirStore(db, storage === 'in-memory', ctx, indexing, changes, postings, persistence, health, new SendingTracker(), encryption);
}
