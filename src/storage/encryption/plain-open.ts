import { FhirError } from '../../errors/fhir-error.js';
import type { StoreDatabase } from '../schema.js';
import { ENCRYPTION_SETTING } from './options.js';

/**
 * Refuses to open an encrypted database without its key (a 401 `security` OperationOutcome): its rows would be
 * unreadable, and a plaintext write next to them would sit unencrypted in an encrypted store.
 */
export async function refuseEncryptedDatabase(db: StoreDatabase): Promise<void> {
  if ((await db.settings.get(ENCRYPTION_SETTING)) === undefined) return;
  throw new FhirError(401, { code: 'security', diagnostics: `Database ${db.name} is encrypted: open it with the encryption option (a key or a passphrase)` });
}
