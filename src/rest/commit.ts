import type { Committed } from '../storage/port.js';
import type { WriteResult, WriteSpec } from '../storage/write.js';
import type { EngineContext } from './context.js';

/**
 * A write interaction planned outside the transaction: validation, patching, ids and index entries are done.
 * Inside the transaction only `verify` (storage reads that re-check what the plan assumed) and the writes run:
 * IndexedDB commits a transaction at the first await on anything that is not IndexedDB.
 */
export interface Planned<T> {
  writes: WriteSpec[];
  verify?: () => Promise<void>;
  /** Re-plan for as long as other writes make the plan stale (see `CommitPlan.untilApplied`). */
  untilApplied?: boolean;
  /** Runs inside the transaction after the writes (storage reads only), e.g. the GETs of a transaction Bundle. */
  after?: (results: WriteResult[]) => Promise<T> | T;
}

/**
 * Commits a planned interaction through the storage port, which plans again when another write invalidated
 * the plan meanwhile (409 after a few attempts) and tells observers what was written. Any other error aborts
 * the transaction: nothing is written.
 */
export function commitPlanned<T>(ctx: EngineContext, plan: () => Promise<Planned<T>>): Promise<Committed<T>> {
  return ctx.storage.commit(async () => {
    const { writes, verify, after, untilApplied } = await plan();
    return { mutations: [{ kind: 'write', specs: writes }], ...(verify ? { verify } : {}), ...(after ? { after } : {}), ...(untilApplied ? { untilApplied } : {}) };
  });
}
