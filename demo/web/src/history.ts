/**
 * The history panel: every version of one selection (`store.history`, the store keeps them all, pulled ones
 * included), what changed from the version before it (element paths), and restore: an update whose content is
 * the old version's, made with `If-Match` on the current one, so it is a new version (nothing is lost) and the
 * binding puts it back on the viewport like any other change of the store.
 */
import type { ImagingSelection, Resource } from 'fhir/r5';
import type { Store } from '../../../src/index.js';
import { NOTE_EXTENSION } from '../../../src/imaging/index.js';
import { h, mount } from './dom.js';

/** One leaf where two values differ: its element path and the value on each side (undefined: absent). */
export interface Difference {
  path: string;
  before: unknown;
  after: unknown;
}

/** Where two resources (or elements) differ, leaf by leaf, `meta` of a resource left out. */
export function differences(a: unknown, b: unknown, path = ''): Difference[] {
  if (a === b) return [];
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return [{ path: path || '(root)', before: a, after: b }];
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: Difference[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(...differences(a[i], b[i], `${path}[${i}]`));
    return out;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return [...new Set([...Object.keys(ra), ...Object.keys(rb)])]
    .filter((k) => !(path === '' && k === 'meta'))
    .flatMap((k) => differences(ra[k], rb[k], path ? `${path}.${k}` : k));
}

/** The element paths where two resources differ (meta left out): `instance[0].imageRegion2D[0].coordinate[2]`. */
export const changedPaths = (a: unknown, b: unknown): string[] => differences(a, b).map((d) => d.path);

const label = (s: ImagingSelection): string => s.extension?.find((e) => e.url === NOTE_EXTENSION)?.valueAnnotation?.text ?? '';

/** Shows the history of `ImagingSelection/<id>` in `el`. */
export async function showHistory(store: Store, id: string, el: HTMLElement): Promise<void> {
  const bundle = await store.history('ImagingSelection', id);
  const versions = (bundle.entry ?? []).map((e) => e.resource).filter((r): r is ImagingSelection => r?.resourceType === 'ImagingSelection');
  const current = versions[0];
  mount(
    el,
    h('h3', {}, `History of ${id.slice(0, 8)}… (${versions.length} versions)`),
    h(
      'ol',
      { class: 'history', 'data-testid': 'history' },
      ...versions.map((v, i) => {
        const older = versions[i + 1];
        const changes = older ? changedPaths(older, v) : ['(created)'];
        const region = v.instance?.[0]?.imageRegion2D?.[0];
        return h(
          'li',
          { 'data-testid': 'version', 'data-version': v.meta?.versionId ?? '' },
          h('strong', {}, `v${v.meta?.versionId ?? '?'}`),
          ` ${v.meta?.lastUpdated?.replace('T', ' ').slice(0, 19) ?? ''} `,
          label(v) ? `“${label(v)}” ` : '',
          region ? h('code', {}, `${region.regionType} ${region.coordinate.map((c) => c.toFixed(1)).join(' ')}`) : null,
          h('div', { class: 'muted' }, `changed: ${changes.slice(0, 6).join(', ')}${changes.length > 6 ? ` and ${changes.length - 6} more` : ''}`),
          i > 0 && current
            ? h(
                'button',
                {
                  'data-testid': 'restore',
                  onclick: async () => {
                    const { meta: _meta, ...content } = v;
                    await store.update({ ...(content as Resource), id } as ImagingSelection, { ifMatch: `W/"${current.meta?.versionId ?? ''}"` });
                    await showHistory(store, id, el);
                  },
                },
                `Restore v${v.meta?.versionId ?? '?'}`,
              )
            : null,
        );
      }),
    ),
  );
}
