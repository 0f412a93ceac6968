/**
 * What the platform says about an origin's storage: whether it is persistent (kept under storage pressure and,
 * in Safari, past 7 days without a visit) and how much of its quota is used.
 * @see https://storage.spec.whatwg.org/#persistence
 * @see https://storage.spec.whatwg.org/#usage-and-quota
 */
export interface StorageState {
  /** Whether the browser keeps this origin's data until the user clears it; absent where the platform cannot say. */
  persisted?: boolean;
  /** Bytes the origin uses (`navigator.storage.estimate()`); absent where the platform cannot say. */
  usage?: number;
  /** Bytes the origin may use at most; absent where the platform cannot say. */
  quota?: number;
}

/** The part of the Storage API (`navigator.storage`) the store reads. */
export interface StorageManagerLike {
  persisted?: () => Promise<boolean>;
  persist?: () => Promise<boolean>;
  estimate?: () => Promise<{ usage?: number; quota?: number }>;
}

/** The platform's storage manager, if it has one (browsers; not Node). */
export const platformStorage = (): StorageManagerLike | undefined =>
  (globalThis as { navigator?: { storage?: StorageManagerLike } }).navigator?.storage;

/** Reads the state; a call the platform refuses leaves its field out. */
export async function readStorageState(storage: StorageManagerLike | undefined = platformStorage()): Promise<StorageState> {
  if (!storage) return {};
  const [persisted, estimate] = await Promise.all([storage.persisted?.().catch(() => undefined), storage.estimate?.().catch(() => undefined)]);
  return {
    ...(persisted !== undefined ? { persisted } : {}),
    ...(estimate?.usage !== undefined ? { usage: estimate.usage } : {}),
    ...(estimate?.quota !== undefined ? { quota: estimate.quota } : {}),
  };
}

/**
 * Asks the browser to keep this origin's storage (`navigator.storage.persist()`): Chromium decides by site
 * engagement (an installed app gets it), Firefox may ask the user, Safari grants it to home-screen apps.
 * Resolves to the answer, or undefined where there is no such API or the request failed.
 */
export async function requestPersistence(storage: StorageManagerLike | undefined = platformStorage()): Promise<boolean | undefined> {
  try {
    return await storage?.persist?.();
  } catch {
    return undefined;
  }
}
