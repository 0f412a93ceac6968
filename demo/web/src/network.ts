/**
 * The sync bar's online/offline switch. Offline, the replication's `fetch` fails as a cut network does (a
 * TypeError, which the replication reports as a NetworkError and retries later), and its online state says
 * offline, so live mode stops trying; back online, the online state's listeners run and live mode syncs at once.
 * Only the replication's requests go through it: the app and its images come from the demo's own origin.
 */
import type { OnlineState } from '../../../src/index.js';

export interface NetworkSwitch {
  /** The `fetch` to give the replication. */
  fetch: typeof fetch;
  /** The online state to give the replication (`environment.online`). */
  online: OnlineState;
  /** Switches the network on or off. */
  set(on: boolean): void;
}

const KEY = 'workstation-offline';

export function networkSwitch(): NetworkSwitch {
  // Kept for the tab's session: a reload while "offline" stays offline, as a real outage would.
  let on = sessionStorage.getItem(KEY) !== '1';
  const listeners = new Set<(online: boolean) => void>();
  return {
    fetch: (input, init) => (on ? fetch(input, init) : Promise.reject(new TypeError('Failed to fetch (the workstation is switched offline)'))),
    online: {
      get current() {
        return on && navigator.onLine;
      },
      subscribe(listener) {
        listeners.add(listener);
        // The platform's own events still count: a real outage is an outage too.
        const up = (): void => listener(on);
        const down = (): void => listener(false);
        addEventListener('online', up);
        addEventListener('offline', down);
        return () => {
          listeners.delete(listener);
          removeEventListener('online', up);
          removeEventListener('offline', down);
        };
      },
    },
    set(next) {
      if (next === on) return;
      on = next;
      if (on) sessionStorage.removeItem(KEY);
      else sessionStorage.setItem(KEY, '1');
      for (const l of [...listeners]) l(on && navigator.onLine);
    },
  };
}
