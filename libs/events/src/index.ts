/**
 * CloudEvents contracts over Kafka, the transactional outbox and its relay, and the consumers.
 * One export line per module, sorted by module path; add lines, never reorder others'.
 */
export {
  dlqTopic,
  EVENT_SPECS,
  eventSpec,
  TOPICS,
  type EventContract,
  type EventData,
  type EventSpec,
  type EventVersion,
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
  type CloudEventOf,
  type CreateEventOptions,
} from './envelope';
export {
  EventsError,
  EventValidationError,
  OutboxConfigError,
  OutboxEntryError,
  StoreUnavailableError,
} from './errors';
export { EVENT_FIXTURES_DIR, eventFixture, type EventFixtureOverrides } from './fixtures';
export * from './outbox';
export * from './revocations';
export {
  serviceEvents,
  type ConsumerDeclaration,
  type ServiceEvents,
  type ServiceEventsOptions,
} from './service-events';
export * from './schemas/ticket-vocabulary';
export { DEFAULT_PARTITIONS, ensureTopics, type EnsureTopicsOptions } from './topics';
