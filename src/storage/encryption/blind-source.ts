import type { CandidateRow, KeyEntry, KeyRange } from '../../search/engine/source.js';
import { encodeValue, keyBounds, keyPrefix } from '../index-keys.js';
import { DexieSearchSource } from '../search-source.js';

/** One index entry of a decrypted row, as the plaintext index would hold it. */
interface Entry {
  key: string;
  value: string | number;
  row: CandidateRow;
}

/** A range the blind index answers: one exact string key of a search parameter (not `_id`, `_lastUpdated` or a date's high end). */
const isEquality = (r: KeyRange): boolean => r.on !== 'high' && typeof r.lower === 'string' && r.lower === r.upper && !r.lowerOpen && !r.upperOpen;

/** `_id` and `_lastUpdated` read their plain keys (`[type+id]`, `[type+ts]`); an equality, its blind key. */
const onStoredKeys = (param: string, r: KeyRange): boolean => param === '_id' || param === '_lastUpdated' || isEquality(r);

const compareEntries = (a: Entry, b: Entry): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.row.id < b.row.id ? -1 : a.row.id > b.row.id ? 1 : 0);

/**
 * The search source of an encrypted store. An equality lookup (token, reference, `:exact`/`:missing` keys,
 * `_text` terms) reads the blind index, as fast as the plaintext one. Anything a blind key cannot answer (date
 * and number ranges, string prefixes, `:below`/`:above`, sorts on a parameter) is answered from the decrypted
 * rows of the type: the same entries, in the same key order, as the plaintext index would give, at the cost of
 * reading and decrypting every row of the type. `_id` and `_lastUpdated` stay on their plain keys.
 * @see https://hl7.org/fhir/R5/search.html
 */
export class BlindIndexSource extends DexieSearchSource {
  /** The entries of `param` in the range, read from the decrypted rows, in index order (key, then id). */
  private async entries(type: string, param: string, r: KeyRange): Promise<Entry[]> {
    const prefix = keyPrefix(type, param);
    const b = keyBounds(prefix, r);
    const out: Entry[] = [];
    for (const row of await this.all(type)) {
      const seen = new Set<string>();
      for (const e of row.index) {
        if (e.param !== param) continue;
        const value = r.on === 'high' ? e.high : e.value;
        if (value === undefined) continue;
        const key = prefix + encodeValue(value);
        if (seen.has(key)) continue;
        seen.add(key);
        const above = b.includeLower ? key >= b.lower : key > b.lower;
        const below = b.includeUpper ? key <= b.upper : key < b.upper;
        if (above && below) out.push({ key, value, row });
      }
    }
    return out.sort(compareEntries);
  }

  override async idsUpTo(type: string, param: string, r: KeyRange, limit: number): Promise<string[] | undefined> {
    if (onStoredKeys(param, r)) return super.idsUpTo(type, param, r, limit);
    const found = await this.entries(type, param, r);
    return found.length >= limit ? undefined : [...new Set(found.map((e) => e.row.id))];
  }

  override async ids(type: string, param: string, r: KeyRange): Promise<string[]> {
    if (onStoredKeys(param, r)) return super.ids(type, param, r);
    return [...new Set((await this.entries(type, param, r)).map((e) => e.row.id))];
  }

  override async idsInKeyOrder(type: string, param: string, r: KeyRange): Promise<string[]> {
    if (onStoredKeys(param, r)) return super.idsInKeyOrder(type, param, r);
    return (await this.entries(type, param, r)).map((e) => e.row.id);
  }

  override async keys(type: string, param: string, r: KeyRange, opts: { limit?: number } = {}): Promise<KeyEntry[]> {
    if (param === '_id' || param === '_lastUpdated') return super.keys(type, param, r, opts);
    // A blind key has no value to decode: an equality's value is the one looked up.
    if (isEquality(r)) return (await super.keys(type, param, r, opts)).map((k) => ({ value: r.lower, id: k.id }));
    const found = await this.entries(type, param, r);
    return found.slice(0, opts.limit ?? found.length).map((e) => ({ value: e.value, id: e.row.id }));
  }

  override async rowsInKeyOrder(type: string, param: string, r: KeyRange, opts: { limit?: number; reverse?: boolean } = {}): Promise<{ rows: CandidateRow[]; read: number }> {
    if (onStoredKeys(param, r)) return super.rowsInKeyOrder(type, param, r, opts);
    const found = await this.entries(type, param, r);
    if (opts.reverse) found.reverse();
    const taken = found.slice(0, opts.limit ?? found.length);
    return { rows: taken.map((e) => e.row), read: taken.length };
  }
}
