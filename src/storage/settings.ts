import type { StoreDatabase } from './schema.js';

/** A persisted store setting's value (registered SearchParameters and terminology, the index generation). */
export async function readSetting(db: StoreDatabase, key: string): Promise<unknown> {
  return (await db.settings.get(key))?.value;
}

/** Sets a persisted store setting. */
export async function writeSetting(db: StoreDatabase, key: string, value: unknown): Promise<void> {
  await db.settings.put({ key, value });
}

/** Appends (or replaces, by `same`) a value in a list kept in the settings table, in one transaction. */
export async function saveSetting(db: StoreDatabase, key: string, value: unknown, same: (x: unknown) => boolean): Promise<void> {
  await db.transaction('rw', db.settings, async () => {
    const list = ((await db.settings.get(key))?.value as unknown[] | undefined) ?? [];
    await db.settings.put({ key, value: [...list.filter((x) => !same(x)), value] });
  });
}
