// The encryption code an encrypted store loads (a dynamic import of openStore): nothing here reaches the main bundle.
export { DatabaseEncryption } from './database-encryption.js';
export { BlindIndexSource } from './blind-source.js';
