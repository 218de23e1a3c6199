import type { Instruments } from '@support-center/telemetry';

export type PublishInstruments = Pick<
  Instruments,
  'events_published_total' | 'event_publish_duration_seconds'
>;

export type PublishStatus = 'success' | 'error';

/** One event of a publish attempt, as the counter labels it. */
export interface PublishedEvent {
  topic: string;
  type: string;
}

/**
 * Records one publish attempt: each event by outcome, and the time Kafka took per topic.
 * Telemetry never breaks the publish path, so a failing instrument is only reported.
 */
export function recordPublish(
  metrics: PublishInstruments,
  events: readonly PublishedEvent[],
  status: PublishStatus,
  seconds: number,
  onError: (error: unknown) => void,
): void {
  try {
    for (const { topic, type } of events) {
      metrics.events_published_total.add(1, { topic, event_type: type, status });
    }
    if (status === 'success') {
      for (const topic of new Set(events.map((e) => e.topic))) {
        metrics.event_publish_duration_seconds.record(seconds, { topic });
      }
    }
  } catch (error) {
    onError(error);
  }
}
