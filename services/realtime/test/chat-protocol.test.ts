import WebSocket from 'ws';
import { ensureTopics, TOPICS } from '@support-center/events';
import {
  freePort,
  kafkaBrokers,
  parseExposition,
  sampleValue,
  startTestIssuer,
  testNamespace,
  type ServiceProcess,
  type TestIssuer,
} from '@support-center/testing';
import { Kafka, logLevel } from 'kafkajs';
import {
  connect,
  eventProducer,
  startRealtime,
  ticketCreated,
  users,
  waitForTicket,
  TestSocket,
} from './helpers';

const MAX_ROOMS = 2;
const HEARTBEAT_MS = 300;

/**
 * The chat protocol's edges that the two-instance chat test leaves out: leaving a room, the rooms
 * limit, a resync before a join, a body of only whitespace, a peer that stops answering pings,
 * the REST history's refusals, and 1013 when the token keys cannot be fetched.
 */
describe('chat protocol edges', () => {
  const ns = testNamespace('realtime_protocol');
  const rooms = [1, 2, 3].map((n) => `t-${ns.id}-${n}`);
  let issuer: TestIssuer;
  let service: ServiceProcess;
  const sockets: TestSocket[] = [];

  async function open(who: keyof typeof users): Promise<TestSocket> {
    const socket = await connect(service.url, '/chat', await issuer.token(users[who]));
    sockets.push(socket);
    return socket;
  }

  /** Sends `frame` and waits for the first history or error frame about its room after it. */
  async function answerTo(
    socket: TestSocket,
    frame: { type: string; ticketId: string; [k: string]: unknown },
  ) {
    const from = socket.frames.length;
    socket.send(frame);
    return socket.next((f) => (f.type === 'history' || f.type === 'error') && f.ticketId === frame.ticketId, {
      from,
    });
  }

  const history = async (ticketId: string, query = '', who: keyof typeof users = 'employee') => {
    const res = await fetch(`${service.url}/api/v1/chat/${ticketId}/messages${query}`, {
      headers: { authorization: `Bearer ${await issuer.token(users[who])}` },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    const kafka = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    // One partition: chat events are delivered in the order posted, across rooms.
    await ensureTopics(admin, [TOPICS.tickets, TOPICS.files, TOPICS.chat, TOPICS.auth], {
      prefix: ns.topicPrefix,
      partitions: 1,
    });
    await admin.disconnect();
    issuer = await startTestIssuer();
    service = await startRealtime(ns, issuer, {
      CHAT_MAX_ROOMS_PER_CONNECTION: String(MAX_ROOMS),
      WS_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
    });
    const producer = await eventProducer(ns);
    for (const room of rooms)
      await producer.publish('ticket.created', ticketCreated(room, users.employee), 'tickets');
    await producer.disconnect();
    for (const room of rooms) await waitForTicket(service, await issuer.token(users.employee), room);
  }, 90_000);

  afterAll(async () => {
    for (const socket of sockets) socket.ws.terminate();
    await service?.stop();
    await issuer?.close();
  });

  it('refuses a join past CHAT_MAX_ROOMS_PER_CONNECTION with TOO_MANY_ROOMS; a rejoin costs nothing and a leave frees a place', async () => {
    const agent = await open('agent');
    for (const room of rooms.slice(0, MAX_ROOMS))
      expect(await answerTo(agent, { type: 'join', ticketId: room })).toMatchObject({
        type: 'history',
        ticketId: room,
      });
    expect(await answerTo(agent, { type: 'join', ticketId: rooms[2]! })).toMatchObject({
      type: 'error',
      code: 'TOO_MANY_ROOMS',
      ticketId: rooms[2],
    });
    // Joining a room again is not one more room.
    expect(await answerTo(agent, { type: 'join', ticketId: rooms[0]! })).toMatchObject({ type: 'history' });
    agent.send({ type: 'leave', ticketId: rooms[0] });
    expect(await answerTo(agent, { type: 'join', ticketId: rooms[2]! })).toMatchObject({
      type: 'history',
      ticketId: rooms[2],
    });
    expect(agent.closeCode).toBeUndefined();
  });

  it('after a leave, posts to the room are refused and its messages no longer arrive', async () => {
    const employee = await open('employee');
    const agent = await open('agent');
    for (const room of [rooms[0]!, rooms[1]!]) await answerTo(employee, { type: 'join', ticketId: room });
    await answerTo(agent, { type: 'join', ticketId: rooms[0]! });
    await answerTo(agent, { type: 'join', ticketId: rooms[1]! });

    employee.send({ type: 'leave', ticketId: rooms[0] });
    expect(
      await answerTo(employee, { type: 'message', ticketId: rooms[0]!, body: 'still here?' }),
    ).toMatchObject({
      type: 'error',
      code: 'NOT_JOINED',
      ticketId: rooms[0],
    });
    // The agent posts in the room left, then in the one still joined: one chat partition delivers
    // them in that order, so once the second arrives the first would have.
    agent.send({ type: 'message', ticketId: rooms[0], body: 'after the leave' });
    await agent.next((f) => f.type === 'message' && f.body === 'after the leave');
    agent.send({ type: 'message', ticketId: rooms[1], body: 'in the other room' });
    await employee.next((f) => f.type === 'message' && f.body === 'in the other room');
    expect(employee.frames.filter((f) => f.type === 'message' && f.body === 'after the leave')).toEqual([]);
  });

  it('answers a resync before a join with NOT_JOINED and sends no history', async () => {
    const employee = await open('employee');
    const answer = await answerTo(employee, { type: 'resync', ticketId: rooms[1]!, afterSeq: 0 });
    expect(answer).toEqual({
      type: 'error',
      code: 'NOT_JOINED',
      ticketId: rooms[1],
      message: expect.any(String),
    });
    expect(employee.frames.filter((f) => f.type === 'history')).toEqual([]);
  });

  it('refuses bodies of only whitespace and stores nothing', async () => {
    const room = rooms[2]!;
    const employee = await open('employee');
    await answerTo(employee, { type: 'join', ticketId: room });
    const before = (await history(room)).body.items as unknown[];
    for (const body of ['', ' ', '   \n\t ', '\u00a0\u2003']) {
      expect(await answerTo(employee, { type: 'message', ticketId: room, body })).toEqual({
        type: 'error',
        code: 'INVALID_FRAME',
        ticketId: room,
        message: 'Invalid frame: body: must not be empty',
      });
    }
    // A real message after them is stored, and is the only one added.
    employee.send({ type: 'message', ticketId: room, body: 'printer fixed' });
    await employee.next((f) => f.type === 'message' && f.body === 'printer fixed');
    const after = (await history(room)).body.items as { body: string }[];
    expect(after.slice(before.length).map((m) => m.body)).toEqual(['printer fixed']);
  });

  it('drops a socket that stops answering pings, and keeps one that answers', async () => {
    const droppedBefore = await heartbeatTimeouts();
    const answering = await open('employee');
    const url = new URL('/chat', service.url.replace(/^http/, 'ws'));
    url.searchParams.set('token', await issuer.token(users.employee));
    const silent = new TestSocket(new WebSocket(url, { autoPong: false }));
    sockets.push(silent);
    // Cut without a close frame: a peer that does not answer would not read one.
    expect(await silent.closed).toBe(1006);
    expect(await heartbeatTimeouts()).toBe(droppedBefore + 1);
    // The answering socket lived through the same pings.
    expect(answering.closeCode).toBeUndefined();
    expect(await answerTo(answering, { type: 'join', ticketId: rooms[0]! })).toMatchObject({
      type: 'history',
    });
  });

  async function heartbeatTimeouts(): Promise<number> {
    const families = parseExposition(await (await fetch(`${service.url}/metrics`)).text());
    return (
      sampleValue(families, 'websocket_errors_total', { endpoint: '/chat', reason: 'heartbeat_timeout' }) ?? 0
    );
  }

  it('answers the REST history: 401 without a token, 422 naming a bad query, 404 for a room not yours (never 403)', async () => {
    const room = rooms[0]!;
    const noToken = await fetch(`${service.url}/api/v1/chat/${room}/messages`);
    expect({
      status: noToken.status,
      code: ((await noToken.json()) as { error: { code: string } }).error.code,
    }).toEqual({
      status: 401,
      code: 'UNAUTHORIZED',
    });
    for (const [query, field] of [
      ['?afterSeq=-1', 'afterSeq'],
      ['?afterSeq=abc', 'afterSeq'],
      ['?afterSeq=1.5', 'afterSeq'],
      ['?limit=0', 'limit'],
      ['?limit=201', 'limit'],
      ['?limit=ten', 'limit'],
    ] as const) {
      const res = await history(room, query);
      const error = (res.body as { error: { code: string; details?: { field: string }[] } }).error;
      expect({
        query,
        status: res.status,
        code: error.code,
        fields: error.details?.map((d) => d.field),
      }).toEqual({
        query,
        status: 422,
        code: 'VALIDATION_FAILED',
        fields: [field],
      });
    }
    // Another employee's room answers as an unknown one: the route has no 403 (issue 28).
    const foreign = await history(room, '', 'employee2');
    expect({
      status: foreign.status,
      code: (foreign.body as { error: { code: string } }).error.code,
    }).toEqual({
      status: 404,
      code: 'NOT_FOUND',
    });
    const staff = await history(room, '?afterSeq=0&limit=200', 'agent');
    expect(staff.status).toBe(200);
  });
});

describe('chat when the token keys cannot be fetched', () => {
  const ns = testNamespace('realtime_jwks_down');
  let issuer: TestIssuer;
  let service: ServiceProcess;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    // Nothing listens there: every key fetch fails.
    service = await startRealtime(ns, issuer, {
      AUTH_JWKS_URL: `http://127.0.0.1:${await freePort()}/.well-known/jwks.json`,
    });
  }, 90_000);

  afterAll(async () => {
    await service?.stop();
    await issuer?.close();
  });

  it('closes the socket with 1013 (try again later), not 4401, and answers REST with 503', async () => {
    const token = await issuer.token(users.employee);
    for (const path of ['/chat', '/ws/notifications']) {
      const socket = await connect(service.url, path, token);
      expect(await socket.closed).toBe(1013);
    }
    const res = await fetch(`${service.url}/api/v1/chat/t-any/messages`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect({
      status: res.status,
      code: ((await res.json()) as { error: { code: string } }).error.code,
    }).toEqual({
      status: 503,
      code: 'DEPENDENCY_UNAVAILABLE',
    });
    // A token that cannot be valid is still the client's fault.
    const bad = await connect(service.url, '/chat', 'not.a.token');
    expect(await bad.closed).toBe(4401);
  });
});
