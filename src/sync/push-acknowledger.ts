import { acknowledgeChanges } from '../storage/replica-mutations.js';
import type { OutboxRow } from '../storage/rows.js';
import type { SyncContext } from './context.js';

/** A change the server confirmed, waiting for the commit that records it. */
interface Waiting {
  row: OutboxRow;
  version: string | undefined;
  lastUpdated: string | undefined;
  recorded: () => void;
  failed: (e: unknown) => void;
}

/**
 * Records the server's confirmations of pushed changes in groups: a confirmation that arrives while a commit is
 * running waits for the next one, which records every confirmation that arrived meanwhile, so answers that come
 * in together cost one commit instead of one each. `confirm` resolves once its change is recorded (only then is
 * it reported pushed); `settled` resolves once everything confirmed so far is recorded, and rejects with the
 * first failure of a commit since the previous `settled`. Each change is acknowledged exactly as alone: the row
 * goes if its `seq` is the one sent, and an edit made while the push was in flight stays, based on the
 * confirmed version.
 * @see https://hl7.org/fhir/R5/http.html#versioning
 */
export class PushAcknowledger {
  private queue: Waiting[] = [];
  private running: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  constructor(private readonly ctx: SyncContext) {}

  /** Queues a confirmation; resolves when the commit recording it has committed. */
  confirm(row: OutboxRow, version: string | undefined, lastUpdated: string | undefined): Promise<void> {
    return new Promise<void>((recorded, failed) => {
      this.queue.push({ row, version, lastUpdated, recorded, failed });
      this.running ??= this.drain();
    });
  }

  /** Waits until every confirmation queued so far is recorded; throws the first commit failure since the last call. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
    const failure = this.failure;
    this.failure = undefined;
    if (failure) throw failure.error;
  }

  /** Commits the queue, group by group, until it is empty. */
  private async drain(): Promise<void> {
    // Let the answers already on their way join the first group.
    await Promise.resolve();
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      try {
        await this.ctx.storage.commit(() => ({ mutations: [acknowledgeChanges(group.map(({ row, version, lastUpdated }) => ({ row, version, lastUpdated })))] }));
        for (const w of group) w.recorded();
      } catch (e) {
        this.failure ??= { error: e };
        for (const w of group) w.failed(e);
      }
    }
    this.running = undefined;
  }
}
