/** Base of the events library's errors: `retriable` says whether trying again can help. */
export class EventsError extends Error {
  readonly retriable: boolean;

  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? true;
  }
}

/** An event that does not match its contract: never retried, dead-lettered at once. */
export class EventValidationError extends EventsError {
  constructor(message: string) {
    super(message, { retriable: false });
  }
}

/** A stored outbox entry that cannot be read: it is set aside instead of blocking its document. */
export class OutboxEntryError extends EventsError {
  constructor(message: string) {
    super(message, { retriable: false });
  }
}

/** A relay configured wrongly: thrown by `createOutboxRelay` before anything starts. */
export class OutboxConfigError extends EventsError {
  constructor(message: string) {
    super(message, { retriable: false });
  }
}

/** A consumer, or one of its handlers' idempotent writes, set up wrongly: never retried. */
export class ConsumerConfigError extends EventsError {
  constructor(message: string) {
    super(message, { retriable: false });
  }
}
