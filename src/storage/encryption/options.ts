/**
 * How an encrypted store is unlocked (`openStore({ encryption })`, `store.rekey`). Either opens a
 * key-encryption key that wraps the store's random data key; the data key never leaves the database unwrapped.
 * - `key`: an AES-GCM 256-bit Web Crypto key the app keeps (best made non-extractable, e.g. in a key store or
 *   derived from a WebAuthn PRF output), with the usages `encrypt` and `decrypt`.
 * - `passphrase`: derived with PBKDF2-SHA256 at `iterations` (at least 600,000, OWASP's figure for 2023; the
 *   default) over a random salt kept in the database.
 * @see https://www.w3.org/TR/WebCryptoAPI/#pbkdf2
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#pbkdf2
 */
export type EncryptionOptions =
  | {
      /** The app's AES-GCM 256-bit key-encryption key (usages `encrypt`, `decrypt`). */
      key: CryptoKey;
    }
  | {
      /** The passphrase the key-encryption key is derived from. */
      passphrase: string;
      /** PBKDF2-SHA256 iterations for a new database or a `rekey` (at least and by default 600,000); an existing database keeps its own. */
      iterations?: number;
    };

/** The settings row holding the key header of an encrypted database (its absence: not encrypted). */
export const ENCRYPTION_SETTING = 'encryption';
