import fc from 'fast-check';
import { expect, it } from 'vitest';
import { typeKeyCode } from '../../src/model/resource-type-codes.js';
import { R5_RESOURCE_TYPES } from '../../src/model/resource-types.js';
import { decodeValue, indexEntries, keyBounds, keyPrefix, rowIndexKeys } from '../../src/storage/index-keys.js';
import type { IndexEntry } from '../../src/storage/rows.js';
import { decodeDocs, encodeDocs } from '../../src/storage/text-docs.js';

it('every R5 resource type has its own two-character key code, and stored codes never move', () => {
  const codes = [...R5_RESOURCE_TYPES].map(typeKeyCode);
  expect(codes.every((c) => /^[0-9a-z]{2}$/.test(c))).toBe(true);
  expect(new Set(codes).size).toBe(codes.length);
  // Databases on disk hold these: a reordered table would make every stored key unreadable.
  expect([typeKeyCode('Account'), typeKeyCode('ImagingSelection'), typeKeyCode('Patient'), typeKeyCode('VisionPrescription')]).toEqual(['00', '1y', '32', '4d']);
  expect(typeKeyCode('NotAType')).toBe('~NotAType\u001f');
});

// Dates as the extractor makes them: epoch ms within ±8.64e15, or an open end.
const date = fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.constant(-Infinity), fc.constant(Infinity));
const entry: fc.Arbitrary<IndexEntry> = fc.oneof(
  fc.tuple(fc.constantFrom('issued', 'date'), date, date).map(([param, a, b]) => ({ param, value: Math.min(a, b), high: Math.max(a, b) })),
  fc.tuple(fc.constantFrom('code', 'status'), fc.constantFrom('c', 'sc', 'p', 'st'), fc.string()).map(([param, tag, v]) => ({ param, value: `${tag}\u001f${v}` })),
);

it('the index entries decode from the keys and dates of a row', () => {
  fc.assert(
    fc.property(fc.constantFrom('ImagingSelection', 'Patient', 'Custom'), fc.array(entry, { maxLength: 12 }), (type, index) => {
      const unique = [...new Map(index.map((e) => [JSON.stringify(e), e])).values()];
      const { ix, dates } = rowIndexKeys(type, unique);
      expect(indexEntries(type, ix, dates)).toEqual(expect.arrayContaining(unique));
      expect(indexEntries(type, ix, dates)).toHaveLength(unique.length);
    }),
  );
});

it('a key range on the low ends of dates selects the same entries as the range itself, and the keys decode to the low ends', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(date, date), { minLength: 1, maxLength: 20 }), date, date, fc.boolean(), fc.boolean(), (ranges, a, b, lowerOpen, upperOpen) => {
      const [lower, upper] = [Math.min(a, b), Math.max(a, b)];
      const prefix = keyPrefix('ImagingSelection', 'issued');
      const b2 = keyBounds(prefix, { lower, upper, lowerOpen, upperOpen });
      for (const [x, y] of ranges) {
        const [low, high] = [Math.min(x, y), Math.max(x, y)];
        const [k] = rowIndexKeys('ImagingSelection', [{ param: 'issued', value: low, high }]).ix;
        const inKeys = (b2.includeLower ? k! >= b2.lower : k! > b2.lower) && (b2.includeUpper ? k! <= b2.upper : k! < b2.upper);
        const inRange = (lowerOpen ? low > lower : low >= lower) && (upperOpen ? low < upper : low <= upper);
        expect(inKeys).toBe(inRange);
        expect(decodeValue(k!.slice(prefix.length))).toBe(low);
      }
    }),
  );
});

it('the full-text documents come back from their stored string as they went in', () => {
  const doc = fc.array(fc.tuple(fc.constantFrom('liver', 'lesion', 'kidney', 'cyst', '1.2.3', 'narr'), fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 6 })
    .map((terms) => [...new Map(terms)])
    .map((terms) => ({ length: terms.reduce((n, [, tf]) => n + tf, 0), terms }));
  fc.assert(
    fc.property(fc.option(doc, { nil: undefined }), fc.option(doc, { nil: undefined }), (t, c) => {
      const text = { ...(t ? { _text: t } : {}), ...(c ? { _content: c } : {}) };
      expect(decodeDocs(encodeDocs(text))).toEqual(text);
    }),
  );
});
