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
export type EncryptionOptions = { key: CryptoKey } | { passphrase: string; iterations?: number };

/** The settings row holding the key header of an encrypted database (its absence: not encrypted). */
export const ENCRYPTION_SETTING = 'encryption';
