/** A failure worth retrying later (network, 5xx, 429): nothing left the outbox. */
export class RetryableError extends Error {
  constructor(
    message: string,
    /** How long the server asked to wait (`Retry-After`), in ms. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RetryableError';
  }
}

/** The server refused our credentials even after `authorize()` was asked again: replication pauses. */
export class AuthorizationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthorizationError';
  }
}
