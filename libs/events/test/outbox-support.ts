import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Telemetry } from '@support-center/telemetry';
import { parseExposition } from '@support-center/testing';
import type { IHeaders, Kafka } from 'kafkajs';
import { createEvent, type CloudEvent } from '../src';

/** The n-th comment event of one ticket: `body` carries n, so tests can check per-ticket order. */
export function commentEvent(ticketId: string, n: number, time?: Date): CloudEvent {
  return createEvent(
    'ticket.commented',
    {
      ticketId,
      number: 1,
      requesterId: 'requester',
      assigneeId: null,
      commentId: `${ticketId}-${n}`,
      authorId: 'author',
      internal: false,
      body: String(n),
    },
    { source: '/support-center/test', ...(time ? { time } : {}) },
  );
}

export interface Received {
  id: string;
  subject: string;
  n: number;
  key: string;
  headers: Record<string, string>;
  at: number;
}

export interface Collector {
  readonly received: Received[];
  stop(): Promise<void>;
}

/** A plain kafkajs consumer that records every event of `topic`, from its beginning. */
export async function collect(kafka: Kafka, topic: string, groupId: string): Promise<Collector> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const received: Received[] = [];
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const event = JSON.parse(String(message.value)) as CloudEvent<'ticket.commented'>;
      received.push({
        id: event.id,
        subject: event.subject,
        n: Number(event.data.body),
        key: String(message.key),
        headers: headerStrings(message.headers),
        at: Date.now(),
      });
    },
  });
  await joined;
  return { received, stop: () => consumer.disconnect() };
}

function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]));
}

/** Each subject's numbers in arrival order must be increasing: per-aggregate order held. */
export function outOfOrder(received: readonly Received[]): string[] {
  const last = new Map<string, number>();
  const problems: string[] = [];
  for (const r of received) {
    const previous = last.get(r.subject) ?? -Infinity;
    if (r.n <= previous) problems.push(`${r.subject}: ${r.n} after ${previous}`);
    last.set(r.subject, Math.max(previous, r.n));
  }
  return problems;
}

/** Serves the telemetry's exposition on a free port and parses it on demand. */
export async function metricsScraper(telemetry: Telemetry) {
  const handler = telemetry.metricsHandler;
  if (!handler) throw new Error('telemetry is disabled');
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    scrape: async () => parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
