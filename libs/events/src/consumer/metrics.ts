import type { ConsumeStatus, EventConsumerOptions, EventsLogger } from './types';

/** `event_type` of a message whose type cannot be read or is not in the catalog. */
export const UNKNOWN_EVENT_TYPE = 'unknown';

export interface ConsumerLabels {
  /** The topic without the test prefix, so dashboards see `tickets`. */
  topic: string;
  /** `<service>.<topic>`, without the test prefix. */
  consumer_group: string;
}

export interface ConsumerMetrics {
  consumed(eventType: string, status: ConsumeStatus): void;
  processingSeconds(eventType: string, seconds: number): void;
  deadLettered(eventType: string): void;
  lag(partition: number, messages: number): void;
}

/** The consumer's instruments, each recording guarded: telemetry never stops consumption. */
export function consumerMetrics(
  instruments: EventConsumerOptions['metrics'],
  labels: ConsumerLabels,
  logger: EventsLogger,
): ConsumerMetrics {
  const guard = (record: () => void) => {
    try {
      record();
    } catch (error) {
      logger.warn({ err: error }, 'recording a consumer metric failed');
    }
  };
  return {
    consumed: (eventType, status) =>
      guard(() => instruments.events_consumed_total.add(1, { ...labels, event_type: eventType, status })),
    processingSeconds: (eventType, seconds) =>
      guard(() =>
        instruments.event_processing_duration_seconds.record(seconds, { ...labels, event_type: eventType }),
      ),
    deadLettered: (eventType) =>
      guard(() => instruments.events_dead_lettered_total.add(1, { ...labels, event_type: eventType })),
    lag: (partition, messages) =>
      guard(() =>
        instruments.kafka_consumer_lag.record(messages, { ...labels, partition: String(partition) }),
      ),
  };
}
