import type { StoreDatabase } from './schema.js';
import { postPendingTexts } from './text-postings.js';

/** How long the store must go without a commit before the writer starts (ms). */
const QUIET_MS = 250;
/** Text rows posted per background transaction: ~30 index keys each, so one holds the texts table for tens of ms. */
const CHUNK = 100;
/** Text rows posted per transaction by `flush`, which the caller waits for: fewer, larger transactions. */
const FLUSH_CHUNK = 500;

/**
 * Writes full-text postings in the background, once the store has gone quiet: a write stores a resource's
 * text documents only (pending), which keeps its transaction to a few index keys; the postings (about 30 keys
 * per ImagingSelection, a third of what a write used to cost) follow here, a chunk per transaction, and the
 * writer steps back as soon as a commit comes in. Searches never wait for it: `_text` and `_content` read the
 * pending rows' documents directly, so they are exact at any time (see `DexieSearchSource.textsWithTerms`).
 */
export class PostingsWriter {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private commits = 0;
  /** Commits being planned or applied: while any is, the store is not quiet. */
  private active = 0;
  /** The writer was due (armed, or asked to) while a commit was under way: it arms when the last one is over. */
  private due = false;
  private closed = false;

  constructor(private readonly db: StoreDatabase) {}

  /** A commit happened (it may have left pending rows): start again after a quiet period. */
  committed(): void {
    this.commits++;
    this.arm();
  }

  /**
   * A commit is being planned or applied: the store is not quiet. Without this, a commit whose planning takes
   * longer than the quiet period (a pulled chunk of 1,000 resources validated and indexed) would find the writer
   * started, and a bulk sync would write postings between its own chunks.
   */
  begin(): void {
    this.active++;
    if (this.timer === undefined) return;
    this.disarm();
    this.due = true;
  }

  /** That commit is over (committed or failed): quiet from now, unless another is under way. */
  end(): void {
    this.active = Math.max(0, this.active - 1);
    if (this.active > 0 || !this.due) return;
    this.due = false;
    this.arm();
  }

  /** Posts every pending row now, without stepping back for commits; resolves when none is left. */
  async flush(): Promise<void> {
    this.disarm();
    await this.running;
    while (!this.closed && (await postPendingTexts(this.db, FLUSH_CHUNK)) === FLUSH_CHUNK);
  }

  /** Stops for good (the database is closing). */
  close(): void {
    this.closed = true;
    this.disarm();
  }

  private arm(): void {
    if (this.closed) return;
    if (this.active > 0) {
      this.due = true;
      return;
    }
    this.disarm();
    this.timer = setTimeout(() => void this.run(), QUIET_MS);
    // A pending timer must not keep a Node process alive.
    (this.timer as { unref?: () => void }).unref?.();
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): Promise<void> {
    this.timer = undefined;
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        if (this.closed) return;
        const seen = this.commits;
        if ((await postPendingTexts(this.db, CHUNK)) < CHUNK) return;
        // A commit came in meanwhile (or is under way): let the app's writes go first, and come back when it is quiet
        // again (`end` re-arms once no commit is under way).
        if (this.commits !== seen || this.active > 0) return this.arm();
      }
    } catch {
      // The database closed, or a write failed (quota): the rows stay pending, which searches handle, and the
      // next commit (or `flush`) tries again.
    }
  }
}
