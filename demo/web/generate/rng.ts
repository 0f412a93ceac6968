import { createHash } from 'node:crypto';

/**
 * A seeded pseudo-random generator (mulberry32, the benchmark data's): the same seed gives the same phantom noise
 * on every machine, so the generated series are byte-identical from run to run.
 */
export { prng as seededRandom } from '../../../bench/generate.js';

/**
 * A DICOM UID derived from a name: `2.25.` and the first 128 bits of its SHA-256 as a decimal integer
 * (PS3.5 B.2, the UUID-derived root), so each run names the same study, series and instance the same way.
 */
export function uidFor(name: string): string {
  const hex = createHash('sha256').update(`fhir-offline-store demo ${name}`).digest('hex').slice(0, 32);
  return `2.25.${BigInt(`0x${hex}`).toString(10)}`;
}

/** A version-4-shaped UUID derived from a name (for annotation UIDs, which are FHIR ids too). */
export function uuidFor(name: string): string {
  const h = createHash('sha256').update(`fhir-offline-store demo uuid ${name}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
