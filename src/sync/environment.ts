import type { Clock } from '../util/clock.js';

/** Cancels what {@link SyncEnvironment.schedule} armed; calling it again, or after the run, does nothing. */
export type CancelTimer = () => void;

/** Whether the platform has a network, now and as it changes (the browser's `online` / `offline` events). */
export interface OnlineState {
  /** True when the platform believes it is online. */
  readonly current: boolean;
  /** Calls `listener` with the new value on every change; returns the unsubscribe. */
  subscribe(listener: (online: boolean) => void): () => void;
}

/**
 * The part of the Web Locks API replication uses: `request(name, { ifAvailable: true }, fn)` calls `fn` with a
 * lock, or with `null` when another holder (another tab of the origin) has it.
 * @see https://developer.mozilla.org/docs/Web/API/LockManager/request
 */
export interface SyncLocks {
  /** Runs `fn` holding the lock `name` when it is free (`lock` truthy), else at once with `lock` null. */
  request<T>(name: string, options: { ifAvailable: true }, fn: (lock: unknown) => Promise<T>): Promise<T>;
}

/**
 * Everything replication takes from the platform: timers, the clock, randomness, online state and locks.
 * Injected (the `environment` replication option) so that an app or a test can run replication on virtual
 * time; every part left out takes its platform default (`setTimeout`, the store's clock, `Math.random`,
 * `navigator.onLine` with the `online`/`offline` events, `navigator.locks`).
 */
export interface SyncEnvironment {
  /** Runs `run` once after `ms` milliseconds; the returned function cancels it. Default `setTimeout`. */
  schedule(ms: number, run: () => void): CancelTimer;
  /** The current time, for `Retry-After` dates. Default the store's clock (`openStore({ clock })`). */
  clock: Clock;
  /** A number in [0, 1) for backoff jitter. Default `Math.random`. */
  random(): number;
  /** The platform's online state. Default `navigator.onLine` and the global `online` / `offline` events; always online where there are none (Node). */
  online: OnlineState;
  /** Locks that keep two tabs from replicating one database at once. Default `navigator.locks`; where there are none (Node), a lock that is always free. */
  locks: SyncLocks;
}

/** `setTimeout` as a {@link SyncEnvironment.schedule}. */
const timeout = (ms: number, run: () => void): CancelTimer => {
  const t = setTimeout(run, ms);
  return () => clearTimeout(t);
};

/** What replication reads of the browser globals; absent in Node. */
interface PlatformGlobals {
  navigator?: { onLine?: boolean; locks?: SyncLocks };
  addEventListener?: (type: string, listener: () => void) => void;
  removeEventListener?: (type: string, listener: () => void) => void;
}

const platform = globalThis as PlatformGlobals;

/** `navigator.onLine` and the `online` / `offline` events of the global scope (window or worker). */
const platformOnline: OnlineState = {
  get current(): boolean {
    return platform.navigator?.onLine ?? true;
  },
  subscribe(listener) {
    const online = (): void => listener(true);
    const offline = (): void => listener(false);
    platform.addEventListener?.('online', online);
    platform.addEventListener?.('offline', offline);
    return () => {
      platform.removeEventListener?.('online', online);
      platform.removeEventListener?.('offline', offline);
    };
  },
};

/** Where there are no Web Locks (Node, one process per database): the lock is always free. */
export const noLocks: SyncLocks = { request: (_name, _options, fn) => fn(true) };

/**
 * The platform defaults of every part of {@link SyncEnvironment}, with `overrides` in their place: `setTimeout`,
 * `clock`, `Math.random`, `navigator.onLine` with the `online` / `offline` events, `navigator.locks` (or
 * {@link noLocks}). Read when replication starts, so a polyfill installed before then is used.
 */
export function platformEnvironment(clock: Clock, overrides: Partial<SyncEnvironment> = {}): SyncEnvironment {
  // A part given as undefined keeps its default, as a part left out does.
  const given = Object.fromEntries(Object.entries(overrides).filter(([, part]) => part !== undefined)) as Partial<SyncEnvironment>;
  return {
    schedule: timeout,
    clock,
    random: Math.random,
    online: platformOnline,
    locks: platform.navigator?.locks ?? noLocks,
    ...given,
  };
}
