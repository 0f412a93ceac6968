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
