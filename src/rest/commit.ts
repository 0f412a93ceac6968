import { conflict } from '../errors/fhir-error.js';
import { applyWrites } from '../storage/write-batch.js';
import { StalePlanError, type WriteResult, type WriteSpec } from '../storage/write.js';
import type { EngineContext } from './context.js';

/**
 * A write interaction planned outside the transaction: validation, patching, ids and index entries are done.
 * Inside the transaction only `verify` (Dexie reads that re-check what the plan assumed) and the writes run:
 * IndexedDB commits a transaction at the first await on anything that is not IndexedDB.
 */
export interface Planned<T> {
  writes: WriteSpec[];
  verify?: () => Promise<void>;
  /** Runs inside the transaction after the writes (Dexie reads only), e.g. the GETs of a transaction Bundle. */
  after?: (results: WriteResult[]) => Promise<T> | T;
}

const MAX_ATTEMPTS = 5;

/**
 * Plans and commits a write in one read-write transaction; when another write invalidated the plan in the
 * meantime (a `StalePlanError`), it plans again. Any other error aborts the transaction: nothing is written.
 */
export async function commitPlanned<T>(ctx: EngineContext, plan: () => Promise<Planned<T>>): Promise<{ results: WriteResult[]; value: T }> {
  for (let attempt = 1; ; attempt++) {
    const planned = await plan();
    try {
      const out = await ctx.db.transaction('rw', ctx.db.writeTables, async () => {
        if (planned.verify) await planned.verify();
        const now = ctx.clock().getTime();
        const results: WriteResult[] = await applyWrites(ctx.db, planned.writes, now, ctx.outbox);
        const value = planned.after ? await planned.after(results) : (undefined as T);
        return { results, value };
      });
      const written = out.results.filter((r) => !r.noop);
      if (written.length > 0) ctx.onCommit(written);
      return out;
    } catch (e) {
      if (!(e instanceof StalePlanError)) throw e;
      if (attempt >= MAX_ATTEMPTS) throw conflict(`Gave up after ${attempt} attempts: ${e.message}`);
    }
  }
}
