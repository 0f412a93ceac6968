/**
 * The raw-IndexedDB baseline of `npm run bench:browser`: what an application would write by hand with the plain
 * IndexedDB API (no Dexie, no store logic). One object store of current resources keyed by [type, id] holding the
 * resource JSON and four index fields (subject, code, issued, identifier), one history row per write, one
 * transaction per call. Runs in the page.
 * @module
 */
import type { FhirResource, ImagingSelection, Patient } from 'fhir/r5';

const RESOURCES = 'resources';
const HISTORY = 'history';

/** A current row: the resource and the keys of its four indexes. */
export interface RawRow {
  type: string;
  id: string;
  resource: FhirResource;
  /** `Patient/<id>` */
  subject?: string;
  /** `system|code` of each coding. */
  code?: string[];
  /** The instant as written (ISO 8601, UTC, milliseconds): such strings sort as the instants do. */
  issued?: string;
  /** `system|value` of each identifier. */
  identifier?: string[];
}

/** Resolves an IDBRequest. */
export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/** Resolves when a transaction commits. */
export function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** Opens (creating on first use) the baseline database in `factory`. */
export function openRaw(factory: IDBFactory, name = 'bench-raw'): Promise<IDBDatabase> {
  const req = factory.open(name, 1);
  req.onupgradeneeded = () => {
    const db = req.result;
    const current = db.createObjectStore(RESOURCES, { keyPath: ['type', 'id'] });
    current.createIndex('subject', 'subject');
    current.createIndex('code', 'code', { multiEntry: true });
    current.createIndex('issued', 'issued');
    current.createIndex('identifier', 'identifier', { multiEntry: true });
    db.createObjectStore(HISTORY, { autoIncrement: true });
  };
  return request(req);
}

const tokens = (xs: { system?: string; value?: string; code?: string }[] | undefined, field: 'value' | 'code'): string[] =>
  (xs ?? []).map((x) => `${x.system ?? ''}|${x[field] ?? ''}`);

/** The row of a resource: its JSON and the keys the four indexes read. */
export function rawRow(resource: FhirResource): RawRow {
  const row: RawRow = { type: resource.resourceType, id: resource.id!, resource };
  if (resource.resourceType === 'ImagingSelection') {
    const s = resource as ImagingSelection;
    if (s.subject?.reference) row.subject = s.subject.reference;
    row.code = tokens(s.code.coding, 'code');
    if (s.issued) row.issued = s.issued;
    row.identifier = tokens(s.identifier, 'value');
  } else if (resource.resourceType === 'Patient') {
    row.identifier = tokens((resource as Patient).identifier, 'value');
  }
  return row;
}

/** Writes resources as version 1 (meta set, as a FHIR store would), with a history row each, in one transaction. */
export async function rawPut(db: IDBDatabase, resources: FhirResource[], lastUpdated: string): Promise<void> {
  const tx = db.transaction([RESOURCES, HISTORY], 'readwrite');
  const done = committed(tx);
  const current = tx.objectStore(RESOURCES);
  const history = tx.objectStore(HISTORY);
  for (const r of resources) {
    const resource = { ...r, meta: { versionId: '1', lastUpdated } } as FhirResource;
    current.put(rawRow(resource));
    history.add({ type: r.resourceType, id: r.id, versionId: 1, resource });
  }
  await done;
}

/** A read-only view over the current rows, for the queries. */
export class RawReader {
  constructor(private readonly db: IDBDatabase) {}

  private store(): IDBObjectStore {
    return this.db.transaction(RESOURCES, 'readonly').objectStore(RESOURCES);
  }

  get(type: string, id: string): Promise<RawRow | undefined> {
    return request(this.store().get([type, id]) as IDBRequest<RawRow | undefined>);
  }

  /** Rows by ids, in one transaction. */
  getMany(type: string, ids: string[]): Promise<(RawRow | undefined)[]> {
    const s = this.store();
    return Promise.all(ids.map((id) => request(s.get([type, id]) as IDBRequest<RawRow | undefined>)));
  }

  /** Rows whose `index` key is in `range`. */
  byIndex(index: 'subject' | 'code' | 'issued' | 'identifier', range: IDBValidKey | IDBKeyRange): Promise<RawRow[]> {
    return request(this.store().index(index).getAll(range) as IDBRequest<RawRow[]>);
  }

  /** The rows of one type. */
  private typeRange(type: string): IDBKeyRange {
    return IDBKeyRange.bound([type], [type, []]);
  }

  count(type: string): Promise<number> {
    return request(this.store().count(this.typeRange(type)));
  }

  /**
   * Every row of a type kept by `keep`, reading the whole type in pages of 500 rows (`getAll` from the last key
   * read): for criteria no index covers. Pages, not a cursor: a cursor pays a round trip per row.
   */
  async scan(type: string, keep: (row: RawRow) => boolean): Promise<RawRow[]> {
    const out: RawRow[] = [];
    let range = this.typeRange(type);
    for (;;) {
      const page = await request(this.store().getAll(range, 500) as IDBRequest<RawRow[]>);
      for (const row of page) if (keep(row)) out.push(row);
      const last = page.at(-1);
      if (page.length < 500 || !last) return out;
      range = IDBKeyRange.bound([type, last.id], [type, []], true);
    }
  }

  /** The first `count` rows of the issued index, newest first, strictly older than `before` when given (keyset paging). */
  newest(count: number, before?: string): Promise<RawRow[]> {
    const out: RawRow[] = [];
    const range = before === undefined ? null : IDBKeyRange.upperBound(before, true);
    const req = this.store().index('issued').openCursor(range, 'prev');
    return new Promise((resolve, reject) => {
      req.onerror = () => reject(req.error ?? new Error('cursor failed'));
      req.onsuccess = () => {
        const c = req.result;
        if (!c) return resolve(out);
        out.push(c.value as RawRow);
        if (out.length >= count) return resolve(out);
        c.continue();
      };
    });
  }
}
