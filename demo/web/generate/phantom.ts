/**
 * Synthetic anatomy: a chest (body, lungs, heart, spine, a lung nodule) and a head (skull, brain, ventricles,
 * a lesion) made of ellipses and spheres in patient millimetres, sampled at each pixel centre of a slice, with
 * seeded noise. Shapes change along z, so scrolling through a series shows something happen.
 */
import { COLUMNS, ROWS, slicePlane, type SeriesSpec, type StudySpec } from './catalogue.js';

/** The nodule of the chest and the lesion of the head: what the seeded annotations measure. */
export const CHEST_NODULE = { x: -40, y: -8, z: 6, r: 8 };
export const HEAD_LESION = { x: 28, y: -22, z: -5, r: 9 };

type Tissue = 'air' | 'fat' | 'soft' | 'lung' | 'blood' | 'bone' | 'nodule' | 'brain' | 'csf' | 'lesion';

/** Stored values (after Rescale Intercept −1024 for CT, so these are HU + 1024) per contrast and tissue. */
const VALUES: Record<SeriesSpec['contrast'], Record<Tissue, number>> = {
  ct: { air: 24, fat: 924, soft: 1064, lung: 224, blood: 1094, bone: 1724, nodule: 1084, brain: 1059, csf: 1034, lesion: 1084 },
  t1: { air: 0, fat: 900, soft: 500, lung: 0, blood: 300, bone: 120, nodule: 400, brain: 620, csf: 180, lesion: 350 },
  t2: { air: 0, fat: 700, soft: 600, lung: 0, blood: 200, bone: 100, nodule: 900, brain: 700, csf: 1500, lesion: 1300 },
  flair: { air: 0, fat: 600, soft: 550, lung: 0, blood: 150, bone: 90, nodule: 900, brain: 650, csf: 120, lesion: 1350 },
};

const inEllipse = (x: number, y: number, cx: number, cy: number, a: number, b: number): boolean => ((x - cx) / a) ** 2 + ((y - cy) / b) ** 2 <= 1;

function chest(x: number, y: number, z: number): Tissue {
  if (!inEllipse(x, y, 0, 0, 96, 70)) return 'air';
  if (!inEllipse(x, y, 0, 0, 90, 64)) return 'fat';
  const n = CHEST_NODULE;
  if ((x - n.x) ** 2 + (y - n.y) ** 2 + (z - n.z) ** 2 <= n.r ** 2) return 'nodule';
  if ((x - 0) ** 2 + (y - 44) ** 2 <= 11 ** 2) return 'bone';
  // The lungs narrow towards the apex (positive z here) and the heart sits between them below it.
  const taper = Math.max(0.35, 1 - Math.max(0, z) / 80);
  if (inEllipse(x, y, -40, -4, 30 * taper, 46 * taper) || inEllipse(x, y, 40, -4, 30 * taper, 46 * taper)) return 'lung';
  if (z < 20 && inEllipse(x, y, 8, -14, 26 - Math.max(0, z) * 0.6, 22 - Math.max(0, z) * 0.5)) return 'blood';
  if ((x - 0) ** 2 + (y - 22) ** 2 <= 8 ** 2) return 'blood'; // the aorta
  return 'soft';
}

function head(x: number, y: number, z: number): Tissue {
  // The skull is an ellipsoid: slices far from the centre cut smaller ellipses.
  const k = Math.sqrt(Math.max(0, 1 - (z / 70) ** 2));
  if (k === 0 || !inEllipse(x, y, 0, 0, 78 * k, 96 * k)) return 'air';
  if (!inEllipse(x, y, 0, 0, 70 * k, 88 * k)) return 'bone';
  const l = HEAD_LESION;
  if ((x - l.x) ** 2 + (y - l.y) ** 2 + (z - l.z) ** 2 <= l.r ** 2) return 'lesion';
  const v = Math.max(0, 1 - (z / 30) ** 2);
  if (v > 0 && (inEllipse(x, y, -9, -5, 6 * v, 26 * v) || inEllipse(x, y, 9, -5, 6 * v, 26 * v))) return 'csf';
  return 'brain';
}

/** The stored pixel values of slice `index` of a series (Rows × Columns, row by row), with seeded noise. */
export function phantomSlice(study: StudySpec, series: SeriesSpec, index: number, random: () => number): Uint16Array {
  const plane = slicePlane(series, index);
  const [x0, y0, z] = plane.imagePositionPatient;
  const values = VALUES[series.contrast];
  const noise = series.contrast === 'ct' ? 12 : 25;
  const pixels = new Uint16Array(ROWS * COLUMNS);
  for (let row = 0; row < ROWS; row++) {
    for (let column = 0; column < COLUMNS; column++) {
      const x = x0 + column * series.pixelSpacing;
      const y = y0 + row * series.pixelSpacing;
      const tissue = study.phantom === 'chest' ? chest(x, y, z) : head(x, y, z);
      const base = values[tissue];
      // Two uniforms summed: a cheap bell-shaped noise, deterministic for the seed.
      const n = tissue === 'air' && series.contrast !== 'ct' ? 0 : (random() + random() - 1) * noise;
      pixels[row * COLUMNS + column] = Math.max(0, Math.min(4095, Math.round(base + n)));
    }
  }
  return pixels;
}
