import {
  parseExposition,
  sampleValue,
  startTestIssuer,
  testNamespace,
  waitFor,
  type ServiceProcess,
  type TestIssuer,
} from '@support-center/testing';
import { connect, startRealtime, users, type TestSocket } from './helpers';

const MAX_QUEUED_FRAMES = 500;
const FRAME_RATE_BURST = 30;
const FRAME_RATE_PER_SECOND = 1;

/** Frames one connection may have handled since `startedAt`: the burst plus the refill meanwhile. */
function budgetSince(startedAt: number): number {
  return FRAME_RATE_BURST + Math.ceil(((Date.now() - startedAt) / 1000) * FRAME_RATE_PER_SECOND);
}

async function metricOf(service: ServiceProcess, name: string, labels: Record<string, string>) {
  const families = parseExposition(await (await fetch(`${service.url}/metrics`)).text());
  return sampleValue(families, name, labels) ?? 0;
}

/** Issue 28, item 8: no flood of frames, of any kind, buys unbounded work on the server. */
describe('frame floods on one socket', () => {
  const ns = testNamespace('realtime_floods');
  let issuer: TestIssuer;
  let service: ServiceProcess;
  const sockets: TestSocket[] = [];

  async function open(path = '/chat'): Promise<TestSocket> {
    const socket = await connect(service.url, path, await issuer.token(users.agent));
    sockets.push(socket);
    return socket;
  }

  /** A join nobody else sends: its answer (whatever it is) comes after every earlier frame's. */
  async function sentinel(socket: TestSocket, name: string) {
    const ticketId = `sentinel-${name}`;
    socket.send({ type: 'join', ticketId });
    return socket.next((f) => f.type === 'error' && f.ticketId === ticketId, { timeoutMs: 30_000 });
  }

  beforeAll(async () => {
    issuer = await startTestIssuer();
    service = await startRealtime(ns, issuer, {
      WS_MAX_QUEUED_FRAMES: String(MAX_QUEUED_FRAMES),
      WS_FRAME_RATE_BURST: String(FRAME_RATE_BURST),
      WS_FRAME_RATE_PER_SECOND: String(FRAME_RATE_PER_SECOND),
    });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.ws.terminate();
    await service?.stop();
    await issuer?.close();
  });

  it('closes a socket that floods 50,000 joins with 1008, and stops working on them once it is gone', async () => {
    const joins = { message_type: 'join', endpoint: '/chat' };
    const before = await metricOf(service, 'websocket_messages_received_total', joins);
    const socket = await open();
    for (let i = 0; i < 50_000; i++) socket.send({ type: 'join', ticketId: `flood-${i}` });
    expect(await socket.closed).toBe(1008);

    // The frames handled settle (what was queued at the close is dropped, not worked through).
    let last = -1;
    await waitFor(
      async () => {
        const now = await metricOf(service, 'websocket_messages_received_total', joins);
        const settled = now === last;
        last = now;
        return settled;
      },
      { timeoutMs: 60_000, intervalMs: 500, message: 'the handled joins to stop growing' },
    );
    const handled = last - before;
    process.stdout.write(`join flood: 50000 sent, ${handled} handled before the close\n`);
    expect(handled).toBeLessThanOrEqual(MAX_QUEUED_FRAMES);
    expect(
      await metricOf(service, 'websocket_errors_total', { endpoint: '/chat', reason: 'queue_overflow' }),
    ).toBe(1);
    // The service still serves others.
    const other = await open();
    expect(await sentinel(other, 'after-flood')).toMatchObject({ code: 'NOT_FOUND' });
  });

  it.each([
    ['leave', { type: 'leave', ticketId: 'room' }],
    ['resync', { type: 'resync', ticketId: 'room', afterSeq: 0 }],
    ['join', { type: 'join', ticketId: 'room' }],
    ['garbage', '{"type":'],
  ])(
    'rate-limits a flood of %s frames below the queue bound, and keeps the connection',
    async (kind, frame) => {
      const socket = await open();
      const startedAt = Date.now();
      const count = FRAME_RATE_BURST * 4;
      for (let i = 0; i < count; i++) socket.send(frame);
      await sentinel(socket, kind);
      const limited = socket.frames.filter((f) => f.type === 'error' && f.code === 'RATE_LIMITED').length;
      // Every frame, the sentinel included, was either handled within the budget or refused.
      expect(count + 1 - limited).toBeLessThanOrEqual(budgetSince(startedAt));
      expect(socket.frames.some((f) => f.type === 'error' && f.code === 'UNAVAILABLE')).toBe(false);
      expect(socket.closeCode).toBeUndefined();
    },
  );

  it('rate-limits frames on /ws/notifications too', async () => {
    const socket = await open('/ws/notifications');
    // The unread count comes first, on its own: not an answer.
    await socket.next((f) => f.type === 'unread');
    const startedAt = Date.now();
    const count = FRAME_RATE_BURST * 4;
    for (let i = 0; i < count; i++) socket.send('hello');
    await waitFor(() => socket.frames.filter((f) => f.type === 'error').length === count, {
      message: 'an answer to every frame',
    });
    const limited = socket.frames.filter((f) => f.code === 'RATE_LIMITED').length;
    expect(count - limited).toBeLessThanOrEqual(budgetSince(startedAt));
    expect(socket.closeCode).toBeUndefined();
  });

  it('answers pings within the frame budget only', async () => {
    const limitedSoFar = () =>
      metricOf(service, 'websocket_errors_total', { endpoint: '/ws/notifications', reason: 'rate_limited' });
    const before = await limitedSoFar();
    const socket = await open('/ws/notifications');
    let pongs = 0;
    socket.ws.on('pong', () => pongs++);
    const startedAt = Date.now();
    const count = FRAME_RATE_BURST * 4;
    for (let i = 0; i < count; i++) socket.ws.ping();
    // Every ping is either answered or counted as refused.
    await waitFor(async () => pongs + (await limitedSoFar()) - before === count, {
      message: 'an outcome for every ping',
    });
    expect(pongs).toBeLessThanOrEqual(budgetSince(startedAt));
    expect(socket.closeCode).toBeUndefined();
  });
});
