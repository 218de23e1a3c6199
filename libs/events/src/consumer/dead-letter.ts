import type { IHeaders, KafkaMessage, Message, Producer } from 'kafkajs';
import { dlqTopic } from '../catalog';

/** Headers a dead letter carries besides the original ones (traceparent included). */
export const DLQ_HEADERS = {
  /** The error message, cut to MAX_ERROR_LENGTH. */
  error: 'x-dlq-error',
  /** The error class (`EventValidationError`, `Error`, …). */
  errorType: 'x-dlq-error-type',
  /** The Kafka topic the message was read from, prefix included. */
  topic: 'x-dlq-origin-topic',
  partition: 'x-dlq-origin-partition',
  offset: 'x-dlq-origin-offset',
  consumerGroup: 'x-dlq-consumer-group',
  /** Handler attempts made; 0 when the message never reached a handler (invalid). */
  attempts: 'x-dlq-attempts',
  /** When it was dead-lettered (ISO 8601). */
  at: 'x-dlq-at',
} as const;

const MAX_ERROR_LENGTH = 1_000;

export interface DeadLetterOrigin {
  /** The Kafka topic name, prefix included. */
  topic: string;
  partition: number;
  groupId: string;
}

/** The original key and value, so the message can be replayed as it was once the cause is fixed. */
export function deadLetterMessage(
  message: KafkaMessage,
  origin: DeadLetterOrigin,
  error: unknown,
  attempts: number,
): Message {
  const headers: IHeaders = {
    ...message.headers,
    [DLQ_HEADERS.error]: describeError(error).slice(0, MAX_ERROR_LENGTH),
    [DLQ_HEADERS.errorType]: error instanceof Error ? error.name : typeof error,
    [DLQ_HEADERS.topic]: origin.topic,
    [DLQ_HEADERS.partition]: String(origin.partition),
    [DLQ_HEADERS.offset]: message.offset,
    [DLQ_HEADERS.consumerGroup]: origin.groupId,
    [DLQ_HEADERS.attempts]: String(attempts),
    [DLQ_HEADERS.at]: new Date().toISOString(),
  };
  return { key: message.key, value: message.value, headers };
}

/** Produces one dead letter to `<topic>.dlq`, acknowledged by every in-sync replica. */
export async function sendDeadLetter(
  producer: Producer,
  origin: DeadLetterOrigin,
  message: Message,
): Promise<void> {
  await producer.send({ topic: dlqTopic(origin.topic), acks: -1, messages: [message] });
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
