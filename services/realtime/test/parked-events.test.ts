import {
  parseExposition,
  sampleValue,
  startTestIssuer,
  testNamespace,
  waitFor,
  type ServiceProcess,
  type TestIssuer,
} from '@support-center/testing';
import { connect, eventProducer, startRealtime, ticketCreated, users, type TestSocket } from './helpers';

async function metric(service: ServiceProcess, name: string, labels: Record<string, string> = {}) {
  const families = parseExposition(await (await fetch(`${service.url}/metrics`)).text());
  return sampleValue(families, name, labels) ?? 0;
}

function fileUploaded(ticketId: string, fileId: string) {
  return {
    fileId,
    ticketId,
    name: 'log.txt',
    size: 3,
    contentType: 'text/plain',
    sha256: 'a'.repeat(64),
    // Someone else's upload: the uploader is not notified of their own.
    uploaderId: users.agent.id,
  };
}

/** Issue 28, item 11: an event that overtakes its ticket's creation is held back, never dropped. */
describe('events that arrive before their ticket', () => {
  const ns = testNamespace('realtime_parked');
  let issuer: TestIssuer;
  let service: ServiceProcess;
  let producer: Awaited<ReturnType<typeof eventProducer>>;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    issuer = await startTestIssuer();
    service = await startRealtime(ns, issuer, {
      REALTIME_PARKED_EVENT_TTL_MS: '4000',
      REALTIME_PARKED_SWEEP_INTERVAL_MS: '200',
    });
    producer = await eventProducer(ns);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.ws.terminate();
    await producer?.disconnect();
    await service?.stop();
    await issuer?.close();
  });

  async function filesConsumed(): Promise<number> {
    return metric(service, 'events_consumed_total', {
      topic: 'files',
      event_type: 'file.uploaded',
      status: 'processed',
    });
  }

  it('delivers a file.uploaded published before its ticket.created once the ticket arrives, and chat on it works at once', async () => {
    const socket = await connect(service.url, '/ws/notifications', await issuer.token(users.employee));
    sockets.push(socket);
    const ticketId = `t-${ns.id}-early`;
    const consumed = await filesConsumed();

    await producer.publish('file.uploaded', fileUploaded(ticketId, 'f-early'), 'files');
    await waitFor(async () => (await filesConsumed()) === consumed + 1, {
      message: 'the file event handled before its ticket exists',
    });

    await producer.publish('ticket.created', ticketCreated(ticketId, users.employee), 'tickets');
    const file = await socket.next((f) => f.event === 'file.uploaded');
    expect(file).toMatchObject({ type: 'notification', data: { ticketId, fileId: 'f-early' } });
    // The requester created the ticket: only the upload is news to them.
    expect(socket.frames.filter((f) => f.type === 'notification').map((f) => f.event)).toEqual([
      'file.uploaded',
    ]);
    for (const outcome of ['parked', 'replayed'])
      expect(
        await metric(service, 'realtime_parked_events_total', { event_type: 'file.uploaded', outcome }),
      ).toBe(1);
    expect(await metric(service, 'realtime_parked_events')).toBe(0);

    // The ticket is known as soon as this instance saw its creation: the room opens at once.
    const chat = await connect(service.url, '/chat', await issuer.token(users.employee));
    sockets.push(chat);
    chat.send({ type: 'join', ticketId });
    expect(await chat.next((f) => f.ticketId === ticketId)).toMatchObject({ type: 'history' });
  });

  it('notifies an event delivered twice (at least once) only once', async () => {
    // The assignee's socket: they did not create the ticket, nor upload the files.
    const socket = await connect(
      service.url,
      '/ws/notifications',
      await issuer.token({ id: 'u-agent2', username: 'agent2', role: 'agent' }),
    );
    sockets.push(socket);
    const ticketId = `t-${ns.id}-twice`;
    const created = await producer.publish(
      'ticket.created',
      ticketCreated(ticketId, users.employee, undefined, 'u-agent2'),
      'tickets',
    );
    await producer.republish(created, 'tickets');
    const uploaded = await producer.publish('file.uploaded', fileUploaded(ticketId, 'f-twice'), 'files');
    await producer.republish(uploaded, 'files');
    // A later event on each topic: once both are here, both copies were handled.
    await producer.publish('file.uploaded', fileUploaded(ticketId, 'f-after'), 'files');
    await producer.publish(
      'ticket.status_changed',
      {
        ticketId,
        number: 1,
        requesterId: users.employee.id,
        assigneeId: 'u-agent2',
        from: 'open',
        to: 'in_progress',
        changedBy: users.agent.id,
      },
      'tickets',
    );
    await socket.next((f) => (f.data as { fileId?: string } | undefined)?.fileId === 'f-after');
    await socket.next((f) => f.event === 'ticket.status_changed');
    const count = (event: string) => socket.frames.filter((f) => f.event === event).length;
    expect({ created: count('ticket.created'), uploaded: count('file.uploaded') }).toEqual({
      created: 1,
      uploaded: 2,
    });
  });

  it('gives up on an event whose ticket never comes, after the TTL, counted', async () => {
    const ticketId = `t-${ns.id}-never`;
    const consumed = await filesConsumed();
    await producer.publish('file.uploaded', fileUploaded(ticketId, 'f-never'), 'files');
    await waitFor(async () => (await filesConsumed()) === consumed + 1, {
      message: 'the file event handled',
    });
    await waitFor(
      async () =>
        (await metric(service, 'realtime_parked_events_total', {
          event_type: 'file.uploaded',
          outcome: 'expired',
        })) === 1,
      { timeoutMs: 20_000, message: 'the parked event expired' },
    );
    expect(await metric(service, 'realtime_parked_events')).toBe(0);
  });
});

