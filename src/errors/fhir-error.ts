import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r5';

/** Issue codes used by this store (R5 `issue-type` code system). */
export type IssueCode = OperationOutcomeIssue['code'];

/** Details of one problem, as the caller describes it before it becomes an OperationOutcome issue. */
export interface IssueInput {
  /** What kind of problem (https://hl7.org/fhir/R5/valueset-issue-type.html). */
  code: IssueCode;
  /** A human-readable description of the problem. */
  diagnostics: string;
  /** Default `error`. */
  severity?: OperationOutcomeIssue['severity'];
  /** FHIRPath expressions naming the element(s) at fault, e.g. `ImagingSelection.instance[0].uid`. */
  expression?: string[];
}

/**
 * Builds an OperationOutcome from one or more issues.
 * @see https://hl7.org/fhir/R5/operationoutcome.html
 */
export function operationOutcome(issues: IssueInput[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((i) => ({
      severity: i.severity ?? 'error',
      code: i.code,
      diagnostics: i.diagnostics,
      ...(i.expression && i.expression.length > 0 ? { expression: i.expression } : {}),
    })),
  };
}

/**
 * An error that carries an HTTP status and the OperationOutcome a FHIR server would answer with.
 * Every failure of an interaction surfaces as one of these.
 * @see https://hl7.org/fhir/R5/http.html#2.21.0.4
 */
export class FhirError extends Error {
  /** The HTTP status a FHIR server would answer with (400, 404, 409, 410, 412, 415, 422, …). */
  readonly status: number;
  /** The OperationOutcome that describes the failure. */
  readonly outcome: OperationOutcome;
  /** Extra response headers (e.g. `ETag` on a 410 read of a deleted resource). */
  readonly headers: Record<string, string>;

  constructor(status: number, outcome: OperationOutcome | IssueInput | IssueInput[], headers: Record<string, string> = {}) {
    const oo =
      'resourceType' in outcome
        ? outcome
        : operationOutcome(Array.isArray(outcome) ? outcome : [outcome]);
    super(oo.issue.map((i) => i.diagnostics ?? i.code).join('; ') || `HTTP ${status}`);
    this.name = 'FhirError';
    this.status = status;
    this.outcome = oo;
    this.headers = headers;
  }
}

/** 400 Bad Request: unparsable input or a rule of the REST API broken. */
export const badRequest = (diagnostics: string, expression?: string[]): FhirError =>
  new FhirError(400, { code: 'invalid', diagnostics, expression });

/** 404 Not Found. */
export const notFound = (diagnostics: string): FhirError => new FhirError(404, { code: 'not-found', diagnostics });

/** 410 Gone: the resource (or the version) records a deletion. */
export const gone = (diagnostics: string, headers: Record<string, string> = {}): FhirError =>
  new FhirError(410, { code: 'deleted', diagnostics }, headers);

/** 412 Precondition Failed: a stale `If-Match` or a conditional interaction with several matches. */
export const preconditionFailed = (diagnostics: string): FhirError =>
  new FhirError(412, { code: 'conflict', diagnostics });

/** 409 Conflict. */
export const conflict = (diagnostics: string): FhirError => new FhirError(409, { code: 'conflict', diagnostics });

/** 422 Unprocessable Entity: the content breaks the rules of the resource (profile or business rules). */
export const unprocessable = (diagnostics: string, expression?: string[]): FhirError =>
  new FhirError(422, { code: 'processing', diagnostics, expression });

/** 405 Method Not Allowed. */
export const methodNotAllowed = (diagnostics: string): FhirError =>
  new FhirError(405, { code: 'not-supported', diagnostics });

/**
 * Whether an error is the storage running out of quota, however it arrives: a `QuotaExceededError`
 * (`DOMException`, or Dexie's of that name), or one wrapped as the cause of another, as browsers and Dexie do
 * with the `AbortError` of the transaction it aborted (`inner`, `cause`, `error`). Firefox names it
 * `NS_ERROR_DOM_QUOTA_REACHED`.
 * @see https://storage.spec.whatwg.org/#storage-quota
 */
export function isQuotaError(e: unknown): boolean {
  const seen = new Set<unknown>();
  for (let at: unknown = e; at !== null && typeof at === 'object' && !seen.has(at); ) {
    seen.add(at);
    const x = at as { name?: unknown; message?: unknown; inner?: unknown; cause?: unknown; error?: unknown };
    if (x.name === 'QuotaExceededError' || x.name === 'NS_ERROR_DOM_QUOTA_REACHED') return true;
    if (typeof x.message === 'string' && /QuotaExceeded|quota (has been )?exceeded|NS_ERROR_DOM_QUOTA_REACHED/i.test(x.message)) return true;
    at = x.inner ?? x.cause ?? x.error;
  }
  return false;
}

/**
 * Wraps anything thrown into a FhirError: storage out of quota is a 507 Insufficient Storage (RFC 4918 §11.5,
 * issue `no-store`: the write cannot be kept; nothing of it was written), anything else unknown a 500.
 */
export function toFhirError(e: unknown): FhirError {
  if (e instanceof FhirError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (isQuotaError(e)) {
    return new FhirError(507, { code: 'no-store', diagnostics: `The device's storage for this store is full; nothing was written (${message})` });
  }
  return new FhirError(500, { code: 'exception', severity: 'fatal', diagnostics: message });
}
