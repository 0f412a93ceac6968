/**
 * The plaintext of recently opened ciphertexts, so that a row read again (a range search scans every row of its
 * type; a worklist re-runs its search after each change) is parsed, not decrypted again: AES-GCM in JS costs
 * several times a JSON parse. Keyed by the ciphertext's AAD, IV and tag: a fresh random IV per seal makes that
 * one stored version, and the tag pins its bytes, so a hit is exactly what decrypting would give. Least recently
 * used first out; cleared when the store closes.
 */
export class OpenedCache {
  private readonly entries = new Map<string, string>();

  constructor(private readonly limit: number) {}

  /** The cache key of a sealed value: AAD, IV (first 12 bytes) and tag (last 16 bytes). */
  static keyOf(sealed: Uint8Array, aad: string): string {
    let k = aad + '\u0000';
    for (let i = 0; i < 12; i++) k += String.fromCharCode(sealed[i]!);
    for (let i = sealed.length - 16; i < sealed.length; i++) k += String.fromCharCode(sealed[i]!);
    return k;
  }

  get(key: string): string | undefined {
    const v = this.entries.get(key);
    if (v !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, v);
    }
    return v;
  }

  set(key: string, plaintext: string): void {
    this.entries.set(key, plaintext);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }
}
