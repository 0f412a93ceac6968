import type { Resource } from 'fhir/r5';
import { operationOutcome } from '../errors/fhir-error.js';
import { formatEtag } from '../history/etag.js';
import type { FhirResponse, Preferences } from './http.js';

/** The result of one interaction, before it is rendered as HTTP (or as a Bundle entry's `response`). */
export interface Outcome {
  status: number;
  resource?: Resource;
  versionId?: number;
  /** `meta.lastUpdated` of the version concerned, ISO. */
  lastUpdated?: string;
  /** `Type/id/_history/n` for a write that produced a version. */
  location?: string;
  /** True for create/update/patch/delete: `Prefer: return=` applies. */
  write?: boolean;
  /** Text for `Prefer: return=OperationOutcome`. */
  message?: string;
}

/** The HTTP-date form of an ISO instant, for `Last-Modified`. */
const httpDate = (iso: string): string => new Date(iso).toUTCString();

/**
 * The body a write answers with under `Prefer: return=` (https://hl7.org/fhir/R5/http.html#prefer):
 * the resource by default, nothing for `minimal`, an informational OperationOutcome for `OperationOutcome`.
 */
export function preferredBody(outcome: Outcome, prefer: Preferences): Resource | undefined {
  if (!outcome.write) return outcome.resource;
  if (prefer.return === 'minimal') return undefined;
  if (prefer.return === 'OperationOutcome') {
    return operationOutcome([
      { severity: 'information', code: 'informational', diagnostics: outcome.message ?? `HTTP ${outcome.status}` },
    ]);
  }
  return outcome.resource;
}

/** Renders an outcome as the HTTP response a FHIR server sends. */
export function toResponse(outcome: Outcome, prefer: Preferences): FhirResponse {
  const headers: Record<string, string> = {};
  if (outcome.versionId !== undefined) headers['ETag'] = formatEtag(outcome.versionId);
  if (outcome.lastUpdated !== undefined) headers['Last-Modified'] = httpDate(outcome.lastUpdated);
  if (outcome.location !== undefined) headers['Location'] = outcome.location;
  const body = outcome.status === 304 ? undefined : preferredBody(outcome, prefer);
  // A write without a body still says what it did in its headers; a delete that does answer a body is a 200.
  if (body === undefined) return { status: outcome.status, headers };
  headers['Content-Type'] = 'application/fhir+json; charset=utf-8';
  return { status: outcome.status === 204 ? 200 : outcome.status, headers, body };
}
