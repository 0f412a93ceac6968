import type { IssueCollector } from './issues.js';

/**
 * Deepest nesting of JSON objects accepted. Real resources stay far below it; it turns a cyclic
 * object graph (possible from application code, never from JSON) into an issue, not a stack overflow.
 * @see https://hl7.org/fhir/R5/json.html
 */
const MAX_DEPTH = 200;

/**
 * State shared by the walkers during one validation.
 * @see https://hl7.org/fhir/R5/validation.html
 */
export interface WalkContext {
  readonly issues: IssueCollector;
  /** Current JSON object nesting. */
  depth: number;
  /**
   * Validates a resource found inside another: `contained` (dom-2/4/5 apply) or not (a Bundle entry, a Parameters
   * value); supplied by the resource layer.
   */
  readonly validateContainedResource: (value: unknown, path: string, contained: boolean) => void;
}

/**
 * Enters one more level of nesting; false (with an issue) when too deep. Pair with `leave`.
 * @see https://hl7.org/fhir/R5/json.html
 */
export function enter(ctx: WalkContext, path: string): boolean {
  if (ctx.depth >= MAX_DEPTH) {
    ctx.issues.structure(path, `Nested more than ${MAX_DEPTH} levels deep (cyclic object?)`);
    return false;
  }
  ctx.depth++;
  return true;
}

/**
 * Leaves a level entered with `enter`.
 * @see https://hl7.org/fhir/R5/json.html
 */
export function leave(ctx: WalkContext): void {
  ctx.depth--;
}
