import { FhirError } from '../../errors/fhir-error.js';
import type { StoreDatabase } from '../schema.js';
import { checkEncryptionOptions, newDataKey, unwrapDataKey, workingKeys, wrapDataKey, type KeyHeader } from './key-header.js';
import { encryptionMiddleware, SEALED_TABLES, type CipherHolder } from './middleware.js';
import { ENCRYPTION_SETTING, type EncryptionOptions } from './options.js';
import { RowCipher } from './row-cipher.js';

/** Whether any table that would be sealed holds a row (written in the clear, since the database has no header). */
async function holdsPlainRows(db: StoreDatabase): Promise<boolean> {
  const counts = await Promise.all(Object.keys(SEALED_TABLES).map((t) => db.table(t).count()));
  return counts.some((n) => n > 0);
}

/**
 * The encryption of one store's database: registers the sealing middleware before the database opens,
 * unlocks it with the app's key or passphrase after, and re-wraps its data key on `rekey`.
 * @see https://www.w3.org/TR/WebCryptoAPI/#aes-gcm
 */
export class DatabaseEncryption {
  private readonly holder: CipherHolder = {};
  private dataKey: Uint8Array<ArrayBuffer> | undefined;

  /** Call before `db.open()`: Dexie builds its middleware stack when the database opens. */
  constructor(
    private readonly db: StoreDatabase,
    options: EncryptionOptions,
  ) {
    checkEncryptionOptions(options);
    db.use(encryptionMiddleware(this.holder));
  }

  /**
   * Reads the key header and unwraps the data key (401 when the key or passphrase does not open it; nothing
   * is written then). A new, empty database gets a new random data key and its header; a database with rows
   * but no header was written in the clear, and is refused with 409.
   */
  async unlock(options: EncryptionOptions): Promise<void> {
    const db = this.db;
    let header = (await db.settings.get(ENCRYPTION_SETTING))?.value as KeyHeader | undefined;
    if (header === undefined) {
      if (await holdsPlainRows(db)) {
        throw new FhirError(409, {
          code: 'conflict',
          diagnostics: `Database ${db.name} holds unencrypted data: encryption applies to a new database (export this one and import it into an encrypted store)`,
        });
      }
      // Made before the transaction (Web Crypto awaits would commit it); another tab may have won meanwhile.
      const dataKey = newDataKey();
      const fresh = await wrapDataKey(dataKey, options);
      const kept = await db.transaction('rw', db.settings, async () => {
        const row = await db.settings.get(ENCRYPTION_SETTING);
        if (row === undefined) await db.settings.put({ key: ENCRYPTION_SETTING, value: fresh });
        return row?.value as KeyHeader | undefined;
      });
      header = kept ?? fresh;
    }
    const dataKey = await unwrapDataKey(header, options, db.name);
    const { rowKey, indexKey } = await workingKeys(dataKey);
    this.dataKey = dataKey;
    this.holder.cipher = new RowCipher(rowKey, indexKey);
  }

  /** Drops the keys and the plaintext kept of opened rows (the store closed). */
  close(): void {
    this.holder.cipher?.forget();
    this.holder.cipher = undefined;
    this.dataKey = undefined;
  }

  /** Wraps the data key under a new key or passphrase and replaces the header: one row written, no row re-encrypted. */
  async rekey(to: EncryptionOptions): Promise<void> {
    checkEncryptionOptions(to);
    if (!this.dataKey) throw new Error('The encrypted database is not unlocked');
    const header = await wrapDataKey(this.dataKey, to);
    await this.db.settings.put({ key: ENCRYPTION_SETTING, value: header });
  }
}
