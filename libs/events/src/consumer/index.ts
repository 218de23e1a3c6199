export { createEventConsumer } from './consumer';
export {
  applyOnce,
  insertOnce,
  APPLIED_EVENTS_FIELD,
  type ApplyOnceOptions,
  type ApplyOutcome,
} from './apply-once';
export { DLQ_HEADERS } from './dead-letter';
export { ConsumerConfigError } from '../errors';
export { measureLag } from './lag';
export { UNKNOWN_EVENT_TYPE } from './metrics';
export { DEFAULT_BACKOFF, backoffDelay, isRetriable } from './retry';
export {
  CONSUME_STATUS,
  type BackoffOptions,
  type ConsumeStatus,
  type EventConsumer,
  type EventConsumerOptions,
  type EventHandler,
  type EventHandlers,
  type EventsLogger,
  type HandlerContext,
} from './types';
export { instanceConsumer, type EventsWorker, type InstanceConsumerOptions } from './instance';
