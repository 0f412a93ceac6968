import { BehaviorSubject, type Observable } from 'rxjs';

/**
 * What a replication tells its store about the changes it is pushing, so `store.syncState$` can say `sending`:
 * the batches it read to push in the running cycle, then that the cycle ended.
 * @see https://hl7.org/fhir/R5/http.html#versioning
 */
export interface PushActivity {
  /** The changes (`Type/id`) of a batch about to be sent. */
  sending(keys: string[]): void;
  /** The cycle ended (pushed, failed or stopped): nothing is being sent. */
  done(): void;
}

/**
 * The store's side of {@link PushActivity}: the keys being sent now, as a stream.
 * @see https://hl7.org/fhir/R5/http.html#versioning
 */
export class SendingTracker implements PushActivity {
  private readonly subject = new BehaviorSubject<ReadonlySet<string>>(new Set());
  /** The `Type/id` keys in the batches being pushed, on subscribe and on each change. */
  readonly sending$: Observable<ReadonlySet<string>> = this.subject.asObservable();

  sending(keys: string[]): void {
    if (this.subject.closed || keys.length === 0) return;
    this.subject.next(new Set([...this.subject.value, ...keys]));
  }

  done(): void {
    if (this.subject.closed || this.subject.value.size === 0) return;
    this.subject.next(new Set());
  }

  /** Ends `sending$` (the store closed). */
  complete(): void {
    this.subject.complete();
  }
}
