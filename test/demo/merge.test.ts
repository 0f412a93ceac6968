/**
 * The workstation's conflict and history helpers (demo/web/src): the merge the conflicts panel previews and
 * keeps, and the leaf differences the history and conflicts panels list.
 */
import type { ImagingSelection } from 'fhir/r5';
import { describe, expect, it } from 'vitest';
import { mergeWithChoices } from '../../demo/web/src/conflicts.js';
import { changedPaths, differences } from '../../demo/web/src/history.js';
import type { Conflict } from '../../src/index.js';

const base: ImagingSelection = { resourceType: 'ImagingSelection', id: 's', status: 'available', code: { text: 'Length' }, instance: [{ uid: '1.2', imageRegion2D: [{ regionType: 'polyline', coordinate: [1, 2, 3, 4] }] }] };
const local: ImagingSelection = { ...base, meta: { versionId: '3' }, status: 'unknown', instance: [{ uid: '1.2', imageRegion2D: [{ regionType: 'polyline', coordinate: [1, 2, 30, 40] }] }] };
const remote: ImagingSelection = { ...base, meta: { versionId: '4' }, code: { text: 'Length, checked' }, instance: [{ uid: '1.2', imageRegion2D: [{ regionType: 'polyline', coordinate: [10, 2, 3, 4] }] }] };
const conflict: Conflict = { type: 'ImagingSelection', resourceId: 's', local, remote, base, remoteVersion: '4', elements: ['instance'], detectedAt: 0 };

describe('conflicts panel: mergeWithChoices', () => {
  it('takes each element only one side changed from that side, and the chosen side for a conflicting one', () => {
    const mine = mergeWithChoices(conflict, () => 'mine') as ImagingSelection;
    expect(mine.status).toBe('unknown'); // changed here only
    expect(mine.code.text).toBe('Length, checked'); // changed on the server only
    expect(mine.instance?.[0]?.imageRegion2D?.[0]?.coordinate).toEqual([1, 2, 30, 40]);
    expect(mine.meta?.versionId).toBe('4'); // the server's meta: the merge is pushed on top of its version
    const theirs = mergeWithChoices(conflict, () => 'theirs') as ImagingSelection;
    expect(theirs.status).toBe('unknown');
    expect(theirs.instance?.[0]?.imageRegion2D?.[0]?.coordinate).toEqual([10, 2, 3, 4]);
  });

  it('a deletion on one side keeps the other side whole', () => {
    expect(mergeWithChoices({ ...conflict, local: undefined }, () => 'mine')).toBe(remote);
    expect(mergeWithChoices({ ...conflict, remote: undefined }, () => 'mine')).toBe(local);
  });
});

describe('history panel: differences', () => {
  it('lists the leaves that differ with both values, meta left out', () => {
    expect(differences(base, local)).toEqual([
      { path: 'status', before: 'available', after: 'unknown' },
      { path: 'instance[0].imageRegion2D[0].coordinate[2]', before: 3, after: 30 },
      { path: 'instance[0].imageRegion2D[0].coordinate[3]', before: 4, after: 40 },
    ]);
    expect(changedPaths(local, { ...local, meta: { versionId: '9' } })).toEqual([]);
    expect(changedPaths(base, { ...base, extension: [{ url: 'x', valueString: 'y' }] })).toEqual(['extension']);
  });
});
