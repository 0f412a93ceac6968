import type { Bundle, CapabilityStatement, Parameters, Subscription, SubscriptionTopic } from 'fhir/r5';
import { describeAnswer, type FhirClient } from './client.js';
import { RetryableError } from './errors.js';
import type { ServerPushOptions } from './server-push-options.js';

/** The core extension naming a server's websocket endpoint in its CapabilityStatement. */
const WEBSOCKET_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/capabilitystatement-websocket';
const CHANNEL_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/subscription-channel-type';

/**
 * What subscribing needs: the topic, and the websocket endpoint when the server names one.
 * @see https://hl7.org/fhir/R5/subscriptions.html#capabilities
 */
export interface PushPlan {
  topic: string;
  websocketUrl?: string;
}

/**
 * Why the server offers no server push usable for these types (live mode then polls).
 * @see https://hl7.org/fhir/R5/subscriptions.html#capabilities
 */
export class PushUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PushUnavailable';
  }
}

/**
 * The subscription is gone from the server (deleted, or the server restarted): create it again.
 * @see https://hl7.org/fhir/R5/subscription-operation-get-ws-binding-token.html
 */
export class SubscriptionGone extends RetryableError {
  constructor(message: string) {
    super(message);
    this.name = 'SubscriptionGone';
  }
}

/**
 * Whether and how the server offers websocket subscriptions for `types`: its CapabilityStatement must list
 * `Subscription` with `$get-ws-binding-token` (for `bind-with-token`) or at least `Subscription` (for `bind`),
 * unless `force`; the topic is `options.topic` or the first active SubscriptionTopic whose triggers cover every
 * type. Throws {@link PushUnavailable} when there is none; network and server failures throw as requests do.
 * @see https://hl7.org/fhir/R5/subscriptions.html#capabilities
 */
export async function discoverPush(client: FhirClient, types: readonly string[], options: ServerPushOptions): Promise<PushPlan> {
  const metadata = await client.send('GET', 'metadata');
  const statement = metadata.body as CapabilityStatement | undefined;
  const rest = metadata.status === 200 && statement?.resourceType === 'CapabilityStatement' ? (statement.rest ?? []) : [];
  const websocketUrl = rest.flatMap((r) => r.extension ?? []).find((e) => e.url === WEBSOCKET_EXTENSION)?.valueUrl;
  const subscription = rest.flatMap((r) => r.resource ?? []).find((r) => r.type === 'Subscription');
  const bindingOperation = [...(subscription?.operation ?? []), ...rest.flatMap((r) => r.operation ?? [])].some((o) => o.name === 'get-ws-binding-token');
  const protocol = options.protocol ?? 'bind-with-token';
  if (!options.force) {
    if (subscription === undefined) throw new PushUnavailable('the CapabilityStatement lists no Subscription resource');
    if (protocol === 'bind-with-token' && !bindingOperation) throw new PushUnavailable('the CapabilityStatement offers no $get-ws-binding-token');
  }
  if (protocol === 'bind' && options.websocketUrl === undefined && websocketUrl === undefined) throw new PushUnavailable('protocol bind needs websocketUrl');
  const topic = options.topic ?? (await findTopic(client, types));
  return { topic, ...(options.websocketUrl ?? websocketUrl ? { websocketUrl: options.websocketUrl ?? websocketUrl } : {}) };
}

/** The canonical URL of the first active topic whose resource triggers cover every type. */
async function findTopic(client: FhirClient, types: readonly string[]): Promise<string> {
  const res = await client.send('GET', 'SubscriptionTopic?_count=100');
  const bundle = res.body as Bundle | undefined;
  if (res.status !== 200 || bundle?.resourceType !== 'Bundle') throw new PushUnavailable(`${describeAnswer(res)}: no SubscriptionTopic search`);
  for (const e of bundle.entry ?? []) {
    const topic = e.resource as SubscriptionTopic | undefined;
    if (topic?.resourceType !== 'SubscriptionTopic' || topic.status !== 'active' || topic.url === undefined) continue;
    const covered = new Set((topic.resourceTrigger ?? []).map((t) => t.resource.replace(/^.*\//, '')));
    if (types.every((t) => covered.has(t))) return topic.url;
  }
  throw new PushUnavailable(`no active SubscriptionTopic covers ${types.join(', ')}`);
}

/**
 * Creates the websocket Subscription on `topic` and returns its id.
 * @see https://hl7.org/fhir/R5/subscription.html
 */
export async function createSubscription(client: FhirClient, topic: string, options: ServerPushOptions): Promise<string> {
  const subscription: Subscription = {
    resourceType: 'Subscription',
    status: 'requested',
    topic,
    reason: 'fhir-offline-store live replication: a doorbell for the _history pull',
    channelType: { system: CHANNEL_TYPE_SYSTEM, code: 'websocket' },
    content: options.protocol === 'bind' ? 'empty' : 'id-only',
    heartbeatPeriod: options.heartbeatPeriod ?? 30,
  };
  const res = await client.send('POST', 'Subscription', subscription);
  const id = (res.body as Subscription | undefined)?.id ?? /Subscription\/([^/]+)/.exec(res.headers.get('location') ?? '')?.[1];
  if (res.status !== 201 && res.status !== 200) throw new PushUnavailable(`${describeAnswer(res)}: the Subscription was refused`);
  if (id === undefined) throw new PushUnavailable(`${describeAnswer(res)} without the Subscription's id`);
  return id;
}

/**
 * A binding token and where to use it.
 * @see https://hl7.org/fhir/R5/subscription-operation-get-ws-binding-token.html
 */
export interface BindingToken {
  token: string;
  websocketUrl: string;
}

/**
 * `Subscription/[id]/$get-ws-binding-token`: the token to send as `bind-with-token <token>`, and the websocket URL.
 * @see https://hl7.org/fhir/R5/subscription-operation-get-ws-binding-token.html
 */
export async function getBindingToken(client: FhirClient, id: string, fallbackUrl?: string): Promise<BindingToken> {
  const res = await client.send('GET', `Subscription/${encodeURIComponent(id)}/$get-ws-binding-token`);
  if (res.status === 404 || res.status === 410) throw new SubscriptionGone(`${describeAnswer(res)}: the subscription is gone`);
  const parameters = res.body as Parameters | undefined;
  const value = (name: string): string | undefined => {
    const p = parameters?.parameter?.find((x) => x.name === name);
    return p?.valueString ?? p?.valueUrl ?? p?.valueUri;
  };
  const token = value('token');
  const websocketUrl = value('websocket-url') ?? fallbackUrl;
  if (res.status !== 200 || token === undefined || websocketUrl === undefined) throw new PushUnavailable(`${describeAnswer(res)}: no binding token`);
  return { token, websocketUrl };
}
