/**
 * The side panel: the study's ImagingSelections, live from the store (`store.watch`), whatever wrote them (this
 * viewer, a pull from the server, another tab): what each measures, its label, the image it is on, its version
 * and whether it is still waiting to be pushed. Search by text, filter by code, key images only; a click shows
 * the image.
 */
import type { ImagingSelection } from 'fhir/r5';
import type { Store } from '../../../src/index.js';
import { CORNERSTONE_EXTENSION, NOTE_EXTENSION } from '../../../src/imaging/index.js';
import type { Subscription } from 'rxjs';
import { h, mount } from './dom.js';
import { showHistory } from './history.js';
import type { StudyImages } from './study-images.js';

export interface SelectionsPanel {
  close(): void;
}

const labelOf = (s: ImagingSelection): string => s.extension?.find((e) => e.url === NOTE_EXTENSION)?.valueAnnotation?.text ?? '';
const toolOf = (s: ImagingSelection): string =>
  s.extension?.find((e) => e.url === CORNERSTONE_EXTENSION)?.extension?.find((e) => e.url === 'toolName')?.valueString ?? '';
const codeOf = (s: ImagingSelection): string => s.code?.coding?.[0]?.display ?? s.code?.text ?? s.code?.coding?.[0]?.code ?? '(no code)';
const hasRegion = (s: ImagingSelection): boolean => !!s.instance?.some((i) => i.imageRegion2D?.length || i.imageRegion3D?.length);

/** Where an instance is: `T2 · image 9`. */
function placeOf(images: StudyImages, uid: string | undefined): string {
  if (!uid) return '';
  const imageId = images.bySop.get(uid);
  const series = images.series.find((s) => imageId && s.imageIds.includes(imageId));
  return series && imageId ? `${series.description} · image ${series.imageIds.indexOf(imageId) + 1}` : 'another study';
}

export function selectionsPanel(store: Store, images: StudyImages, el: HTMLElement, show: (sopInstanceUid: string) => void): SelectionsPanel {
  const search = h('input', { type: 'search', placeholder: 'Search label or code', 'data-testid': 'selection-search', oninput: () => render() });
  const code = h('select', { 'data-testid': 'selection-code', onchange: () => render() }, h('option', { value: '' }, 'All codes'));
  const keyOnly = h('input', { type: 'checkbox', onchange: () => render() });
  const list = h('ol', { class: 'selections', 'data-testid': 'selections' });
  const count = h('span', { class: 'muted' });
  const history = h('section', { class: 'history-pane', 'data-testid': 'history-pane' });
  mount(el, h('h2', {}, 'Selections ', count), h('div', { class: 'filters' }, search, code, h('label', {}, keyOnly, ' key images only')), list, history);
  /** The selection whose history is open: shown again when the store changes it. */
  let historyOf: string | undefined;
  const openHistory = (id: string): void => {
    historyOf = id;
    showHistory(store, id, history).catch((e: unknown) => mount(history, h('p', { class: 'error' }, String(e))));
  };

  let all: ImagingSelection[] = [];
  const render = (): void => {
    const codes = [...new Set(all.map(codeOf))].sort();
    const chosen = code.value;
    mount(code, h('option', { value: '' }, 'All codes'), ...codes.map((c) => h('option', { value: c, selected: c === chosen }, c)));
    const text = search.value.trim().toLowerCase();
    const shown = all.filter(
      (s) => (!chosen || codeOf(s) === chosen) && (!keyOnly.checked || !hasRegion(s)) && (!text || `${labelOf(s)} ${codeOf(s)} ${toolOf(s)}`.toLowerCase().includes(text)),
    );
    count.textContent = `(${shown.length} of ${all.length})`;
    mount(
      list,
      ...shown.map((s) => {
        const first = s.instance?.[0]?.uid;
        const region = s.instance?.[0]?.imageRegion2D?.[0]?.regionType;
        return h(
          'li',
          { 'data-id': s.id ?? '', 'data-testid': 'selection', onclick: () => first && show(first) },
          h('strong', {}, codeOf(s)),
          labelOf(s) ? h('span', { class: 'label' }, ` “${labelOf(s)}”`) : null,
          h('div', { class: 'muted' }, [toolOf(s) || (hasRegion(s) ? 'region' : 'key images'), region, hasRegion(s) ? placeOf(images, first) : `${s.instance?.length ?? 0} images`, `v${s.meta?.versionId ?? '?'}`].filter(Boolean).join(' · ')),
          h('button', { class: 'small', 'data-testid': 'open-history', onclick: (e: Event) => (e.stopPropagation(), openHistory(s.id ?? '')) }, 'History'),
        );
      }),
    );
  };

  const subscription: Subscription = store.watch('ImagingSelection', { 'derived-from': `ImagingStudy/${images.study.id}`, _count: '1000' }).subscribe({
    next: (bundle) => {
      all = (bundle.entry ?? [])
        .map((e) => e.resource)
        .filter((r): r is ImagingSelection => r?.resourceType === 'ImagingSelection')
        .sort((a, b) => (b.meta?.lastUpdated ?? '').localeCompare(a.meta?.lastUpdated ?? ''));
      render();
      if (historyOf) openHistory(historyOf);
    },
    error: (e: unknown) => mount(list, h('li', { class: 'error' }, String(e))),
  });
  return { close: () => subscription.unsubscribe() };
}
