/**
 * The worklist: the ImagingStudies in the store with their patients, searched in the store (FHIR search,
 * answered from IndexedDB, offline too): patient name (chained `subject:Patient.name`), a date range on
 * `started`, `status`. Live (`store.watch`): the first pull from the server fills it in as it arrives.
 */
import type { ImagingStudy, Patient } from 'fhir/r5';
import type { Store } from '../../../src/index.js';
import type { Subscription } from 'rxjs';
import { h, mount, personName } from './dom.js';

const STATUSES = ['registered', 'available', 'cancelled', 'entered-in-error', 'unknown'];

export function worklist(store: Store, el: HTMLElement): () => void {
  const name = h('input', { type: 'search', placeholder: 'Patient name', 'data-testid': 'filter-name', oninput: () => query() });
  const from = h('input', { type: 'date', 'data-testid': 'filter-from', oninput: () => query() });
  const to = h('input', { type: 'date', 'data-testid': 'filter-to', oninput: () => query() });
  const status = h('select', { 'data-testid': 'filter-status', onchange: () => query() }, h('option', { value: '' }, 'Any status'), ...STATUSES.map((s) => h('option', { value: s }, s)));
  const body = h('tbody');
  const summary = h('p', { class: 'muted', 'data-testid': 'worklist-summary' }, 'Searching the local store…');
  mount(
    el,
    h('section', { class: 'worklist' }, h('h1', {}, 'Worklist'), h('div', { class: 'filters' }, name, h('label', {}, 'from ', from), h('label', {}, 'to ', to), status), summary,
      h('table', {}, h('thead', {}, h('tr', {}, ...['Patient', 'Born', 'Study date', 'Description', 'Modality', 'Series', 'Images', 'Status'].map((t) => h('th', {}, t)))), body)),
  );

  let subscription: Subscription | undefined;
  const query = (): void => {
    const params: Record<string, string | string[]> = { _include: 'ImagingStudy:subject', _sort: '-started', _count: '200' };
    if (name.value.trim()) params['subject:Patient.name'] = name.value.trim();
    const dates = [from.value && `ge${from.value}`, to.value && `le${to.value}`].filter((d): d is string => !!d);
    if (dates.length) params.started = dates;
    if (status.value) params.status = status.value;
    subscription?.unsubscribe();
    const started = performance.now();
    let first = true;
    subscription = store.watch('ImagingStudy', params).subscribe({
      next: (bundle) => {
        const patients = new Map<string, Patient>();
        const studies: ImagingStudy[] = [];
        for (const e of bundle.entry ?? []) {
          if (e.resource?.resourceType === 'Patient') patients.set(`Patient/${e.resource.id}`, e.resource);
          if (e.resource?.resourceType === 'ImagingStudy') studies.push(e.resource);
        }
        // The first answer's time is the search's; later ones come when the store changes.
        if (first) summary.textContent = `${studies.length} studies (searched in IndexedDB in ${Math.round(performance.now() - started)} ms)`;
        else summary.textContent = `${studies.length} studies`;
        first = false;
        mount(
          body,
          ...studies.map((s) => {
            const patient = s.subject?.reference ? patients.get(s.subject.reference) : undefined;
            return h(
              'tr',
              { 'data-testid': 'study', 'data-id': s.id ?? '', tabindex: 0, onclick: () => (location.hash = `#/study/${s.id}`) },
              h('td', {}, patient ? personName(patient.name) : (s.subject?.display ?? '')),
              h('td', {}, patient?.birthDate ?? ''),
              h('td', {}, s.started?.slice(0, 10) ?? ''),
              h('td', {}, s.description ?? ''),
              h('td', {}, (s.modality ?? []).map((m) => m.coding?.[0]?.code).join(', ')),
              h('td', {}, s.numberOfSeries ?? s.series?.length ?? ''),
              h('td', {}, s.numberOfInstances ?? ''),
              h('td', {}, s.status),
            );
          }),
        );
      },
      error: (e: unknown) => (summary.textContent = `Search failed: ${e instanceof Error ? e.message : String(e)}`),
    });
  };
  query();
  return () => subscription?.unsubscribe();
}
