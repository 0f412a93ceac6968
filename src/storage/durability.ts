import { HealthMonitor, lossReason } from './health.js';
import { establishIdentity, platformMarker, randomDatabaseId, type IdentityMarkerStore, type IdentityOptions } from './identity.js';
import { DatabaseReopener } from './reopen.js';
import type { StoreDatabase } from './schema.js';

/**
 * What keeps a store's database honest about its durability, set up at open: its identity (and a loss found
 * through it), the health monitor behind `store.health$`, and the reopener the storage port retries with. Loaded
 * on demand by `openStore` (started before the database opens), so it does not weigh on the main bundle.
 * @see https://storage.spec.whatwg.org/#storage-bucket
 */
export async function openDurability(
  db: StoreDatabase,
  options: Omit<IdentityOptions, 'marker' | 'newId'> & { marker: IdentityMarkerStore | false | undefined; newId?: () => string },
): Promise<{ health: HealthMonitor; reopener: DatabaseReopener }> {
  // `false`: no marker; unset: localStorage where there is one.
  const marker = options.marker === false ? undefined : (options.marker ?? platformMarker());
  const { identity, lost } = await establishIdentity(db, { ...options, marker, newId: options.newId ?? randomDatabaseId });
  const health = new HealthMonitor({
    status: lost ? 'recreated-after-loss' : 'ok',
    ...(lost ? { reason: lossReason(lost), lost } : {}),
    databaseId: identity.id,
    createdAt: identity.createdAt,
    reopened: 0,
  });
  return { health, reopener: new DatabaseReopener(db, health) };
}
