import { key } from '../search/parameters/index-entry.js';
import { keyPrefix } from './index-keys.js';
import type { StoreDatabase } from './schema.js';
import { DexieSearchSource } from './search-source.js';

/**
 * The resources that refer to `target` (`Type/id`) through any reference search parameter of their type, found
 * by index key (one multi-entry lookup), not by reading every row.
 */
export async function referringResources(
  db: StoreDatabase,
  referenceParameters: (type: string) => Iterable<string>,
  target: string,
): Promise<[string, string][]> {
  const types = await new DexieSearchSource(db).types();
  const keys: string[] = [];
  for (const type of types) for (const code of referenceParameters(type)) keys.push(keyPrefix(type, code) + key.ref(target));
  if (keys.length === 0) return [];
  // One equality read per key, all issued at once (not `anyOf`, whose cursor jumps between keys in plaintext order,
  // which the blind keys of an encrypted store do not keep).
  const found = (await Promise.all(keys.map((k) => db.resources.where('ix').equals(k).primaryKeys()))).flat();
  return [...new Map(found.map((k) => [`${k[0]}/${k[1]}`, k as [string, string]])).values()];
}
