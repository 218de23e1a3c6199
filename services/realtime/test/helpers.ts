import { Kafka, logLevel, type Producer } from 'kafkajs';
import WebSocket from 'ws';
import { createEvent, ensureTopics, type EventData, type EventType } from '@support-center/events';
import {
  serviceEnv,
  startServiceProcess,
  waitFor,
  type ServiceProcess,
  type TestIssuer,
  type TestNamespace,
  type TestUser,
} from '@support-center/testing';

export interface Frame {
  type: string;
  [field: string]: unknown;
}

/** A WebSocket client that records every frame, for tests to wait on. */
export class TestSocket {
  readonly frames: Frame[] = [];
  closeCode?: number;
  readonly closed: Promise<number>;
  private readonly waiters = new Set<() => void>();

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      for (const wake of this.waiters) wake();
    });
    this.closed = new Promise((done) =>
      ws.once('close', (code) => {
        this.closeCode = code;
        for (const wake of this.waiters) wake();
        done(code);
      }),
    );
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first frame (after `from`) matching `match`, waiting for it. */
  async next(match: (frame: Frame) => boolean, { timeoutMs = 10_000, from = 0 } = {}): Promise<Frame> {
    const found = () => this.frames.slice(from).find(match);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = found();
      if (frame) return frame;
      if (this.closeCode !== undefined)
        throw new Error(`socket closed (${this.closeCode}) before the frame came`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((wake) => {
        const waiter = () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          wake();
        };
        const timer = setTimeout(waiter, left);
        this.waiters.add(waiter);
      });
    }
  }

  /** Chat `message` frames of a room, in arrival order. */
  messages(ticketId: string): Frame[] {
    return this.frames.filter((f) => f.type === 'message' && f.ticketId === ticketId);
  }

  close(): void {
    this.ws.close();
  }
}

/** Opens a socket; resolves once open (or closed, for refused ones). */
export async function connect(
  baseUrl: string,
  path: string,
  token?: string,
  client = 'web',
): Promise<TestSocket> {
  const url = new URL(path, baseUrl.replace(/^http/, 'ws'));
  if (token) url.searchParams.set('token', token);
  url.searchParams.set('client', client);
  const ws = new WebSocket(url);
  const socket = new TestSocket(ws);
  await new Promise<void>((done, fail) => {
    ws.once('open', () => done());
    ws.once('close', () => done());
    ws.once('error', fail);
  });
  return socket;
}

export async function startRealtime(
  ns: TestNamespace,
  issuer: TestIssuer,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  const service = await startServiceProcess('realtime', {
    ...serviceEnv(ns.database('realtime')),
    AUTH_JWKS_URL: issuer.jwksUrl,
    KAFKA_TOPIC_PREFIX: ns.topicPrefix,
    ...env,
  });
  await waitFor(async () => (await fetch(`${service.url}/ready`)).status === 200, {
    timeoutMs: 45_000,
    message: 'realtime /ready (its fan-out consumers running)',
  });
  return service;
}

/** Produces catalog events to the namespace's topics, as the other services' relays do. */
export async function eventProducer(ns: TestNamespace) {
  const kafka = new Kafka({
    clientId: 'realtime-test',
    brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  return {
    async publish<T extends EventType>(type: T, data: EventData<T>, topic: string) {
      const event = createEvent(type, data, { source: '/support-center/test' });
      await producer.send({
        topic: ns.topic(topic),
        messages: [{ key: event.subject, value: JSON.stringify(event) }],
      });
      return event;
    },
    /** Publishes many events of one type in one request (a backlog); creates the topic if need be. */
    async publishMany<T extends EventType>(type: T, data: EventData<T>[], topic: string) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await ensureTopics(admin, [topic], { prefix: ns.topicPrefix });
      } finally {
        await admin.disconnect();
      }
      const events = data.map((d) => createEvent(type, d, { source: '/support-center/test' }));
      await producer.send({
        topic: ns.topic(topic),
        messages: events.map((event) => ({ key: event.subject, value: JSON.stringify(event) })),
      });
      return events;
    },
    /** Sends an event already published once more, as Kafka's at-least-once delivery may. */
    async republish(event: { subject?: string }, topic: string) {
      await producer.send({
        topic: ns.topic(topic),
        messages: [{ key: event.subject ?? null, value: JSON.stringify(event) }],
      });
    },
    disconnect: () => producer.disconnect(),
  };
}

/**
 * A `ticket.created` of `requester`'s. The requester created it, so only an assignee (set when
 * an agent files a ticket already assigned, say) is notified of it.
 */
export function ticketCreated(
  ticketId: string,
  requester: TestUser,
  title = 'Printer on fire',
  assigneeId: string | null = null,
) {
  return {
    ticketId,
    number: 1,
    requesterId: requester.id,
    assigneeId,
    title,
    category: 'hardware' as const,
    priority: 'high' as const,
    status: 'open' as const,
    createdAt: new Date().toISOString(),
  };
}

/** Waits until the realtime projection knows the ticket (the room can be joined). */
export async function waitForTicket(service: ServiceProcess, token: string, ticketId: string): Promise<void> {
  await waitFor(
    async () =>
      (
        await fetch(`${service.url}/api/v1/chat/${ticketId}/messages`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).status === 200,
    { timeoutMs: 20_000, message: `ticket ${ticketId} in the realtime projection` },
  );
}

export const users = {
  employee: { id: 'u-employee', username: 'employee', role: 'employee' },
  employee2: { id: 'u-employee2', username: 'employee2', role: 'employee' },
  agent: { id: 'u-agent', username: 'agent', role: 'agent' },
} as const satisfies Record<string, TestUser>;

/**
 * A `ticket.status_changed` of a ticket of `requester`'s, made by someone else: it reaches the
 * requester's socket, so once it is there everything published before it on its partition was handled.
 */
export function statusChangedByOther(ticketId: string, requester: TestUser) {
  return {
    ticketId,
    number: 1,
    requesterId: requester.id,
    assigneeId: null,
    from: 'open' as const,
    to: 'in_progress' as const,
    changedBy: 'u-someone-else',
  };
}
