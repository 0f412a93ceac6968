import { BehaviorSubject, type Observable } from 'rxjs';

/**
 * The store's side of the push activity a replication reports (`PushActivity` in `sync/activity.ts`, met
 * structurally: util imports nothing above it): the `Type/id` keys being sent now, as a stream.
 * @see https://hl7.org/fhir/R5/http.html#versioning
 */
export class SendingTracker {
  private readonly subject = new BehaviorSubject<ReadonlySet<string>>(new Set());
  /** The `Type/id` keys in the batches being pushed, on subscribe and on each change. */
  readonly sending$: Observable<ReadonlySet<string>> = this.subject.asObservable();

  /** The changes (`Type/id`) of a batch about to be sent. */
  sending(keys: string[]): void {
    if (this.subject.closed || keys.length === 0) return;
    this.subject.next(new Set([...this.subject.value, ...keys]));
  }

  /** The cycle ended: nothing is being sent. */
  done(): void {
    if (this.subject.closed || this.subject.value.size === 0) return;
    this.subject.next(new Set());
  }

  /** Ends `sending$` (the store closed). */
  complete(): void {
    this.subject.complete();
  }
}
