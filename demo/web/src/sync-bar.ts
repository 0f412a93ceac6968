/**
 * The sync bar: the online/offline switch, the replication's `state$`, `pending$` (outbox rows waiting to be
 * pushed), the time of the last completed cycle, the last error (`errors$`) and open conflicts (`conflicts$`).
 */
import type { Replication } from '../../../src/index.js';
import { h, mount } from './dom.js';
import type { NetworkSwitch } from './network.js';

export function syncBar(el: HTMLElement, replication: Replication, network: NetworkSwitch, title: string): () => void {
  const toggle = h('button', { 'data-testid': 'network', onclick: () => network.set(!network.online.current) });
  const state = h('span', { 'data-testid': 'sync-state' });
  const pending = h('span', { 'data-testid': 'pending' });
  const last = h('span', { 'data-testid': 'last-sync', class: 'muted' }, 'not synced yet');
  const conflicts = h('span', { 'data-testid': 'conflicts' });
  const error = h('span', { 'data-testid': 'sync-error', class: 'error' });
  mount(
    el,
    h('a', { href: '#/', class: 'brand' }, title),
    toggle,
    h('span', {}, 'sync: ', state),
    h('span', {}, 'pending: ', pending),
    h('span', {}, 'conflicts: ', conflicts),
    last,
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
  ];
  return () => {
    unsubscribeOnline();
    for (const s of subs) s.unsubscribe();
  };
}
