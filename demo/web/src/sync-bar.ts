/**
 * The sync bar: the online/offline switch, the replication's `state$`, `pending$` (outbox rows waiting to be
 * pushed), the time of the last completed cycle, the last error (`errors$`), open conflicts (`conflicts$`) and
 * the health of the storage the store lives in (`store.storage$`: persistent or not, usage of the quota).
 */
import type { Replication, Store, StorageState } from '../../../src/index.js';
import { h, mount } from './dom.js';
import type { NetworkSwitch } from './network.js';

/** `persistent · 12.3 MB of 2.1 GB`, or what the platform told of it. */
export function storageText(s: StorageState): string {
  const mb = (bytes: number): string => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`);
  const kept = s.persisted === undefined ? 'persistence unknown' : s.persisted ? 'persistent' : 'best effort (may be evicted)';
  const used = s.usage !== undefined ? `${mb(s.usage)}${s.quota !== undefined ? ` of ${mb(s.quota)}` : ''}` : '';
  return used ? `${kept} · ${used}` : kept;
}

export function syncBar(el: HTMLElement, replication: Replication, network: NetworkSwitch, title: string, store: Store): () => void {
  const toggle = h('button', { 'data-testid': 'network', onclick: () => network.set(!network.online.current) });
  const state = h('span', { 'data-testid': 'sync-state' });
  const pending = h('span', { 'data-testid': 'pending' });
  const last = h('span', { 'data-testid': 'last-sync', class: 'muted' }, 'not synced yet');
  const conflicts = h('span', { 'data-testid': 'conflicts' });
  const error = h('span', { 'data-testid': 'sync-error', class: 'error' });
  const storage = h('span', { 'data-testid': 'storage', class: 'muted', title: 'store.storage$: navigator.storage.persisted() and estimate()' }, 'storage …');
  mount(
    el,
    h('a', { href: '#/', class: 'brand' }, title),
    toggle,
    h('span', {}, 'sync: ', state),
    h('span', {}, 'pending: ', pending),
    h('span', {}, 'conflicts: ', conflicts),
    last,
    storage,
    error,
  );
  const paint = (): void => {
    const on = network.online.current;
    toggle.textContent = on ? '● Online' : '○ Offline';
    toggle.className = on ? 'online' : 'offline';
    toggle.title = on ? 'Cut the network of this workstation' : 'Reconnect';
  };
  paint();
  const unsubscribeOnline = network.online.subscribe(() => paint());
  let previous = '';
  const subs = [
    replication.state$.subscribe((s) => {
      state.textContent = s;
      // A cycle that went through pulling back to idle completed: that is a sync.
      if (s === 'idle' && previous === 'pulling') {
        last.textContent = `last sync ${new Date().toLocaleTimeString()}`;
        error.textContent = '';
      }
      previous = s;
    }),
    replication.pending$.subscribe((n) => {
      pending.textContent = String(n);
    }),
    replication.conflicts$.subscribe((c) => {
      conflicts.textContent = String(c.length);
    }),
    replication.errors$.subscribe((e) => {
      error.textContent = `${e.name}: ${e.message}`;
    }),
    store.storage$.subscribe((s) => {
      storage.textContent = `storage: ${storageText(s)}`;
      storage.dataset.persisted = String(s.persisted ?? '');
      storage.dataset.usage = String(s.usage ?? '');
      storage.dataset.quota = String(s.quota ?? '');
    }),
  ];
  return () => {
    unsubscribeOnline();
    for (const s of subs) s.unsubscribe();
  };
}
