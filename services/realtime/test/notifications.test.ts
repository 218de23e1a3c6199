import {
  parseExposition,
  sampleValue,
  startTestIssuer,
  testNamespace,
  waitFor,
  type ServiceProcess,
  type TestIssuer,
} from '@support-center/testing';
import {
  connect,
  eventProducer,
  startRealtime,
  ticketCreated,
  users,
  waitForTicket,
  type TestSocket,
} from './helpers';

async function metricsOf(service: ServiceProcess) {
  return parseExposition(await (await fetch(`${service.url}/metrics`)).text());
}

describe('notifications', () => {
  const ns = testNamespace('realtime_notify');
  let issuer: TestIssuer;
  let service: ServiceProcess;
  let producer: Awaited<ReturnType<typeof eventProducer>>;
  const sockets: TestSocket[] = [];

  async function open(who: keyof typeof users): Promise<TestSocket> {
    const socket = await connect(service.url, '/ws/notifications', await issuer.token(users[who]));
    sockets.push(socket);
    return socket;
  }

  beforeAll(async () => {
    issuer = await startTestIssuer();
    service = await startRealtime(ns, issuer, { WS_MAX_BUFFERED_BYTES: '65536' });
    producer = await eventProducer(ns);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.ws.terminate();
    await producer?.disconnect();
    await service?.stop();
    await issuer?.close();
  });

  it('pushes a ticket event from the tickets topic to the users it concerns', async () => {
    const employee = await open('employee');
    const agent = await open('agent');
    const ticketId = `t-${ns.id}-1`;
    // The requester's own creation is not news to them.
    await producer.publish('ticket.created', ticketCreated(ticketId, users.employee), 'tickets');

    const assigned = await producer.publish(
      'ticket.assigned',
      {
        ticketId,
        number: 1,
        requesterId: users.employee.id,
        assigneeId: users.agent.id,
        previousAssigneeId: null,
        assignedBy: 'u-admin',
        category: 'hardware',
        priority: 'high',
      },
      'tickets',
    );
    await agent.next((f) => f.event === 'ticket.assigned');
    expect(await employee.next((f) => f.type === 'notification')).toEqual({
      type: 'notification',
      id: expect.any(String),
      event: 'ticket.assigned',
      data: assigned.data,
      at: assigned.time,
    });
    // The agent was not on the ticket when it was created.
    const notified = (socket: TestSocket) =>
      socket.frames.filter((f) => f.type === 'notification').map((f) => f.event);
    expect(notified(agent)).toEqual(['ticket.assigned']);

    // An internal comment is for staff only.
    await producer.publish(
      'ticket.commented',
      {
        ticketId,
        number: 1,
        requesterId: users.employee.id,
        assigneeId: users.agent.id,
        commentId: 'c1',
        authorId: 'u-agent2',
        internal: true,
        body: 'between us',
      },
      'tickets',
    );
    await agent.next((f) => f.event === 'ticket.commented');
    await waitForTicket(service, await issuer.token(users.agent), ticketId);
    await producer.publish(
      'file.uploaded',
      {
        fileId: 'f1',
        ticketId,
        name: 'log.txt',
        size: 3,
        contentType: 'text/plain',
        sha256: 'a'.repeat(64),
        uploaderId: users.agent.id,
      },
      'files',
    );
    await employee.next((f) => f.event === 'file.uploaded');
    expect(notified(employee)).toEqual(['ticket.assigned', 'file.uploaded']);
  });

  it('disconnects a client that does not read, rather than buffering for it', async () => {
    const slow = await open('employee2');
    const reader = slow.ws as unknown as { _socket: { pause(): void; resume(): void } };
    reader._socket.pause();
    const title = 'x'.repeat(32_000);
    for (let batch = 0; batch < 8; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          producer.publish(
            'ticket.created',
            // Assigned at creation: news to the assignee (the requester created it).
            ticketCreated(`t-${ns.id}-slow-${batch}-${i}`, users.employee, title, users.employee2.id),
            'tickets',
          ),
        ),
      );
    }
    await waitFor(
      async () =>
        sampleValue(await metricsOf(service), 'websocket_errors_total', {
          endpoint: '/ws/notifications',
          reason: 'slow_consumer',
        }) === 1,
      { timeoutMs: 30_000, message: 'the slow client dropped' },
    );
    reader._socket.resume();
    expect(await slow.closed).toBe(1006);
  });

  it('closes every socket with 1001 when the service stops', async () => {
    const socket = await open('agent');
    expect(await service.stop('SIGTERM')).toBe(0);
    expect(await socket.closed).toBe(1001);
  });
});

