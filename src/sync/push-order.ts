import type { Resource } from 'fhir/r5';
import type { OutboxRow, ResourceRow } from '../storage/rows.js';
import type { SyncContext } from './context.js';

/**
 * An outbox row of a push batch with the current row read with it (the content it sends).
 * @see https://hl7.org/fhir/R5/http.html#update
 */
export interface PendingRow {
  row: OutboxRow;
  current: ResourceRow | undefined;
}

/** An outbox row of a push batch and the rows of the same batch whose push must have settled before it is sent. */
export interface OrderedRow extends PendingRow {
  /** Keys (`Type/id`) of rows earlier in the order that this one waits for. */
  after: string[];
}

/** The key of a resource within a batch: `Type/id`. */
export const rowKey = (r: { type: string; id: string }): string => `${r.type}/${r.id}`;

/** Relative literal references of a resource (`Type/id`), for pushing referenced resources first. */
export function referencesOf(resource: Resource | undefined): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'reference' && typeof x === 'string' && /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(x)) out.push(x);
        else walk(x);
      }
    }
  };
  walk(resource);
  return out;
}

/**
 * What a row refers to: the current resource (read with the row), or for a delete the last live version (so a resource is deleted
 * only after the resources of the batch that referred to it are).
 */
async function referencesOfRow(ctx: SyncContext, { row, current }: PendingRow): Promise<string[]> {
  if (row.op !== 'delete') return referencesOf(current?.deleted === 0 ? current.resource : undefined);
  if (!current || current.versionId <= 1) return [];
  return referencesOf((await ctx.storage.version(row.type, row.id, current.versionId - 1))?.resource);
}

/**
 * Orders a push batch along its reference graph and says what each row waits for: a resource goes after the
 * resources of the batch it refers to (a cycle is broken where it is met); deletes go after every create and
 * update of the batch, and a deleted resource after the deletes of the resources that referred to it. Rows
 * are sent in this order, one at a time or several at once: a row starts only when its `after` rows have
 * settled, so what the server receives never refers to something of the batch it has not received yet.
 * @see https://hl7.org/fhir/R5/http.html#trules (a transaction's processing order, the same rule for requests)
 */
export async function dependencyOrder(ctx: SyncContext, batch: PendingRow[]): Promise<OrderedRow[]> {
  const rows = batch.map((p) => p.row);
  const inBatch = new Map(batch.map((p) => [rowKey(p.row), p]));
  const refs = new Map<string, string[]>();
  for (const p of batch) {
    const key = rowKey(p.row);
    refs.set(key, [...new Set((await referencesOfRow(ctx, p)).filter((k) => inBatch.has(k) && k !== key))]);
  }
  const writes = rows.filter((r) => r.op !== 'delete');
  const deletes = rows.filter((r) => r.op === 'delete');
  const deleted = new Set(deletes.map(rowKey));
  // A delete waits for the deletes of its referrers: reverse the edges among deletes.
  const referrers = new Map<string, string[]>();
  for (const d of deletes) for (const target of refs.get(rowKey(d)) ?? []) if (deleted.has(target)) referrers.set(target, [...(referrers.get(target) ?? []), rowKey(d)]);

  const ordered: OrderedRow[] = [];
  const placed = new Set<string>();
  const walk = (start: OutboxRow[], edges: (key: string) => string[], base: string[]): void => {
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (key: string): void => {
      if (state.get(key)) return; // a cycle is broken where it is met
      state.set(key, 'visiting');
      for (const dep of edges(key)) visit(dep);
      state.set(key, 'done');
      // Only edges to rows placed before: what the cycle breaking dropped is not waited for.
      ordered.push({ ...inBatch.get(key)!, after: [...base, ...edges(key).filter((k) => placed.has(k))] });
      placed.add(key);
    };
    for (const r of start) visit(rowKey(r));
  };
  walk(writes, (k) => (refs.get(k) ?? []).filter((t) => !deleted.has(t)), []);
  walk(deletes, (k) => referrers.get(k) ?? [], writes.map(rowKey));
  return ordered;
}
