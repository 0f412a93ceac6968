/**
 * Every object store of an IndexedDB database read with the raw API (no Dexie, so no decryption): for each
 * store its primary keys, values and every index's keys, as one string. Bytes (ciphertexts) are rendered as
 * Latin-1 text, so plaintext hidden in them would show.
 */
export async function dumpDatabase(indexedDB: IDBFactory, name: string): Promise<{ text: string; stores: Record<string, number> }> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(name);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const done = <T>(req: IDBRequest<T>): Promise<T> =>
    new Promise((resolve, reject) => {
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  const replacer = (_k: string, v: unknown): unknown =>
    v instanceof Uint8Array ? String.fromCharCode(...v) : v instanceof ArrayBuffer ? String.fromCharCode(...new Uint8Array(v)) : v;
  const parts: string[] = [];
  const stores: Record<string, number> = {};
  for (const storeName of Array.from(db.objectStoreNames)) {
    const store = db.transaction(storeName, 'readonly').objectStore(storeName);
    const [keys, values] = await Promise.all([done(store.getAllKeys()), done(store.getAll())]);
    stores[storeName] = values.length;
    parts.push(JSON.stringify({ storeName, keys, values }, replacer));
    for (const indexName of Array.from(store.indexNames)) {
      const index = db.transaction(storeName, 'readonly').objectStore(storeName).index(indexName);
      const indexKeys: unknown[] = [];
      await new Promise<void>((resolve, reject) => {
        const req = index.openKeyCursor();
        req.onsuccess = () => {
          const c = req.result;
          if (!c) return resolve();
          indexKeys.push(c.key);
          c.continue();
        };
        req.onerror = () => reject(req.error);
      });
      parts.push(JSON.stringify({ storeName, indexName, indexKeys }, replacer));
    }
  }
  db.close();
  return { text: parts.join('\n'), stores };
}
