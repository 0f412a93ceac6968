/**
 * The workstation demo's data generator (demo/web/generate): DICOM files dcmjs can read back, with the UIDs,
 * geometry and pixels the FHIR resources name; the same bytes on every run; seeded selections on the shapes
 * they measure.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import type { ImagingSelection, ImagingStudy, Resource } from 'fhir/r5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoResources, generateDicom, instancePath } from '../../demo/web/generate/index.js';
import { annotationsFromSelection } from '../../src/imaging/index.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'fhir-store-demo-'));
  dirs.push(d);
  return d;
};

function read(file: string): Record<string, unknown> {
  const bytes = readFileSync(file);
  const message = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict);
}

const digest = (dir: string): string => {
  const h = createHash('sha256');
  for (const f of readdirSync(join(dir, 'dicom')).sort()) h.update(f).update(readFileSync(join(dir, 'dicom', f)));
  return h.digest('hex');
};

describe('demo/web data generator', () => {
  let dir: string;
  let resources: Resource[];
  beforeAll(() => {
    dir = tmp();
    generateDicom(dir);
    resources = demoResources('http://127.0.0.1:5173/wado');
  }, 60_000);
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('writes one readable Part 10 file per instance the ImagingStudies list, with their UIDs and geometry', () => {
    const studies = resources.filter((r): r is ImagingStudy => r.resourceType === 'ImagingStudy');
    expect(studies).toHaveLength(2);
    const instances = studies.flatMap((s) => (s.series ?? []).flatMap((se) => (se.instance ?? []).map((i) => ({ s, se, i }))));
    expect(instances).toHaveLength(40 + 24 + 3 * 20);
    expect(readdirSync(join(dir, 'dicom')).filter((f) => f.endsWith('.dcm'))).toHaveLength(instances.length);
    for (const { s, se, i } of [instances[0]!, instances[63]!, instances[100]!]) {
      const ds = read(instancePath(dir, i.uid)!);
      expect(ds.SOPInstanceUID).toBe(i.uid);
      expect(ds.SeriesInstanceUID).toBe(se.uid);
      expect(`urn:oid:${String(ds.StudyInstanceUID)}`).toBe(s.identifier?.[0]?.value);
      expect(Number(ds.InstanceNumber)).toBe(i.number);
      expect([ds.Rows, ds.Columns, ds.BitsAllocated]).toEqual([256, 256, 16]);
      expect((ds.ImageOrientationPatient as number[]).map(Number)).toEqual([1, 0, 0, 0, 1, 0]);
    }
  });

  it('makes the same bytes on every run (seeded), and refuses a UID that is not one', () => {
    const again = tmp();
    generateDicom(again);
    expect(digest(again)).toBe(digest(dir));
    expect(generateDicom(again).written).toBe(false); // the stamp: not written twice
    expect(instancePath(dir, '../../etc/passwd')).toBeUndefined();
  }, 60_000);

  it('seeds selections made by the bridge on the phantom shapes they measure', () => {
    const selections = resources.filter((r): r is ImagingSelection => r.resourceType === 'ImagingSelection');
    expect(selections.map((s) => s.id)).toContain('key-images-chest');
    const ellipse = selections.find((s) => s.instance?.[0]?.imageRegion2D?.[0]?.regionType === 'ellipse')!;
    const [c1, r1, c2, r2] = ellipse.instance![0]!.imageRegion2D![0]!.coordinate;
    // The centre of the ellipse is on the nodule: its pixel there is soft tissue (HU ≈ 60), not lung (HU ≈ −800).
    const ds = read(instancePath(dir, ellipse.instance![0]!.uid)!);
    const pixels = new Uint16Array((ds.PixelData as ArrayBuffer[])[0]!);
    const column = Math.floor((c1! + c2!) / 2);
    const row = Math.floor((r1! + r2!) / 2);
    const hu = pixels[row * 256 + column]! + Number(ds.RescaleIntercept);
    expect(hu).toBeGreaterThan(0);
    expect(hu).toBeLessThan(150);
    // And it comes back as a Cornerstone annotation with its UID.
    const [back] = annotationsFromSelection(ellipse, { imageId: (i) => `wadouri:${i.sopInstanceUid}`, imagePlane: () => ({ imagePositionPatient: (ds.ImagePositionPatient as number[]).map(Number), rowCosines: [1, 0, 0], columnCosines: [0, 1, 0], rowPixelSpacing: 0.8, columnPixelSpacing: 0.8, rows: 256, columns: 256 }) });
    expect(back?.annotationUID).toBe(ellipse.id);
    expect(back?.metadata?.toolName).toBe('EllipticalROI');
  });
});
