import { IDBFactory } from 'fake-indexeddb';

/** The `Storage` interface over a Map: a marker that survives the IndexedDB database, as `localStorage` does. */
export class MemoryStorage {
  private readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

/** A fault of the wrapped IndexedDB: the error a browser's connection throws, and for which transactions. */
export interface Fault {
  /** `readwrite` transactions only (a database left read-only), or every transaction. */
  mode: 'readwrite' | 'any';
  /** The DOMException name, e.g. `UnknownError`, `InvalidStateError`. */
  name: string;
  /** Throw once, or on every transaction until cleared. */
  once: boolean;
}

/**
 * A real (fake-indexeddb) IndexedDB factory whose connections can be made to fail as a browser's do after it left
 * a database unusable: `IDBDatabase.transaction()` throws a DOMException (Firefox after a quota failure, Chromium
 * after losing its backing store), and with `failOpen` opening fails too. Nothing else is changed: the data lives
 * in the real factory.
 */
export class FaultyIndexedDb {
  readonly factory = new IDBFactory();
  /** The fault armed, if any. */
  fault: Fault | undefined;
  /** When set, opening a database fails with this DOMException name. */
  failOpen: string | undefined;
  /** Faults thrown so far. */
  thrown = 0;

  /** The factory to pass to `openStore({ indexedDB })`. */
  get indexedDB(): IDBFactory {
    const faults = this;
    const real = this.factory;
    return new Proxy(real, {
      get(target, prop) {
        if (prop === 'open') {
          return (name: string, version?: number) => {
            if (faults.failOpen !== undefined) throw new DOMException(`injected: cannot open ${name}`, faults.failOpen);
            const request = version === undefined ? target.open(name) : target.open(name, version);
            // Registered before Dexie's `onsuccess`, so the connection is wrapped before Dexie uses it.
            request.addEventListener('success', () => faults.wrap(request.result));
            return request;
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /** Makes this connection's `transaction()` throw while a fault is armed for its mode. */
  private wrap(db: IDBDatabase): void {
    const transaction = db.transaction.bind(db);
    db.transaction = ((stores: string | string[], mode?: IDBTransactionMode, options?: IDBTransactionOptions) => {
      const f = this.fault;
      if (f !== undefined && (f.mode === 'any' || mode === 'readwrite')) {
        if (f.once) this.fault = undefined;
        this.thrown++;
        throw new DOMException(`injected: the connection refuses a ${mode ?? 'readonly'} transaction`, f.name);
      }
      return transaction(stores, mode, options);
    }) as IDBDatabase['transaction'];
  }
}
