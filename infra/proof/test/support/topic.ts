import { Kafka, logLevel } from 'kafkajs';
import { parseEvent, type CloudEvent } from '@support-center/events';

/** Every event on `topic` from its beginning, read by a plain kafkajs consumer until `until` holds. */
export async function readTopic(
  brokers: string[],
  topic: string,
  until: (events: CloudEvent[]) => boolean,
  timeoutMs = 60_000,
): Promise<CloudEvent[]> {
  const kafka = new Kafka({ clientId: 'proof-reader', brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `proof-reader-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  });
  const events: CloudEvent[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done: () => void = () => undefined;
    const complete = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      eachMessage: async ({ message }) => {
        events.push(parseEvent(message.value));
        if (until(events)) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([complete, timeout]);
    clearTimeout(timer);
    return events;
  } finally {
    await consumer.disconnect();
  }
}
