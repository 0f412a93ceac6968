import type { LostDatabase } from './health.js';
import type { StoreDatabase } from './schema.js';

/**
 * The identity a database is given when it is created: a random id and the time.
 * @see https://storage.spec.whatwg.org/#storage-bucket
 */
export interface DatabaseIdentity {
  /** Random (a UUID); never reused. */
  id: string;
  /** ISO instant, the platform clock. */
  createdAt: string;
}

/**
 * Where a copy of the identity is kept outside IndexedDB (the `Storage` interface: `localStorage` by default), so
 * that a database deleted under the store is told apart from one never created.
 * @see https://html.spec.whatwg.org/multipage/webstorage.html#the-storage-interface
 */
export interface IdentityMarkerStore {
  /** The value kept under `key`, or null when there is none. */
  getItem(key: string): string | null;
  /** Keeps `value` under `key`; may throw (full, blocked): the store then goes on without a marker. */
  setItem(key: string, value: string): void;
}

/**
 * What {@link establishIdentity} needs.
 * @see https://storage.spec.whatwg.org/#storage-bucket
 */
export interface IdentityOptions {
  /** The marker kept outside IndexedDB, if any. */
  marker?: IdentityMarkerStore | undefined;
  /** The id the app kept for this store (e.g. in its server-side profile), if any. */
  expectedId?: string | undefined;
  /** A new random id. */
  newId: () => string;
  /** The time a new database is created. */
  now: () => Date;
}

/**
 * The database's identity and, when found, the database it replaced.
 * @see https://storage.spec.whatwg.org/#storage-bucket
 */
export interface EstablishedIdentity {
  identity: DatabaseIdentity;
  lost?: LostDatabase;
}

/** The settings row holding the database's identity. */
export const IDENTITY_SETTING = 'identity';
const SETTING = IDENTITY_SETTING;

/**
 * The marker's key for a database name.
 * @see https://storage.spec.whatwg.org/#storage-bucket
 */
export const markerKey = (databaseName: string): string => `fhir-offline-store:identity:${databaseName}`;

/**
 * Reads the database's identity, creating it in a new database (one read-write transaction, so two tabs opening
 * a new database at once agree on one), then compares it with what survived elsewhere: the marker (written
 * here on every open) and the app's expected id. A database that holds data from before identities existed is
 * given one and is not a loss. Replication checkpoints recorded by another database are dropped (the next pull
 * reads everything) and reported. The marker is then updated to this database, so a loss is reported once.
 * @see https://storage.spec.whatwg.org/#storage-bucket
 */
export async function establishIdentity(db: StoreDatabase, options: IdentityOptions): Promise<EstablishedIdentity> {
  const { identity, created } = await db.transaction('rw', [db.settings, db.resources, db.outbox, db.checkpoints], async () => {
    const held = (await db.settings.get(SETTING))?.value as DatabaseIdentity | undefined;
    if (held) return { identity: held, created: false };
    const identity: DatabaseIdentity = { id: options.newId(), createdAt: options.now().toISOString() };
    await db.settings.put({ key: SETTING, value: identity });
    // Rows written before identities existed: an old database, not a new one.
    const empty = (await db.resources.count()) === 0 && (await db.outbox.count()) === 0 && (await db.checkpoints.count()) === 0;
    return { identity, created: empty };
  });
  db.databaseId = identity.id;
  const remembered = readMarker(options.marker, db.name);
  let lost: LostDatabase | undefined;
  if (options.expectedId !== undefined && options.expectedId !== identity.id) {
    lost = { databaseId: options.expectedId, detectedBy: 'expected-id', ...(remembered?.id === options.expectedId ? { createdAt: remembered.createdAt } : {}) };
  } else if (created && remembered !== undefined && remembered.id !== identity.id) {
    lost = { databaseId: remembered.id, createdAt: remembered.createdAt, detectedBy: 'marker' };
  }
  const foreign = await dropForeignCheckpoints(db, identity.id);
  if (lost === undefined && foreign !== undefined) lost = { databaseId: foreign, detectedBy: 'checkpoint' };
  writeMarker(options.marker, db.name, identity);
  return { identity, ...(lost ? { lost } : {}) };
}

/** Deletes the checkpoints another database recorded; returns that database's id, if there were any. */
async function dropForeignCheckpoints(db: StoreDatabase, id: string): Promise<string | undefined> {
  const foreign = (await db.checkpoints.toArray()).filter((c) => c.databaseId !== undefined && c.databaseId !== id);
  if (foreign.length === 0) return undefined;
  await db.checkpoints.bulkDelete(foreign.map((c) => c.key));
  return foreign[0]?.databaseId;
}

/** The identity the marker remembers; undefined when there is none or it cannot be read. */
function readMarker(marker: IdentityMarkerStore | undefined, name: string): DatabaseIdentity | undefined {
  try {
    const text = marker?.getItem(markerKey(name));
    const value = text ? (JSON.parse(text) as Partial<DatabaseIdentity>) : undefined;
    return typeof value?.id === 'string' && typeof value.createdAt === 'string' ? { id: value.id, createdAt: value.createdAt } : undefined;
  } catch {
    return undefined;
  }
}

/** Remembers the identity; a marker that refuses (full, or blocked) is left as it is. */
function writeMarker(marker: IdentityMarkerStore | undefined, name: string, identity: DatabaseIdentity): void {
  try {
    marker?.setItem(markerKey(name), JSON.stringify(identity));
  } catch {
    // Nothing to do: without a marker a loss cannot be detected, which the docs say.
  }
}

/**
 * `localStorage` where the platform has one and allows it (it throws in some sandboxed frames).
 * @see https://storage.spec.whatwg.org/#storage-bucket
 */
export function platformMarker(): IdentityMarkerStore | undefined {
  try {
    return (globalThis as { localStorage?: IdentityMarkerStore }).localStorage ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * A random UUID (v4): `crypto.randomUUID()`, or built from `crypto.getRandomValues()` where the former is missing
 * (browsers offer `randomUUID` in secure contexts only, and opening a store must not fail on plain http).
 * @see https://www.rfc-editor.org/rfc/rfc9562#name-uuid-version-4
 */
export function randomDatabaseId(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
