/**
 * The conflicts panel: each open conflict of the replication (`conflicts$`: a local change and a different
 * server version of the same element) with the two sides of every conflicting element side by side, a choice
 * per element, the merged resource that choice makes (a preview), and keep mine / keep theirs / merged
 * (`replication.resolve`). Either way both versions stay in the store's history.
 */
import type { Resource } from 'fhir/r5';
import type { Conflict, Replication } from '../../../src/index.js';
import { h, mount } from './dom.js';
import { differences } from './history.js';

type Json = Record<string, unknown>;
const SKIP = new Set(['meta', 'id', 'resourceType']);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The three-way merge with the user's choices: every element only one side changed (against the base) takes
 * that side's value; a conflicting element takes the chosen side's.
 */
export function mergeWithChoices(conflict: Conflict, choose: (element: string) => 'mine' | 'theirs'): Resource | null {
  const local = conflict.local as Json | undefined;
  const remote = conflict.remote as Json | undefined;
  if (!local || !remote) return (local ?? remote ?? null) as Resource | null;
  const base = (conflict.base ?? {}) as Json;
  const out: Json = { ...remote };
  for (const k of new Set([...Object.keys(local), ...Object.keys(remote)])) {
    if (SKIP.has(k)) continue;
    const pick = conflict.elements.includes(k) ? choose(k) : same(local[k], base[k]) ? 'theirs' : 'mine';
    const value = pick === 'mine' ? local[k] : remote[k];
    if (value === undefined) delete out[k];
    else out[k] = value;
  }
  return out as unknown as Resource;
}

const show = (v: unknown): string => (v === undefined ? '(absent)' : JSON.stringify(v, null, 1));

/** What one side changed in an element since the base, leaf by leaf (`coordinate[2]: 59.5 → 79.5`), then the whole value. */
function side(base: unknown, value: unknown, element: string): HTMLElement {
  const changed = differences(base, value, element);
  return h(
    'div',
    {},
    h('ul', { class: 'changes', 'data-testid': 'changes' }, ...changed.slice(0, 8).map((d) => h('li', {}, h('code', {}, d.path), `: ${show(d.before)} → ${show(d.after)}`))),
    changed.length > 8 ? h('div', { class: 'muted' }, `and ${changed.length - 8} more`) : null,
    h('details', {}, h('summary', {}, 'whole element'), h('pre', {}, show(value))),
  );
}

export function conflictsPanel(el: HTMLElement, replication: Replication): () => void {
  const subscription = replication.conflicts$.subscribe((conflicts) => {
    el.hidden = conflicts.length === 0;
    mount(
      el,
      h('h2', {}, `Conflicts (${conflicts.length})`),
      ...conflicts.map((c) => {
        const choices = new Map<string, 'mine' | 'theirs'>(c.elements.map((e) => [e, 'mine']));
        const preview = h('pre', { class: 'preview', 'data-testid': 'merge-preview' });
        const repaint = (): void => {
          preview.textContent = JSON.stringify(mergeWithChoices(c, (e) => choices.get(e) ?? 'mine'), null, 1);
        };
        const resolve = (resource: Resource | null | undefined): void => {
          void replication.resolve(c, resource ?? null);
        };
        const rows = c.elements.map((e) =>
          h(
            'tr',
            {},
            h('th', {}, e),
            h('td', {}, h('label', {}, h('input', { type: 'radio', name: `${c.resourceId}-${e}`, checked: true, onchange: () => (choices.set(e, 'mine'), repaint()) }), ' mine'), side((c.base as Json | undefined)?.[e], (c.local as Json | undefined)?.[e], e)),
            h('td', {}, h('label', {}, h('input', { type: 'radio', name: `${c.resourceId}-${e}`, onchange: () => (choices.set(e, 'theirs'), repaint()) }), ' theirs'), side((c.base as Json | undefined)?.[e], (c.remote as Json | undefined)?.[e], e)),
          ),
        );
        repaint();
        return h(
          'article',
          { class: 'conflict', 'data-testid': 'conflict', 'data-id': c.resourceId },
          h('h3', {}, `${c.type}/${c.resourceId}`, h('span', { class: 'muted' }, ` · server version ${c.remoteVersion} · ${c.elements.join(', ') || 'deleted on one side'}`)),
          h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'element'), h('th', {}, 'this workstation'), h('th', {}, 'server'))), h('tbody', {}, ...rows)),
          h('details', {}, h('summary', {}, 'merge preview'), preview),
          h('div', { class: 'actions' },
            h('button', { 'data-testid': 'keep-mine', onclick: () => resolve(c.local) }, 'Keep mine'),
            h('button', { 'data-testid': 'keep-theirs', onclick: () => resolve(c.remote) }, 'Keep theirs'),
            h('button', { 'data-testid': 'keep-merged', onclick: () => resolve(mergeWithChoices(c, (e) => choices.get(e) ?? 'mine')) }, 'Keep merged'),
          ),
        );
      }),
    );
  });
  return () => subscription.unsubscribe();
}
