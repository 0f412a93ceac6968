import type { DBCore, DBCoreCursor, DBCoreKeyRange, DBCoreMutateRequest, DBCoreQuery, DBCoreTable, Middleware } from 'dexie';
import { isDateKey } from '../index-keys.js';
import type { RowCipher } from './row-cipher.js';

/** How one table is stored encrypted. */
interface SealedTable {
  /** Fields kept in the clear: the primary key and the indexed fields (IndexedDB must read them). */
  plain: readonly string[];
  /** The plain fields the ciphertext is bound to (its AAD): a sealed value moved to another row fails to open. */
  bound: readonly string[];
  /**
   * Multi-entry indexes whose keys become blind keys (HMAC), with the plaintext keys they keep: an equality
   * lookup finds them, a range cannot. `false`: the index is not written at all.
   */
  blind?: Record<string, ((key: string) => boolean) | false>;
}

/** The stored form of a sealed row: its plain fields, blind index keys, and `sealed` (every other field). */
const SEALED = 'sealed';

const everyKey = (): boolean => true;

/**
 * The tables whose rows are sealed, and how. `settings` (registered SearchParameters and terminology, the key
 * header) and `typeStats` (counts and full-text statistics) hold no resource content and stay as they are.
 */
export const SEALED_TABLES: Record<string, SealedTable> = {
  // Date (and number) keys are dropped, not blinded: only ranges reach them, which a blind key cannot answer
  // (the search source filters decrypted rows instead); the high ends (`hx`) likewise.
  resources: { plain: ['type', 'id', 'ts', 'deleted'], bound: ['type', 'id'], blind: { ix: (k) => !isDateKey(k), hx: false } },
  texts: { plain: ['type', 'ts', 'id', 'pending'], bound: ['type', 'ts', 'id'], blind: { tx: everyKey } },
  history: { plain: ['seq', 'type', 'id', 'versionId', 'ts'], bound: ['type', 'id', 'versionId'] },
  outbox: { plain: ['type', 'id', 'seq'], bound: ['type', 'id'] },
  conflicts: { plain: ['id', 'type', 'resourceId'], bound: ['type', 'resourceId'] },
  deadLetters: { plain: ['type', 'id'], bound: ['type', 'id'] },
  remote: { plain: ['type', 'id'], bound: ['type', 'id'] },
  checkpoints: { plain: ['key'], bound: ['key'] },
};

/** Where the cipher comes from: unset until the database's key header has been read and unlocked. */
export interface CipherHolder {
  cipher?: RowCipher;
}

/** The error an encrypted table answers before the store is unlocked: a bug of the opening code, never data. */
const locked = (): Error => new Error('The encrypted database is not unlocked yet');

type Row = Record<string, unknown>;

/** The AAD of a row: its table and the values of its bound fields. */
const aadOf = (table: string, spec: SealedTable, row: Row): string => `${table}\u0000${JSON.stringify(spec.bound.map((f) => row[f] ?? null))}`;

// Open date ends are ±Infinity, which JSON has no form for: the date entries carry them as these strings while
// sealed. (A replacer and reviver for every value would slow stringify and parse several times.)
const PLUS_INFINITY = '+∞';
const MINUS_INFINITY = '-∞';
type StoredDate = [string, number | string, number | string];
const toJsonDate = (v: number): number | string => (v === Infinity ? PLUS_INFINITY : v === -Infinity ? MINUS_INFINITY : v);
const fromJsonDate = (v: number | string): number => (v === PLUS_INFINITY ? Infinity : v === MINUS_INFINITY ? -Infinity : (v as number));

function seal(table: string, spec: SealedTable, cipher: RowCipher, row: Row): Row {
  const stored: Row = {};
  const hidden: Row = {};
  for (const [k, v] of Object.entries(row)) {
    if (spec.plain.includes(k)) stored[k] = v;
    else if (v !== undefined) hidden[k] = v;
  }
  if (Array.isArray(hidden.dates)) hidden.dates = (hidden.dates as [string, number, number][]).map(([p, low, high]): StoredDate => [p, toJsonDate(low), toJsonDate(high)]);
  for (const [index, keep] of Object.entries(spec.blind ?? {})) {
    const keys = row[index];
    if (keep && Array.isArray(keys)) stored[index] = [...new Set((keys as string[]).filter(keep).map((k) => cipher.blind(k)))];
  }
  stored[SEALED] = cipher.seal(hidden, aadOf(table, spec, row));
  return stored;
}

