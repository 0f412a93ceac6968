import { utilities } from '@cornerstonejs/core';
import { glMatrix } from 'gl-matrix';
import { expect, it } from 'vitest';
import { imageToWorld, worldToImage } from '../../src/imaging/index.js';
import { addImage, obliquePlane } from './fixtures.js';

/*
 * The two limits of Cornerstone3D's coordinate utilities that docs/imaging.md states, checked against the
 * installed @cornerstonejs/core: if one of these fails, Cornerstone changed and the page must say so.
 */
it('with gl-matrix at its default Float32Array, Cornerstone’s conversion drifts by more than the 1e-6 px round trip', () => {
  const plane = obliquePlane(0.9, [-180.123, 95.5, 310.25]);
  const imageId = addImage('1.2.826.0.1.3680043.8.498.1.2.40', plane);
  const drift = (): number => {
    let worst = 0;
    for (let i = 0; i < 50; i += 1) {
      const p: [number, number] = [3.17 * i + 0.123456, 255 - 4.91 * i];
      const back = utilities.worldToImageCoords(imageId, imageToWorld(plane, p))!;
      worst = Math.max(worst, Math.hypot(back[0] - p[0], back[1] - p[1]));
    }
    return worst;
  };
  glMatrix.setMatrixArrayType(Float32Array);
  let float32: number;
  try {
    float32 = drift();
  } finally {
    glMatrix.setMatrixArrayType(Array);
  }
  expect(float32).toBeGreaterThan(1e-6);
  // With plain arrays (what the fixtures and docs/imaging.md set) it agrees with the DICOM equation.
  expect(drift()).toBeLessThan(1e-9);
});

it('on non-square pixels Cornerstone’s worldToImageCoords scales the row direction by the row spacing, the DICOM equation by the column spacing', () => {
  // Pixel Spacing 0.5 mm between rows, 0.8 mm between columns.
  const plane = obliquePlane(0.2, [0, 0, 0], [0.5, 0.8]);
  const imageId = addImage('1.2.826.0.1.3680043.8.498.1.2.41', plane);
  const p: [number, number] = [200.5, 20.5];
  const world = imageToWorld(plane, p);
  // The DICOM equation (C.7.6.2.1.1): 200 columns along the row direction are 200 × 0.8 mm.
  const alongRow = world.reduce((sum, v, i) => sum + (v - plane.imagePositionPatient[i]!) * plane.rowCosines[i]!, 0);
  expect(alongRow).toBeCloseTo(200 * 0.8, 9);
  expect(worldToImage(plane, world)[0]).toBeCloseTo(p[0], 9);
  // Cornerstone reads the same point 200 × 0.8 / 0.5 columns along: it disagrees with its own rendered image
  // data, which spaces columns by columnPixelSpacing (getImageDataMetadata).
  expect(utilities.worldToImageCoords(imageId, world)![0]).toBeCloseTo(0.5 + (200 * 0.8) / 0.5, 6);
});
