import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, SubscriptionStatus, SubscriptionTopic } from 'fhir/r5';
import { REFERENCED_TYPES } from '../rest/interactions/capabilities.js';

/**
 * The id of the server's one topic, as stored in its store (`SubscriptionTopic/resource-changes`).
 * @see https://hl7.org/fhir/R5/subscriptiontopic.html
 */
export const TOPIC_ID = 'resource-changes';

/**
 * The canonical URL of the server's topic: what a `Subscription.topic` names to subscribe to it.
 * @see https://hl7.org/fhir/R5/subscription-definitions.html#Subscription.topic
 */
export const TOPIC_URL = 'https://github.com/fhir-offline-store/fhir-offline-store/SubscriptionTopic/resource-changes';

/**
 * The types the topic covers: ImagingSelection and the types its references point at.
 * @see https://hl7.org/fhir/R5/subscriptiontopic-definitions.html#SubscriptionTopic.resourceTrigger
 */
export const TOPIC_TYPES: readonly string[] = ['ImagingSelection', ...REFERENCED_TYPES];

/**
 * The `Coding.system` of `Subscription.channelType` codes.
 * @see https://terminology.hl7.org/CodeSystem-subscription-channel-type.html
 */
export const CHANNEL_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/subscription-channel-type';

/**
 * The topic the server offers: "any change" (create, update, delete) of ImagingSelection and every type it
 * refers to, one `resourceTrigger` per type and no filters. One topic rather than one per type, so that a client
 * replicating several types needs one Subscription and one socket; the notification's focus names the type.
 * @see https://hl7.org/fhir/R5/subscriptiontopic.html
 */
export function resourceChangesTopic(): SubscriptionTopic {
  return {
    resourceType: 'SubscriptionTopic',
    id: TOPIC_ID,
    url: TOPIC_URL,
    title: 'Resource changes',
    status: 'active',
    description:
      'Any create, update or delete of an ImagingSelection or of a resource of a type an ImagingSelection refers to. ' +
      'Channel: websocket only. Payload: empty or id-only. Meant as a doorbell for a _history pull.',
    resourceTrigger: TOPIC_TYPES.map((type) => ({
      description: `A ${type} is created, updated or deleted`,
      resource: `http://hl7.org/fhir/StructureDefinition/${type}`,
      supportedInteraction: ['create', 'update', 'delete'],
    })),
    notificationShape: TOPIC_TYPES.map((type) => ({ resource: `http://hl7.org/fhir/StructureDefinition/${type}` })),
  };
}

/**
 * One change the topic reports: which resource, what happened, and its number in the subscription.
 * @see https://hl7.org/fhir/R5/subscriptionstatus-definitions.html#SubscriptionStatus.notificationEvent
 */
export interface TopicEvent {
  /** The resource type. */
  type: string;
  /** The resource id. */
  id: string;
  /** The version the change made. */
  versionId: string;
  /** What happened. */
  op: 'create' | 'update' | 'delete';
  /** The event's number in its subscription (1 for the first event after the subscription started). */
  eventNumber: number;
  /** When the server saw it. */
  timestamp: string;
}

/**
 * What a notification Bundle says besides its event.
 * @see https://hl7.org/fhir/R5/subscriptionstatus.html
 */
export interface NotificationContext {
  /** The server's FHIR base URL. */
  baseUrl: string;
  /** The subscription's id. */
  subscriptionId: string;
  /** Events of the subscription so far. */
  eventsSinceSubscriptionStart: number;
  /** `empty` (the status only) or `id-only` (plus an entry naming the resource). */
  content: 'empty' | 'id-only';
  /** When the Bundle is made. */
  timestamp: string;
}

/**
 * A `subscription-notification` Bundle: first entry a SubscriptionStatus (type `handshake`, `heartbeat` or
 * `event-notification`) with `eventsSinceSubscriptionStart`; an event notification adds its
 * `notificationEvent` (number, time, focus) and, for `id-only`, an entry with the focus's `fullUrl` and
 * `request` (no resource).
 * @see https://hl7.org/fhir/R5/subscription.html#notifications
 * @see https://hl7.org/fhir/R5/subscriptionstatus.html
 */
export function notificationBundle(
  kind: 'handshake' | 'heartbeat' | 'event-notification',
  ctx: NotificationContext,
  event?: TopicEvent,
): Bundle {
  const status: SubscriptionStatus = {
    resourceType: 'SubscriptionStatus',
    status: 'active',
    type: kind,
    eventsSinceSubscriptionStart: String(ctx.eventsSinceSubscriptionStart),
    subscription: { reference: `${ctx.baseUrl}/Subscription/${ctx.subscriptionId}` },
    topic: TOPIC_URL,
    ...(event
      ? {
          notificationEvent: [
            {
              eventNumber: String(event.eventNumber),
              timestamp: event.timestamp,
              ...(ctx.content === 'id-only' ? { focus: { reference: `${event.type}/${event.id}/_history/${event.versionId}` } } : {}),
            },
          ],
        }
      : {}),
  };
  const entries: BundleEntry[] = [{ fullUrl: `urn:uuid:${randomUUID()}`, resource: status }];
  if (event && ctx.content === 'id-only') {
    entries.push({
      fullUrl: `${ctx.baseUrl}/${event.type}/${event.id}`,
      request: { method: event.op === 'delete' ? 'DELETE' : event.op === 'create' ? 'POST' : 'PUT', url: `${event.type}/${event.id}` },
    });
  }
  return { resourceType: 'Bundle', id: randomUUID(), type: 'subscription-notification', timestamp: ctx.timestamp, entry: entries };
}
