import { createHash, timingSafeEqual } from 'node:crypto';

/** What a request's credential amounts to: accepted, absent, or present but not the token. */
export type CredentialCheck = 'ok' | 'missing' | 'invalid';

/**
 * A bearer token every request must present (`Authorization: Bearer <token>`, RFC 6750 §2.1). Only a digest
 * of it is kept, and requests are compared digest to digest with `timingSafeEqual`: equal-length inputs, so
 * neither the time taken nor an early length mismatch tells anything about the token.
 * @see https://www.rfc-editor.org/rfc/rfc6750
 */
export class BearerToken {
  private readonly digest: Buffer;

  /** @throws TypeError when the token is empty or not a `b64token` (RFC 6750 §2.1: what a header can carry). */
  constructor(token: string) {
    if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) {
      // The message never repeats the token: it may end up in a log.
      throw new TypeError('The token must be non-empty and made of letters, digits and - . _ ~ + / (then = padding), as RFC 6750 allows');
    }
    this.digest = sha256(token);
  }

  /** Checks a request's `Authorization` header value. */
  check(authorization: string | undefined): CredentialCheck {
    // The scheme is case-insensitive (RFC 9110 §11.1); one or more spaces before the token.
    const m = authorization === undefined ? null : /^bearer +(\S+) *$/i.exec(authorization);
    if (!m) return 'missing';
    return timingSafeEqual(sha256(m[1]!), this.digest) ? 'ok' : 'invalid';
  }

  /** Never shows the token (`String(token)`, template literals, `console.log`). */
  toString(): string {
    return 'BearerToken(****)';
  }

  /** Never shows the token (`JSON.stringify`). */
  toJSON(): string {
    return this.toString();
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** The `WWW-Authenticate` challenge of a 401 (RFC 6750 §3): `invalid_token` when a wrong token was sent. */
export function challenge(check: Exclude<CredentialCheck, 'ok'>): string {
  return check === 'invalid' ? 'Bearer realm="fhir-offline-store", error="invalid_token"' : 'Bearer realm="fhir-offline-store"';
}