function unseal(table: string, spec: SealedTable, cipher: RowCipher, stored: unknown): unknown {
  if (stored === undefined || stored === null) return stored;
  const s = stored as Row;
  const sealed = s[SEALED];
  // Rows that are not sealed never reach an encrypted store (opening refuses a database with plaintext rows).
  if (!(sealed instanceof Uint8Array)) throw new Error(`A row of ${table} is not sealed`);
  const row: Row = {};
  for (const f of spec.plain) if (s[f] !== undefined) row[f] = s[f];
  const hidden = cipher.open(sealed, aadOf(table, spec, row)) as Row;
  if (Array.isArray(hidden.dates)) hidden.dates = (hidden.dates as StoredDate[]).map(([p, low, high]) => [p, fromJsonDate(low), fromJsonDate(high)]);
  return Object.assign(row, hidden);
}

/** An equality range on a blind index, as its blind key; any other range is a caller's bug (see BlindIndexSource). */
function blindRange(range: DBCoreKeyRange, index: string, cipher: RowCipher): DBCoreKeyRange {
  const equal = range.type === 1 || (range.type === 2 && !range.lowerOpen && !range.upperOpen && range.lower === range.upper);
  if (!equal || typeof range.lower !== 'string') throw new Error(`The encrypted index ${index} answers equality lookups only`);
  const k = cipher.blind(range.lower);
  return { type: 1, lower: k, upper: k };
}

/** A cursor whose values are opened as they are read (once per position). */
function openingCursor(cursor: DBCoreCursor, open: (v: unknown) => unknown): DBCoreCursor {
  let raw: unknown;
  let opened: unknown;
  return Object.create(cursor, {
    value: {
      get() {
        const v = cursor.value;
        if (v !== raw) {
          raw = v;
          opened = open(v);
        }
        return opened;
      },
    },
  }) as DBCoreCursor;
}

function sealedTable(down: DBCoreTable, spec: SealedTable, holder: CipherHolder): DBCoreTable {
  const name = down.name;
  const cipher = (): RowCipher => {
    if (!holder.cipher) throw locked();
    return holder.cipher;
  };
  const open = (v: unknown): unknown => unseal(name, spec, cipher(), v);
  const query = (q: DBCoreQuery): DBCoreQuery => {
    const index = q.index.name;
    return index && spec.blind?.[index] !== undefined ? { ...q, range: blindRange(q.range, index, cipher()) } : q;
  };
  return {
    ...down,
    mutate(req: DBCoreMutateRequest) {
      if (req.type !== 'add' && req.type !== 'put') return down.mutate(req);
      const c = cipher();
      return down.mutate({ ...req, values: req.values.map((v: Row) => seal(name, spec, c, v)) } as DBCoreMutateRequest);
    },
    get: (req) => down.get(req).then(open),
    getMany: (req) => down.getMany(req).then((rows) => rows.map(open)),
    query: (req) => {
      const q = { ...req, query: query(req.query) };
      return down.query(q).then((res) => (!q.values ? res : { ...res, result: res.result.map(open) }));
    },
    openCursor: (req) => {
      const q = { ...req, query: query(req.query) };
      return down.openCursor(q).then((cursor) => (cursor && q.values ? openingCursor(cursor, open) : cursor));
    },
    count: (req) => down.count({ ...req, query: query(req.query) }),
  };
}

/**
 * The DBCore middleware of an encrypted store, registered with `db.use` before the database opens: every row
 * of the tables in {@link SEALED_TABLES} is sealed on its way to IndexedDB and opened on its way back, and
 * equality lookups on the multi-entry indexes are turned into blind key lookups. The layers above, the write
 * path and the sync mutations included, read and write plaintext rows as before.
 * @see https://dexie.org/docs/Dexie/Dexie.use()
 */
export function encryptionMiddleware(holder: CipherHolder): Middleware<DBCore> {
  return {
    stack: 'dbcore',
    name: 'fhir-offline-store:encryption',
    create: (down) => ({
      ...down,
      table(name: string) {
        const table = down.table(name);
        const spec = SEALED_TABLES[name];
        return spec ? sealedTable(table, spec, holder) : table;
      },
    }),
  };
}
