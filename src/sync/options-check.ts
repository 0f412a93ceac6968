import type { ReplicationOptions } from './options.js';
import { checkScope } from './scope-options.js';
import { retentionProblem } from './retention-check.js';

/** A replication option that cannot work: thrown at once by `replicate`, before anything is sent or retried. */
export class ReplicationOptionsError extends TypeError {
  constructor(message: string) {
    super(`replicate: ${message}`);
    this.name = 'ReplicationOptionsError';
  }
}

/** What is wrong with one option's value, or undefined when it is fine. */
type Check = (value: unknown) => string | undefined;

const PUSH_MODES = ['put', 'post', 'transaction'];
const POLICIES = ['merge', 'server-wins', 'client-wins'];
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{0,63}$/;
const BASE_EXAMPLE = 'give the remote FHIR R5 base, e.g. https://fhir.example.org/fhir';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

const oneOf = (allowed: string[], orFunction = false): Check => (v) =>
  (orFunction && typeof v === 'function') || allowed.includes(v as string)
    ? undefined
    : `must be one of ${allowed.join(', ')}${orFunction ? ' or a function' : ''}; got ${show(v)}`;
const wholeNumber: Check = (v) => (Number.isInteger(v) && (v as number) >= 1 ? undefined : `must be a whole number ≥ 1; got ${show(v)}`);
const milliseconds = (min: number): Check => (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= min ? undefined : `must be a number of milliseconds ≥ ${min}; got ${show(v)}`;
const aFunction: Check = (v) => (typeof v === 'function' ? undefined : 'must be a function');
const aBoolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');

const baseUrl: Check = (v) => {
  if (typeof v !== 'string' || v.trim() === '') return `is required: ${BASE_EXAMPLE}`;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return `${show(v)} is not an absolute URL: ${BASE_EXAMPLE}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${show(v)} must use http or https, not ${url.protocol}`;
  if (url.search !== '' || url.hash !== '') return `${show(v)} must be the service base, without a query or fragment`;
  return undefined;
};

const resourceTypes: Check = (v) => {
  if (!Array.isArray(v) || v.length === 0) return 'must be a non-empty array of FHIR resource type names';
  const bad = v.find((t) => typeof t !== 'string' || !RESOURCE_TYPE.test(t));
  return bad === undefined ? undefined : `${JSON.stringify(bad)} is not a FHIR resource type name`;
};

const headers: Check = (v) => {
  if (!isObject(v)) return 'must be an object of name/value strings';
  const bad = Object.entries(v).find(([, h]) => typeof h !== 'string');
  return bad ? `the value of ${bad[0]} must be a string` : undefined;
};

/** The checks of `retry`'s own options. */
const RETRY_CHECKS: Record<string, Check> = { initialDelay: milliseconds(0), maxDelay: milliseconds(0), maxAttempts: wholeNumber };

const retry: Check = (v) => (isObject(v) ? firstProblem(v, RETRY_CHECKS, 'retry.') : 'must be an object');

/** The checks of `environment`'s parts: functions, and objects with the methods replication calls. */
const ENVIRONMENT_CHECKS: Record<string, Check> = {
  schedule: aFunction,
  clock: aFunction,
  random: aFunction,
  online: (v) => (isObject(v) && typeof v['subscribe'] === 'function' ? undefined : 'must be an object with current and subscribe(listener)'),
  locks: (v) => (isObject(v) && typeof v['request'] === 'function' ? undefined : 'must be an object with request(name, options, fn), as navigator.locks'),
};

/** The checks of `bulkExport`'s own options. */
const BULK_CHECKS: Record<string, Check> = {
  level: oneOf(['system', 'patient']),
  group: (v) => (typeof v === 'string' && /^[A-Za-z0-9\-.]{1,64}$/.test(v) ? undefined : `must be a Group id; got ${show(v)}`),
  pollInterval: milliseconds(1),
};

const bulkExport: Check = (v) => (typeof v === 'boolean' ? undefined : isObject(v) ? firstProblem(v, BULK_CHECKS, 'bulkExport.') : 'must be true, false or an object');

const environment: Check = (v) => (isObject(v) ? firstProblem(v, ENVIRONMENT_CHECKS, 'environment.') : 'must be an object');

/** The checks of `subscriptions`' own options. */
const SUBSCRIPTIONS_CHECKS: Record<string, Check> = {
  WebSocket: aFunction,
  protocol: oneOf(['bind-with-token', 'bind']),
  topic: (v) => (typeof v === 'string' && v !== '' ? undefined : 'must be the canonical URL of a SubscriptionTopic'),
  websocketUrl: (v) => (typeof v === 'string' && /^wss?:\/\//.test(v) ? undefined : `must be a ws: or wss: URL; got ${show(v)}`),
  heartbeatPeriod: wholeNumber,
  force: aBoolean,
};

const subscriptions: Check = (v) => (v === false ? undefined : isObject(v) ? firstProblem(v, SUBSCRIPTIONS_CHECKS, 'subscriptions.') : 'must be false or an object');

/** Each option of `ReplicationOptions` with its check; an option left out (undefined) is not checked. */
const OPTION_CHECKS: Record<keyof ReplicationOptions, Check> = {
  baseUrl,
  resourceTypes,
  fetch: aFunction,
  headers,
  authorize: aFunction,
  push: oneOf(PUSH_MODES),
  pushConcurrency: wholeNumber,
  batchSize: wholeNumber,
  conflicts: oneOf(POLICIES, true),
  retry,
  live: aBoolean,
  interval: milliseconds(1),
  checkpointMarginMs: milliseconds(0),
  environment,
  subscriptions,
  bulkExport,
  // Checked on its own (below): a bad scope is a 400 FhirError with an OperationOutcome.
  scope: () => undefined,
  retention: retentionProblem,
};

function firstProblem(options: Record<string, unknown>, checks: Record<string, Check>, prefix = ''): string | undefined {
  for (const [name, check] of Object.entries(checks)) {
    const value = options[name];
    // baseUrl is the one required option: its check also speaks for a missing value.
    if (value === undefined && name !== 'baseUrl') continue;
    const problem = check(value);
    if (problem !== undefined) return `${prefix}${name} ${problem}`;
  }
  return undefined;
}

/**
 * Checks the options of `replicate` synchronously, so a mistake fails where it was made instead of being
 * retried as if the network were down: an absolute http(s) `baseUrl` without query or fragment, known push
 * modes and conflict policies, positive sizes and delays, functions where functions are expected. A bad `scope`
 * throws a 400 `FhirError` (see `checkScope`); `parseSearch` parses a scope's searches as the store would.
 * @see https://hl7.org/fhir/R5/http.html#root (the service base URL)
 */
export function checkReplicationOptions(options: unknown, parseSearch?: (type: string, pairs: [string, string][]) => void): asserts options is ReplicationOptions {
  if (!isObject(options)) throw new ReplicationOptionsError(`options must be an object with a baseUrl; got ${options === null ? 'null' : typeof options}`);
  const problem = firstProblem(options, OPTION_CHECKS);
  if (problem !== undefined) throw new ReplicationOptionsError(problem);
  if (options['scope'] !== undefined) checkScope(options['scope'], (options['resourceTypes'] as string[] | undefined) ?? ['ImagingSelection'], parseSearch);
}
