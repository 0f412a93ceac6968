/**
 * A readers-writer gate over requests: ordinary requests run side by side, a history read runs alone.
 *
 * Why: a write takes its `meta.lastUpdated` from the clock inside its IndexedDB transaction, and a history
 * Bundle takes its `meta.lastUpdated` from the clock after its query. A write that stamps its time after the
 * query but before that clock call, and commits later, would be older than the Bundle's `lastUpdated` yet
 * missing from it; a client that resumes `_since` that instant would skip it. With no write in flight while
 * history runs, every version is either in the page (and older than the Bundle) or newer than the Bundle.
 * Waiters are served first come, first served, so a stream of reads cannot starve a history request.
 */
export class RequestGate {
  private shared = 0;
  private exclusive = false;
  private readonly waiting: { exclusive: boolean; start: () => void }[] = [];

  /** Runs `task` once the gate lets it in: alone when `exclusive`, else beside other non-exclusive tasks. */
  async run<T>(exclusive: boolean, task: () => Promise<T>): Promise<T> {
    await this.acquire(exclusive);
    try {
      return await task();
    } finally {
      this.release(exclusive);
    }
  }

  private acquire(exclusive: boolean): Promise<void> {
    if (this.waiting.length === 0 && this.canEnter(exclusive)) {
      this.enter(exclusive);
      return Promise.resolve();
    }
    return new Promise((start) => this.waiting.push({ exclusive, start }));
  }

  private canEnter(exclusive: boolean): boolean {
    return exclusive ? !this.exclusive && this.shared === 0 : !this.exclusive;
  }

  private enter(exclusive: boolean): void {
    if (exclusive) this.exclusive = true;
    else this.shared++;
  }

  private release(exclusive: boolean): void {
    if (exclusive) this.exclusive = false;
    else this.shared--;
    for (let next = this.waiting[0]; next && this.canEnter(next.exclusive); next = this.waiting[0]) {
      this.waiting.shift();
      this.enter(next.exclusive);
      next.start();
    }
  }
}
