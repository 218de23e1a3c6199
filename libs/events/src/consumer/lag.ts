import type { Admin } from 'kafkajs';
import type { ConsumerMetrics } from './metrics';
import type { EventsLogger } from './types';

export interface LagMonitorOptions {
  admin: Admin;
  /** The Kafka topic name, prefix included. */
  topic: string;
  groupId: string;
  metrics: ConsumerMetrics;
  logger: EventsLogger;
  intervalMs: number;
}

export interface LagMonitor {
  /** Ends the refreshes once the read in progress, if any, is done. */
  stop(): Promise<void>;
}

/**
 * Per partition, the high watermark minus the group's committed offset. A partition the group
 * never committed counts from its low watermark, since the consumer starts from the beginning.
 */
export async function measureLag(admin: Admin, topic: string, groupId: string): Promise<Map<number, number>> {
  const [watermarks, committed] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
  ]);
  const committedBy = new Map(committed[0]?.partitions.map((p) => [p.partition, Number(p.offset)]));
  const lag = new Map<number, number>();
  for (const { partition, high, low } of watermarks) {
    const offset = committedBy.get(partition) ?? -1;
    const from = offset >= 0 ? offset : Number(low);
    lag.set(partition, Math.max(0, Number(high) - from));
  }
  return lag;
}

/** Refreshes `kafka_consumer_lag` every `intervalMs`; a failed read is logged and tried next time. */
export function startLagMonitor({
  admin,
  topic,
  groupId,
  metrics,
  logger,
  intervalMs,
}: LagMonitorOptions): LagMonitor {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let inFlight: Promise<void> = Promise.resolve();
  const tick = async () => {
    try {
      for (const [partition, messages] of await measureLag(admin, topic, groupId))
        metrics.lag(partition, messages);
    } catch (error) {
      logger.debug({ err: error, topic, groupId }, 'reading consumer lag failed');
    }
    // Chained timeouts rather than an interval: a slow broker never stacks up reads.
    if (!stopped) timer = setTimeout(() => (inFlight = tick()), intervalMs).unref();
  };
  inFlight = tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}
