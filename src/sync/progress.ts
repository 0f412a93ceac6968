import type { StorageReads } from '../storage/port.js';

/**
 * A list that calls `onAdd` after each `push`: the push reports its settled changes into these, so progress is
 * told as each one settles without the push knowing about progress. `map`, `filter` and the like make plain arrays.
 * @see https://hl7.org/fhir/R5/http.html#history
 */
export class NotifyingList<T> extends Array<T> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  private onAdd: () => void = () => undefined;

  /** An empty list calling `onAdd` after each push. */
  static create<T>(onAdd: () => void): NotifyingList<T> {
    const list = new NotifyingList<T>();
    list.onAdd = onAdd;
    return list;
  }

  override push(...items: T[]): number {
    const n = super.push(...items);
    this.onAdd();
    return n;
  }
}

/**
 * The server time of the last complete pull of every type in `types` from `baseUrl`: the earliest of their
 * checkpoints' server times (everything the server held before it is here), undefined until each type has
 * completed a pull once.
 * @see https://hl7.org/fhir/R5/http.html#history
 */
export async function lastCompletePull(storage: StorageReads, baseUrl: string, types: string[]): Promise<string | undefined> {
  let earliest: string | undefined;
  for (const type of types) {
    const at = (await storage.checkpoint(`${baseUrl}|${type}`))?.serverTime;
    if (at === undefined) return undefined;
    if (earliest === undefined || Date.parse(at) < Date.parse(earliest)) earliest = at;
  }
  return earliest;
}
