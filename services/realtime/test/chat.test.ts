import mongoose from 'mongoose';
import {
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

/** The join frames a realtime instance has received, from its /metrics. */
async function joinsReceived(service: ServiceProcess): Promise<number> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('websocket_messages_received_total{') && l.includes('message_type="join"'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** Two realtime instances on one database and one set of topics, as behind the gateway. */
describe('chat across two realtime instances', () => {
  const ns = testNamespace('realtime_chat');
  const ticketId = `t-${ns.id}`;
  let issuer: TestIssuer;
  let a: ServiceProcess;
  let b: ServiceProcess;
  const tokens: Record<keyof typeof users, string> = { employee: '', employee2: '', agent: '' };
  const sockets: TestSocket[] = [];

  async function open(service: ServiceProcess, who: keyof typeof users): Promise<TestSocket> {
    const socket = await connect(service.url, '/chat', tokens[who]);
    sockets.push(socket);
    return socket;
  }

  async function join(socket: TestSocket, room = ticketId) {
    const from = socket.frames.length;
    socket.send({ type: 'join', ticketId: room });
    return socket.next((f) => (f.type === 'history' || f.type === 'error') && f.ticketId === room, { from });
  }

  beforeAll(async () => {
    issuer = await startTestIssuer();
    for (const who of Object.keys(users) as (keyof typeof users)[])
      tokens[who] = await issuer.token(users[who]);
    // b gives a join plenty of time to wait for a ticket's first event (CHAT_JOIN_WAIT_MS).
    [a, b] = await Promise.all([
      startRealtime(ns, issuer),
      startRealtime(ns, issuer, { CHAT_JOIN_WAIT_MS: '15000' }),
    ]);
    const producer = await eventProducer(ns);
    await producer.publish('ticket.created', ticketCreated(ticketId, users.employee), 'tickets');
    await producer.disconnect();
    await waitForTicket(a, tokens.employee, ticketId);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.ws.terminate();
    await Promise.all([a?.stop(), b?.stop()]);
    await issuer?.close();
  });

  it('closes a socket without a valid token with 4401', async () => {
    const none = await connect(a.url, '/chat');
    expect(await none.closed).toBe(4401);
    const bad = await connect(a.url, '/chat', 'not.a.token');
    expect(await bad.closed).toBe(4401);
    const expired = await connect(
      b.url,
      '/ws/notifications',
      await issuer.token(users.agent, { expiresIn: '-1m' }),
    );
    expect(await expired.closed).toBe(4401);
  });

  it('answers a join to a ticket that is not yours exactly as one to no ticket (no existence oracle)', async () => {
    const stranger = await open(a, 'employee2');
    const foreign = await join(stranger);
    const unknown = await join(stranger, 'no-such-ticket');
    expect(foreign).toMatchObject({ type: 'error', code: 'NOT_FOUND', ticketId });
    expect({ ...foreign, ticketId: undefined }).toEqual({ ...unknown, ticketId: undefined });
    expect(stranger.closeCode).toBeUndefined();
  });

  it('lets a join to a ticket whose first event is still on its way wait for it, not answer NOT_FOUND', async () => {
    const late = `t-late-${ns.id}`;
    const client = await open(b, 'employee');
    const joinsBefore = await joinsReceived(b);
    const answer = join(client, late);
    // The ticket.created is published only once b holds the join, so without the wait the join
    // would find no ticket.
    await waitFor(async () => (await joinsReceived(b)) > joinsBefore, { message: 'b to receive the join' });
    const producer = await eventProducer(ns);
    await producer.publish('ticket.created', ticketCreated(late, users.employee), 'tickets');
    await producer.disconnect();
    expect(await answer).toMatchObject({ type: 'history', ticketId: late });
  });

  it('lets a join sent together with its first message wait for the ticket, then posts the message', async () => {
    const late = `t-late-post-${ns.id}`;
    const client = await open(b, 'employee');
    const joinsBefore = await joinsReceived(b);
    const answer = join(client, late);
    client.send({ type: 'message', ticketId: late, body: 'sent right behind the join' });
    await waitFor(async () => (await joinsReceived(b)) > joinsBefore, { message: 'b to receive the join' });
    const producer = await eventProducer(ns);
    await producer.publish('ticket.created', ticketCreated(late, users.employee), 'tickets');
    await producer.disconnect();
    expect(await answer).toMatchObject({ type: 'history', ticketId: late });
    await client.next(
      (f) => f.type === 'message' && f.ticketId === late && f.body === 'sent right behind the join',
    );
  });

  it('answers the REST history of a ticket that is not yours exactly as of no ticket: 404', async () => {
    const get = async (room: string) => {
      const res = await fetch(`${a.url}/api/v1/chat/${room}/messages`, {
        headers: { authorization: `Bearer ${tokens.employee2}` },
      });
      const body = (await res.json()) as { error: { code: string; message: string } };
      return { status: res.status, code: body.error.code, message: body.error.message };
    };
    const foreign = await get(ticketId);
    expect(foreign).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(await get('no-such-ticket')).toEqual(foreign);
  });

  it('delivers the same messages in the same order to clients on both instances', async () => {
    const onA = await open(a, 'employee');
    const onB = await open(b, 'agent');
    expect(await join(onA)).toMatchObject({ type: 'history', ticketId, messages: [] });
    expect(await join(onB)).toMatchObject({ type: 'history', ticketId, messages: [] });

    // Both post at once, from both instances: the room's sequence decides one order for everyone.
    for (let i = 1; i <= 4; i++) {
      onA.send({ type: 'message', ticketId, body: `from A ${i}` });
      onB.send({ type: 'message', ticketId, body: `from B ${i}` });
    }
    await waitFor(() => onA.messages(ticketId).length >= 8 && onB.messages(ticketId).length >= 8, {
      timeoutMs: 20_000,
      message: 'eight messages on both sockets',
    });
    const seen = (s: TestSocket) => s.messages(ticketId).map((f) => `${f.seq}:${String(f.body)}`);
    expect(seen(onA)).toEqual(seen(onB));
    expect(onA.messages(ticketId).map((f) => f.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(onA.messages(ticketId)[0]).toEqual({
      type: 'message',
      ticketId,
      seq: 1,
      id: expect.any(String),
      authorId: expect.stringMatching(/^u-(employee|agent)$/),
      body: expect.stringMatching(/^from [AB] 1$/),
      at: expect.any(String),
    });

    // A late joiner's initial load is the same history.
    const late = await open(b, 'agent');
    const history = await join(late);
    expect((history.messages as { seq: number }[]).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('fills a gap in what an instance received from the store, so clients never see one', async () => {
    const onB = await open(b, 'agent');
    const history = await join(onB);
    const last = (history.messages as { seq: number }[]).at(-1)?.seq ?? 0;
    // A message whose event never reached Kafka (written straight into the store).
    const connection = await mongoose.createConnection(ns.mongoUrl('realtime')).asPromise();
    try {
      const seq = last + 1;
      await connection.collection('chat_messages').insertOne({
        _id: `${ticketId}:${seq}` as never,
        id: `direct-${seq}`,
        ticketId,
        seq,
        authorId: users.agent.id,
        body: 'written behind the service',
        at: new Date().toISOString(),
      });
    } finally {
      await connection.close();
    }
    const onA = await open(a, 'employee');
    await join(onA);
    onA.send({ type: 'message', ticketId, body: 'after the hidden one' });
    await onB.next((f) => f.type === 'message' && f.body === 'after the hidden one');
    expect(onB.messages(ticketId).map((f) => f.seq)).toEqual([last + 1, last + 2]);
  });

  it('answers a resync with the messages the client missed', async () => {
    const client = await open(a, 'employee');
    const history = await join(client);
    const last = (history.messages as { seq: number }[]).at(-1)?.seq ?? 0;
    // The client lost everything after `last - 3` (say, during a reconnect): it asks from there.
    const from = client.frames.length;
    client.send({ type: 'resync', ticketId, afterSeq: last - 3 });
    const resync = await client.next((f) => f.type === 'history' && f.afterSeq === last - 3, { from });
    expect((resync.messages as { seq: number }[]).map((m) => m.seq)).toEqual([last - 2, last - 1, last]);
  });

  it('answers malformed and oversized frames with error frames and keeps the connection', async () => {
    const client = await open(b, 'employee');
    await join(client);
    const errors = () => client.frames.filter((f) => f.type === 'error');
    client.send('{not json');
    client.send({ type: 'dance', ticketId });
    client.send({ type: 'message', ticketId });
    client.send({ type: 'message', ticketId, body: 'x'.repeat(4001) });
    client.send({ type: 'message', ticketId, body: 'x'.repeat(20_000) });
    client.send({ type: 'message', ticketId: 'other-room', body: 'hello' });
    await waitFor(() => errors().length === 6, { message: 'six error frames' });
    expect(errors().map((f) => f.code)).toEqual([
      'INVALID_FRAME',
      'INVALID_FRAME',
      'INVALID_FRAME',
      'MESSAGE_TOO_LARGE',
      'FRAME_TOO_LARGE',
      'NOT_JOINED',
    ]);
    for (const f of errors()) expect(f).toEqual(expect.objectContaining({ message: expect.any(String) }));
    client.send({ type: 'message', ticketId, body: 'still here' });
    await client.next((f) => f.type === 'message' && f.body === 'still here');
    expect(client.closeCode).toBeUndefined();
  });

  it('limits how fast one connection posts', async () => {
    const client = await open(a, 'agent');
    await join(client);
    for (let i = 0; i < 12; i++) client.send({ type: 'message', ticketId, body: `burst ${i}` });
    const limited = await client.next((f) => f.type === 'error' && f.code === 'RATE_LIMITED');
    expect(limited).toMatchObject({ ticketId });
  });
});
