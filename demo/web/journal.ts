/**
 * The demo FHIR server's memory across restarts. The server keeps its store in memory (fake-indexeddb); this
 * file keeps every version it holds (the system history, https://hl7.org/fhir/R5/http.html#history) in a JSON
 * file, rewritten after each change, and on the next start replays them in order into the new server with the
 * clock set to each version's own `lastUpdated`: the same ids, the same version numbers and the same instants.
 * That is what lets a workstation carry on after a restart: its `If-Match` on a version and its `_since` on the
 * server's clock still mean what they meant. The file also names the server (`serverId`, made once), which the
 * app uses to name its database, so a new port after a restart is the same server to it.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Bundle, Resource } from 'fhir/r5';
import type { Store } from '../../src/index.js';

/** One version as the journal keeps it; no `resource` is a deletion. */
export interface JournalVersion {
  type: string;
  id: string;
  versionId: string;
  lastUpdated: string;
  resource?: Resource;
}

/** What the file holds. */
export interface JournalFile {
  format: 1;
  /** Made when the file is made; the same server for as long as the file lives. */
  serverId: string;
  /** Oldest first. */
  versions: JournalVersion[];
}

/**
 * The clock the server's store reads: the replayed version's instant while replaying; before the replay, an
 * instant a second before the journal's first version (the server writes its SubscriptionTopic as it starts, and
 * its clock only moves forward: a write at the system's time would push every replayed instant after it); after,
 * the system's.
 */
export interface ReplayClock {
  clock: () => Date;
  /** While set, the clock answers this instant. */
  at: Date | undefined;
}

/** A replay clock for `versions` (the journal's, oldest first). */
export function replayClock(versions: readonly JournalVersion[] = []): ReplayClock {
  const first = versions[0];
  const state: ReplayClock = { at: first ? new Date(Date.parse(first.lastUpdated) - 1000) : undefined, clock: () => state.at ?? new Date() };
  return state;
}

/** Reads the journal; a missing file is a new server (a fresh `serverId`, no versions). */
export function readJournal(file: string): JournalFile {
  if (!existsSync(file)) return { format: 1, serverId: randomUUID(), versions: [] };
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<JournalFile>;
  if (parsed.format !== 1 || typeof parsed.serverId !== 'string' || !Array.isArray(parsed.versions)) {
    throw new Error(`${file} is not a journal of this demo (delete it, or start with --reset)`);
  }
  return parsed as JournalFile;
}

/** Types the server makes for its subscriptions (docs/server.md#subscriptions), left out of the journal. */
const SERVER_OWN = new Set(['SubscriptionTopic', 'Subscription']);

/** Every version the store holds but the server's own, oldest first, following the history Bundle's `next` links. */
export async function allVersions(store: Store): Promise<JournalVersion[]> {
  const out: JournalVersion[] = [];
  let page: Bundle | undefined = await store.history(undefined, undefined, { _count: '1000' });
  while (page) {
    for (const e of page.entry ?? []) {
      // `request.url` is `Type/id` for writes of one resource, `Type` for a create by POST (its id is in `location`);
      // the version is the entry's ETag.
      const [type, id] = (e.response?.location ?? e.request?.url ?? '').split('?')[0]!.split('/');
      const versionId = /^W\/"(.+)"$/.exec(e.response?.etag ?? '')?.[1];
      const lastUpdated = e.response?.lastModified ?? e.resource?.meta?.lastUpdated;
      // The server writes its SubscriptionTopic itself at each start, and a Subscription lives as long as the
      // client's socket: neither is data to keep across restarts.
      if (type !== undefined && SERVER_OWN.has(type)) continue;
      if (!type || !id || !versionId || !lastUpdated) throw new Error(`a history entry without type, id, version or time: ${JSON.stringify(e.request)} ${JSON.stringify(e.response)}`);
      out.push({ type, id, versionId, lastUpdated, ...(e.request?.method !== 'DELETE' && e.resource ? { resource: e.resource } : {}) });
    }
    const next: string | undefined = page.link?.find((l) => l.relation === 'next')?.url;
    page = next ? ((await store.handle({ method: 'GET', url: next })).body as Bundle) : undefined;
  }
  return out.reverse();
}

/**
 * Replays the versions into an empty store, each at its own instant (`clock.at`), and checks that each got its
 * recorded version number (a store of another kind would number differently: refuse rather than diverge).
 */
export async function replay(store: Store, clock: ReplayClock, versions: readonly JournalVersion[]): Promise<void> {
  try {
    for (const v of versions) {
      clock.at = new Date(v.lastUpdated);
      const url = `${v.type}/${encodeURIComponent(v.id)}`;
      const answer = v.resource
        ? await store.handle({ method: 'PUT', url, body: v.resource })
        : await store.handle({ method: 'DELETE', url });
      const etag = answer.headers.ETag ?? answer.headers.etag;
      if (answer.status >= 300 || (etag !== undefined && etag !== `W/"${v.versionId}"`)) {
        throw new Error(`replaying ${url} version ${v.versionId}: answered ${answer.status} ${etag ?? ''}`);
      }
    }
  } finally {
    clock.at = undefined;
  }
}

/** Writes the journal atomically (a temporary file renamed over it), so a crash leaves the old one or the new one. */
export function writeJournal(file: string, journal: JournalFile): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(journal));
  renameSync(tmp, file);
}

/** Keeps the journal of a running server's store up to date: rewritten after each burst of changes. */
export interface JournalWriter {
  /** Writes what is not written yet and stops. */
  close(): Promise<void>;
}

export function keepJournal(store: Store, file: string, serverId: string, quietMs = 100): JournalWriter {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing = Promise.resolve();
  let dirty = false;
  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!dirty) return writing;
    dirty = false;
    writing = writing
      .then(async () => writeJournal(file, { format: 1, serverId, versions: await allVersions(store) }))
      .catch((e: unknown) => console.error(`demo: could not write ${file}: ${e instanceof Error ? e.message : String(e)}`));
    return writing;
  };
  const subscription = store.changes$.subscribe(() => {
    dirty = true;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void flush(), quietMs);
  });
  return {
    close: async () => {
      subscription.unsubscribe();
      await flush();
    },
  };
}
