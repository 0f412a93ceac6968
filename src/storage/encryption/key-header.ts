import { badRequest, FhirError } from '../../errors/fhir-error.js';
import type { EncryptionOptions } from './options.js';

/** The fewest PBKDF2-SHA256 iterations a passphrase is derived with (OWASP Password Storage Cheat Sheet, 2023). */
export const MIN_PBKDF2_ITERATIONS = 600_000;
const DATA_KEY_BYTES = 32;
const SALT_BYTES = 16;
const IV_BYTES = 12;
/** Binds the wrapped data key to its purpose: the same key-encryption key cannot be fooled into opening other data. */
const WRAP_AAD = new TextEncoder().encode('fhir-offline-store data key v1');

/** The key-encryption key's description, as the header keeps it. */
export type KekInfo = { kind: 'key' } | { kind: 'passphrase'; kdf: 'PBKDF2-SHA256'; iterations: number; salt: string };

/**
 * What an encrypted database keeps about its keys, in the `settings` row `encryption`: how the key-encryption
 * key is made and the data key wrapped by it (AES-GCM: IV ‖ ciphertext ‖ tag, base64). Re-keying replaces
 * this row only; no other row changes.
 */
export interface KeyHeader {
  format: 1;
  kek: KekInfo;
  wrappedKey: string;
}

/** Bytes over a plain ArrayBuffer, as Web Crypto takes them. */
type Bytes = Uint8Array<ArrayBuffer>;

const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));
const fromBase64 = (s: string): Bytes => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** 401 with a `security` issue: the key or passphrase does not open the database, or none was given. */
export const refused = (diagnostics: string): FhirError => new FhirError(401, { code: 'security', diagnostics });

/** Checks the options before any key work: a clear 400 for what can never open a store. */
export function checkEncryptionOptions(options: EncryptionOptions): void {
  if ('passphrase' in options) {
    if (typeof options.passphrase !== 'string' || options.passphrase.length === 0) throw badRequest('encryption.passphrase must be a non-empty string');
    const n = options.iterations ?? MIN_PBKDF2_ITERATIONS;
    if (!Number.isSafeInteger(n) || n < MIN_PBKDF2_ITERATIONS) throw badRequest(`encryption.iterations must be an integer of at least ${MIN_PBKDF2_ITERATIONS}`);
    return;
  }
  const key = (options as { key?: unknown }).key;
  if (typeof CryptoKey === 'undefined' || !(key instanceof CryptoKey)) throw badRequest('encryption.key must be a Web Crypto CryptoKey (or give encryption.passphrase)');
  const alg = key.algorithm as AesKeyAlgorithm;
  if (alg.name !== 'AES-GCM' || alg.length !== 256 || !key.usages.includes('encrypt') || !key.usages.includes('decrypt')) {
    throw badRequest('encryption.key must be an AES-GCM 256-bit key with the usages encrypt and decrypt');
  }
}

/** The key-encryption key the options describe, for a new header (a new salt) or the header kept (`info`). */
async function keyEncryptionKey(options: EncryptionOptions, info?: KekInfo): Promise<{ kek: CryptoKey; info: KekInfo }> {
  if ('key' in options) return { kek: options.key, info: { kind: 'key' } };
  const iterations = info?.kind === 'passphrase' ? info.iterations : (options.iterations ?? MIN_PBKDF2_ITERATIONS);
  const salt = info?.kind === 'passphrase' ? fromBase64(info.salt) : crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(options.passphrase), 'PBKDF2', false, ['deriveKey']);
  const kek = await crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, material, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  return { kek, info: { kind: 'passphrase', kdf: 'PBKDF2-SHA256', iterations, salt: toBase64(salt) } };
}

/** A header wrapping `dataKey` under the key-encryption key of `options`. */
export async function wrapDataKey(dataKey: Bytes, options: EncryptionOptions): Promise<KeyHeader> {
  const { kek, info } = await keyEncryptionKey(options);
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: WRAP_AAD }, kek, dataKey));
  const wrapped = new Uint8Array(IV_BYTES + ct.length);
  wrapped.set(iv);
  wrapped.set(ct, IV_BYTES);
  return { format: 1, kek: info, wrappedKey: toBase64(wrapped) };
}

/** A new random data key (AES-256 material). */
export const newDataKey = (): Bytes => crypto.getRandomValues(new Uint8Array(DATA_KEY_BYTES));

/**
 * The data key of a header, unwrapped with the key-encryption key of `options`; a 401 when it does not open it
 * (AES-GCM's tag fails: a wrong key or passphrase) or when the header wants the other kind of secret.
 */
export async function unwrapDataKey(header: KeyHeader, options: EncryptionOptions, databaseName: string): Promise<Bytes> {
  if (header.format !== 1) throw refused(`Database ${databaseName} has an encryption header of an unknown format (${String(header.format)})`);
  if (header.kek.kind === 'passphrase' && !('passphrase' in options)) throw refused(`Database ${databaseName} is encrypted with a passphrase: open it with encryption.passphrase`);
  if (header.kek.kind === 'key' && !('key' in options)) throw refused(`Database ${databaseName} is encrypted with an app key: open it with encryption.key`);
  const { kek } = await keyEncryptionKey(options, header.kek);
  const wrapped = fromBase64(header.wrappedKey);
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: wrapped.subarray(0, IV_BYTES), additionalData: WRAP_AAD }, kek, wrapped.subarray(IV_BYTES)));
  } catch {
    throw refused(`The encryption ${'key' in options ? 'key' : 'passphrase'} does not open database ${databaseName}`);
  }
}

/** The two working keys of a data key, HKDF-SHA256 with distinct labels: one seals rows, one makes blind index keys. */
export async function workingKeys(dataKey: Bytes): Promise<{ rowKey: Uint8Array; indexKey: Uint8Array }> {
  const base = await crypto.subtle.importKey('raw', dataKey, 'HKDF', false, ['deriveBits']);
  const derive = async (label: string): Promise<Uint8Array> =>
    new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new TextEncoder().encode(label) }, base, 256));
  const [rowKey, indexKey] = await Promise.all([derive('fhir-offline-store rows v1'), derive('fhir-offline-store blind index v1')]);
  return { rowKey, indexKey };
}