describe('websocket metrics', () => {
  const ns = testNamespace('realtime_metrics');
  let issuer: TestIssuer;
  let service: ServiceProcess;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    service = await startRealtime(ns, issuer, { WS_HEARTBEAT_INTERVAL_MS: '300' });
  });

  afterAll(async () => {
    await service?.stop();
    await issuer?.close();
  });

  it('counts a scripted session exactly', async () => {
    const ticketId = `t-${ns.id}`;
    const producer = await eventProducer(ns);
    await producer.publish('ticket.created', ticketCreated(ticketId, users.employee), 'tickets');
    await producer.disconnect();
    const token = await issuer.token(users.employee);
    await waitForTicket(service, token, ticketId);

    expect(await (await connect(service.url, '/chat')).closed).toBe(4401);
    const chat = await connect(service.url, '/chat', token, 'web');
    const notifications = await connect(service.url, '/ws/notifications', token, 'smart-fridge');
    chat.send({ type: 'join', ticketId });
    await chat.next((f) => f.type === 'history');
    chat.send({ type: 'message', ticketId, body: 'hello' });
    await chat.next((f) => f.type === 'message');
    chat.send('{bad');
    await chat.next((f) => f.type === 'error');
    chat.send({ type: 'resync', ticketId, afterSeq: 0 });
    await chat.next((f) => f.type === 'history' && f.afterSeq === 0);
    await waitFor(
      async () =>
        sampleValue(await metricsOf(service), 'websocket_heartbeat_rtt_seconds_count', {
          endpoint: '/chat',
        })! > 0,
      { message: 'a pong' },
    );

    const m = await metricsOf(service);
    const value = (name: string, labels: Record<string, string>) => sampleValue(m, name, labels);
    expect(value('websocket_connections_total', { endpoint: '/chat', status: 'unauthorized' })).toBe(1);
    expect(value('websocket_connections_total', { endpoint: '/chat', status: 'success' })).toBe(1);
    expect(value('websocket_connections_total', { endpoint: '/ws/notifications', status: 'success' })).toBe(
      1,
    );
    expect(value('websocket_active_connections', { endpoint: '/chat', client_type: 'web' })).toBe(1);
    expect(
      value('websocket_active_connections', { endpoint: '/ws/notifications', client_type: 'other' }),
    ).toBe(1);
    for (const [type, count] of [
      ['join', 1],
      ['message', 1],
      ['resync', 1],
      ['unknown', 1],
    ] as const) {
      expect(value('websocket_messages_received_total', { message_type: type, endpoint: '/chat' })).toBe(
        count,
      );
    }
    for (const [type, count] of [
      ['history', 2],
      ['message', 1],
      ['error', 1],
    ] as const) {
      expect(value('websocket_messages_sent_total', { message_type: type, endpoint: '/chat' })).toBe(count);
    }
    expect(value('websocket_errors_total', { endpoint: '/chat', reason: 'invalid_frame' })).toBe(1);
    expect(value('websocket_sequence_gaps_detected_total', { endpoint: '/chat', gap_size: '1' })).toBe(1);
    expect(value('websocket_initial_load_duration_seconds_count', { endpoint: '/chat' })).toBe(1);

    chat.close();
    notifications.close();
    await Promise.all([chat.closed, notifications.closed]);
    await waitFor(
      async () =>
        sampleValue(await metricsOf(service), 'websocket_active_connections', {
          endpoint: '/chat',
          client_type: 'web',
        }) === 0,
      { message: 'the connection gauge back to 0' },
    );
  });
});
