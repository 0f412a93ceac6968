import { expectTypeOf, it } from 'vitest';
import type { ConflictRow } from '../../src/storage/rows.js';
import type { Conflict } from '../../src/sync/options.js';

// The public `Conflict` (sync/options.ts) is declared apart from the stored `ConflictRow` (storage/rows.ts):
// storage may not import sync (the layers), and the rows are not public API. What a conflict row holds is
// what `conflicts$` hands to the app, so the two must stay the same shape: `npx tsc --noEmit` (which checks
// test/) fails here when one changes without the other.
it('the public Conflict type and the stored conflict row have the same shape', () => {
  expectTypeOf<Conflict>().toEqualTypeOf<ConflictRow>();
});
