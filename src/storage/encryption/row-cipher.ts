import { gcm } from '@noble/ciphers/aes';
import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha256';
import { OpenedCache } from './opened-cache.js';

/** AES-GCM's recommended IV length (96 bits): a fresh random one per sealed row. */
const IV_BYTES = 12;
/** A blind index key keeps 128 bits of the HMAC: collisions are out of reach, and the index stays small. */
const BLIND_BYTES = 16;

/** How many opened values are kept as plaintext (about 3 KB each for an ImagingSelection row). */
const OPENED_KEPT = 5000;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * The row-level cryptography of an encrypted store, synchronous on purpose: it runs inside IndexedDB
 * transactions (a DBCore middleware), which commit at the first await on anything but IndexedDB, so Web
 * Crypto's promises cannot be used there. AES-256-GCM with a fresh random 96-bit IV per sealed value, and
 * HMAC-SHA256 blind index keys under a second, separate key (both derived from the store's data key).
 * @see https://nvlpubs.nist.gov/nistpubs/Legacy/SP/nistspecialpublication800-38d.pdf
 */
export class RowCipher {
  private readonly keyed;
  private readonly opened = new OpenedCache(OPENED_KEPT);

  constructor(
    private readonly rowKey: Uint8Array,
    indexKey: Uint8Array,
  ) {
    // The keyed inner/outer state is computed once; each blind key clones it.
    this.keyed = hmac.create(sha256, indexKey);
  }

  /** Encrypts the JSON form of `value` (JSON values only: no ±Infinity, see `middleware.ts`), authenticated with `aad` (what the ciphertext belongs to): IV ‖ ciphertext ‖ tag. */
  seal(value: unknown, aad: string): Uint8Array {
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const ct = gcm(this.rowKey, iv, utf8.encode(aad)).encrypt(utf8.encode(JSON.stringify(value)));
    const out = new Uint8Array(IV_BYTES + ct.length);
    out.set(iv);
    out.set(ct, IV_BYTES);
    return out;
  }

  /** The value `seal` sealed; throws when the key, the ciphertext or `aad` is not the one it was sealed with. */
  open(sealed: Uint8Array, aad: string): unknown {
    const key = OpenedCache.keyOf(sealed, aad);
    let json = this.opened.get(key);
    if (json === undefined) {
      json = fromUtf8.decode(gcm(this.rowKey, sealed.subarray(0, IV_BYTES), utf8.encode(aad)).decrypt(sealed.subarray(IV_BYTES)));
      this.opened.set(key, json);
    }
    return JSON.parse(json) as unknown;
  }

  /** Forgets the plaintext kept of recently opened values (when the store closes). */
  forget(): void {
    this.opened.clear();
  }

  /** The blind index key of a plaintext index key: equal keys give equal blind keys; nothing else is kept of it. */
  blind(key: string): string {
    return base64url(this.keyed.clone().update(utf8.encode(key)).digest().subarray(0, BLIND_BYTES));
  }
}
