import type { ReplicationOptions } from './options.js';

/** A replication option that cannot work: thrown at once by `replicate`, before anything is sent or retried. */
export class ReplicationOptionsError extends TypeError {
  constructor(message: string) {
    super(`replicate: ${message}`);
    this.name = 'ReplicationOptionsError';
  }
}

const PUSH_MODES = ['put', 'post', 'transaction'];
const POLICIES = ['merge', 'server-wins', 'client-wins'];
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{0,63}$/;

/**
 * Checks the options of `replicate` synchronously, so a mistake fails where it was made instead of being
 * retried as if the network were down: an absolute http(s) `baseUrl` without query or fragment, known push
 * modes and conflict policies, positive sizes and delays, functions where functions are expected.
 * @see https://hl7.org/fhir/R5/http.html#root (the service base URL)
 */
export function checkReplicationOptions(options: unknown): asserts options is ReplicationOptions {
  if (options === null || typeof options !== 'object') throw new ReplicationOptionsError(`options must be an object with a baseUrl; got ${options === null ? 'null' : typeof options}`);
  const o = options as Record<string, unknown>;
  checkBaseUrl(o.baseUrl);
  if (o.resourceTypes !== undefined) {
    if (!Array.isArray(o.resourceTypes) || o.resourceTypes.length === 0) throw new ReplicationOptionsError('resourceTypes must be a non-empty array of FHIR resource type names');
    for (const t of o.resourceTypes) {
      if (typeof t !== 'string' || !RESOURCE_TYPE.test(t)) throw new ReplicationOptionsError(`resourceTypes: ${JSON.stringify(t)} is not a FHIR resource type name`);
    }
  }
  if (o.push !== undefined && !PUSH_MODES.includes(o.push as string)) throw new ReplicationOptionsError(`push must be one of ${PUSH_MODES.join(', ')}; got ${JSON.stringify(o.push)}`);
  if (o.conflicts !== undefined && typeof o.conflicts !== 'function' && !POLICIES.includes(o.conflicts as string)) {
    throw new ReplicationOptionsError(`conflicts must be one of ${POLICIES.join(', ')} or a function; got ${JSON.stringify(o.conflicts)}`);
  }
  for (const name of ['fetch', 'authorize'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function') throw new ReplicationOptionsError(`${name} must be a function`);
  }
  if (o.headers !== undefined) {
    if (o.headers === null || typeof o.headers !== 'object' || Array.isArray(o.headers)) throw new ReplicationOptionsError('headers must be an object of name/value strings');
    for (const [k, v] of Object.entries(o.headers)) if (typeof v !== 'string') throw new ReplicationOptionsError(`headers: the value of ${k} must be a string`);
  }
  if (o.batchSize !== undefined && !(Number.isInteger(o.batchSize) && (o.batchSize as number) >= 1)) throw new ReplicationOptionsError(`batchSize must be a whole number ≥ 1; got ${String(o.batchSize)}`);
  if (o.interval !== undefined) checkDelay('interval', o.interval, 1);
  if (o.checkpointMarginMs !== undefined) checkDelay('checkpointMarginMs', o.checkpointMarginMs, 0);
  if (o.live !== undefined && typeof o.live !== 'boolean') throw new ReplicationOptionsError('live must be true or false');
  if (o.retry !== undefined) {
    if (o.retry === null || typeof o.retry !== 'object') throw new ReplicationOptionsError('retry must be an object');
    const r = o.retry as Record<string, unknown>;
    if (r.initialDelay !== undefined) checkDelay('retry.initialDelay', r.initialDelay, 0);
    if (r.maxDelay !== undefined) checkDelay('retry.maxDelay', r.maxDelay, 0);
    if (r.maxAttempts !== undefined && !(Number.isInteger(r.maxAttempts) && (r.maxAttempts as number) >= 1)) throw new ReplicationOptionsError(`retry.maxAttempts must be a whole number ≥ 1; got ${String(r.maxAttempts)}`);
  }
}

function checkBaseUrl(value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '') throw new ReplicationOptionsError('baseUrl is required: the remote FHIR R5 base, e.g. https://fhir.example.org/fhir');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ReplicationOptionsError(`baseUrl ${JSON.stringify(value)} is not an absolute URL: give the remote FHIR R5 base, e.g. https://fhir.example.org/fhir`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ReplicationOptionsError(`baseUrl ${JSON.stringify(value)} must use http or https, not ${url.protocol}`);
  if (url.search !== '' || url.hash !== '') throw new ReplicationOptionsError(`baseUrl ${JSON.stringify(value)} must be the service base, without a query or fragment`);
}

function checkDelay(name: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw new ReplicationOptionsError(`${name} must be a number of milliseconds ≥ ${min}; got ${String(value)}`);
}
