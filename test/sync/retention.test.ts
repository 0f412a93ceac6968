import { describe, expect, it } from 'vitest';
import { retentionProblem } from '../../src/sync/retention-check.js';
import { minusDuration, retentionCriteria } from '../../src/sync/retention.js';

const NOW = new Date('2025-03-31T12:00:00.000Z');

describe('retention: ISO 8601 durations back from now', () => {
  it.each([
    ['P90D', '2024-12-31T12:00:00.000Z'],
    ['P1Y', '2024-03-31T12:00:00.000Z'],
    ['P2W', '2025-03-17T12:00:00.000Z'],
    ['PT12H', '2025-03-31T00:00:00.000Z'],
    ['PT1.5S', '2025-03-31T11:59:58.500Z'],
    ['P1DT1H1M1S', '2025-03-30T10:58:59.000Z'],
    ['P1M', '2025-03-03T12:00:00.000Z'], // February 31st is March 3rd, as Date counts
  ])('%s before %s', (duration, expected) => {
    expect(minusDuration(NOW, duration)?.toISOString()).toBe(expected);
  });

  it.each(['', 'P', 'PT', '90D', 'P-1D', 'P1.5D', 'PT1H2', 'p1d', 'P1DT'])('%j is not a duration', (duration) => {
    expect(minusDuration(NOW, duration)).toBeUndefined();
  });

  it('selects by the field it names, `_lastUpdated` for lastUpdated', () => {
    expect(retentionCriteria({ ImagingSelection: { olderThan: 'P90D', field: 'issued' }, Patient: { olderThan: 'P1Y' } }, NOW)).toEqual([
      { type: 'ImagingSelection', search: 'issued=lt2024-12-31T12%3A00%3A00.000Z' },
      { type: 'Patient', search: '_lastUpdated=lt2024-03-31T12%3A00%3A00.000Z' },
    ]);
  });

  it.each([
    [[], /must be an object/],
    [{ imaging: { olderThan: 'P1D' } }, /not a FHIR resource type name/],
    [{ ImagingSelection: 'P1D' }, /must be \{ olderThan, field\? \}/],
    [{ ImagingSelection: { olderThan: 'P1.5D' } }, /ISO 8601 duration/],
    [{ ImagingSelection: { olderThan: 90 } }, /ISO 8601 duration/],
    [{ ImagingSelection: { olderThan: 'P1D', field: 'issued=lt' } }, /field must be lastUpdated or a date search parameter code/],
  ])('refuses %j', (value, message) => {
    expect(retentionProblem(value)).toMatch(message);
  });
});
