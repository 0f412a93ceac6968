import { preconditionFailed } from '../errors/fhir-error.js';
import type { ResourceRow } from './rows.js';
import { StalePlanError, type WriteSpec } from './write.js';

/**
 * Re-checks, inside the transaction, what a write assumed: a `post` id still free and the planned-on version
 * still current (else `StalePlanError`: plan again), and the client's `If-Match` (else 412).
 * @see https://hl7.org/fhir/R5/http.html#concurrency
 */
export function checkPreconditions(spec: WriteSpec, current: ResourceRow | undefined, live: boolean): void {
  if (spec.kind === 'post' && current !== undefined) {
    throw new StalePlanError(`${spec.type}/${spec.id} already exists`);
  }
  if (spec.basedOn !== undefined) {
    const actual = live ? current!.versionId : null;
    if (actual !== spec.basedOn) throw new StalePlanError(`${spec.type}/${spec.id} changed while the write was planned`);
  }
  if (spec.ifMatch !== undefined) {
    if (!live) {
      throw preconditionFailed(`If-Match ${spec.ifMatchHeader ?? `W/"${spec.ifMatch}"`} given but ${spec.type}/${spec.id} has no current version`);
    }
    if (current!.versionId !== spec.ifMatch) {
      throw preconditionFailed(
        `If-Match ${spec.ifMatchHeader ?? `W/"${spec.ifMatch}"`} does not match the current version W/"${current!.versionId}" of ${spec.type}/${spec.id}`,
      );
    }
  }
}
