import { SupportCenterError } from '@support-center/telemetry';

/**
 * Base of the events library's errors (the project's one error base): `retriable` says whether
 * trying again can help, `code` what went wrong.
 */
export class EventsError extends SupportCenterError {
  constructor(message: string, options: { code?: string; retriable?: boolean; cause?: unknown } = {}) {
    super(options.code ?? 'ERR_EVENTS', message, {
      retriable: options.retriable ?? true,
      cause: options.cause,
    });
  }
}

/** An event that does not match its contract: never retried, dead-lettered at once. */
export class EventValidationError extends EventsError {
  constructor(message: string) {
    super(message, { code: 'ERR_EVENT_INVALID', retriable: false });
  }
}

/** A stored outbox entry that cannot be read: it is set aside instead of blocking its document. */
export class OutboxEntryError extends EventsError {
  constructor(message: string) {
    super(message, { code: 'ERR_OUTBOX_ENTRY', retriable: false });
  }
}

/** A relay configured wrongly: thrown by `createOutboxRelay` before anything starts. */
export class OutboxConfigError extends EventsError {
  constructor(message: string) {
    super(message, { code: 'ERR_OUTBOX_CONFIG', retriable: false });
  }
}

/** A consumer, or one of its handlers' idempotent writes, set up wrongly: never retried. */
export class ConsumerConfigError extends EventsError {
  constructor(message: string) {
    super(message, { code: 'ERR_CONSUMER_CONFIG', retriable: false });
  }
}

/** A store the library keeps (revocations) asked for before its engine answers: try again later. */
export class StoreUnavailableError extends EventsError {
  constructor(message: string) {
    super(message, { code: 'ERR_STORE_UNAVAILABLE', retriable: true });
  }
}
