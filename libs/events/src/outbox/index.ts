export { decodeEntry, encodeEntry, type OutboxEntry } from './entry';
export { OUTBOX_LEASES_COLLECTION, REJECTED_FIELD, type OutboxDocument, type OutboxLease } from './lease';
export {
  OUTBOX_FIELD,
  OUTBOX_SCHEMA_FIELDS,
  outboxEntries,
  outboxFields,
  outboxUpdate,
  type OutboxFields,
  type OutboxPush,
  type OutboxUpdate,
} from './pending';
export { createOutboxRelay, type OutboxLogger, type OutboxRelay, type OutboxRelayOptions } from './relay';
export { outboxWriter, type Outbox, type OutboxDocumentId } from './writer';