/** Issue 28, item 11: a ticket is usable on an instance as soon as that instance has seen it. */
describe('a new ticket while the shared projection group is behind', () => {
  const ns = testNamespace('realtime_behind');
  const BACKLOG = 3000;
  let issuer: TestIssuer;
  let service: ServiceProcess;
  let producer: Awaited<ReturnType<typeof eventProducer>>;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    issuer = await startTestIssuer();
    producer = await eventProducer(ns);
    // A backlog the shared group `realtime.tickets` reads from the beginning; this instance's own
    // fan-out group starts at the end, so it sees a new ticket first.
    await producer.publishMany(
      'ticket.created',
      Array.from({ length: BACKLOG }, (_, i) => ticketCreated(`t-${ns.id}-old-${i}`, users.employee2)),
      'tickets',
    );
    service = await startRealtime(ns, issuer);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.ws.terminate();
    await producer?.disconnect();
    await service?.stop();
    await issuer?.close();
  });

  it('opens chat on a ticket the moment its creation reached the notification socket', async () => {
    const token = await issuer.token(users.employee);
    // The assignee's socket: the requester is not notified of their own creation.
    const socket = await connect(service.url, '/ws/notifications', await issuer.token(users.agent));
    sockets.push(socket);
    const ticketId = `t-${ns.id}-new`;
    await producer.publish(
      'ticket.created',
      ticketCreated(ticketId, users.employee, undefined, users.agent.id),
      'tickets',
    );
    await socket.next((f) => f.event === 'ticket.created');
    const backlogLeft = await metric(service, 'kafka_consumer_lag', {
      topic: 'tickets',
      consumer_group: 'realtime.tickets',
    });
    const res = await fetch(`${service.url}/api/v1/chat/${ticketId}/messages`, {
      headers: { authorization: `Bearer ${token}` },
    });
    process.stdout.write(
      `chat answered ${res.status} with the shared group ${backlogLeft} events behind (last reading)\n`,
    );
    expect(res.status).toBe(200);
  });
});
