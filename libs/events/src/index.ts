/**
 * CloudEvents contracts over Kafka, the transactional outbox and its relay, and the consumers.
 * One export line per module, sorted by module path; add lines, never reorder others'.
 */
export {
  dlqTopic,
  EVENT_SPECS,
  eventSpec,
  TOPICS,
  type EventData,
  type EventSpec,
  type EventType,
  type Topic,
} from './catalog';
export * from './consumer';
export {
  CLOUDEVENTS_CONTENT_TYPE,
  createEvent,
  dataSchemaUri,
  parseEvent,
  type CloudEvent,
  type CreateEventOptions,
} from './envelope';
export {
  EventsError,
  EventValidationError,
  OutboxConfigError,
  OutboxEntryError,
  StoreUnavailableError,
} from './errors';
export * from './outbox';
export * from './revocations';
export {
  serviceEvents,
  type ConsumerDeclaration,
  type ServiceEvents,
  type ServiceEventsOptions,
} from './service-events';
export { DEFAULT_PARTITIONS, ensureTopics, type EnsureTopicsOptions } from './topics';
