import type { EventData } from '@support-center/events';
import {
  startTestIssuer,
  testNamespace,
  type ServiceProcess,
  type TestIssuer,
} from '@support-center/testing';
import {
  connect,
  eventProducer,
  startRealtime,
  statusChangedByOther,
  ticketCreated,
  users,
  type TestSocket,
} from './helpers';

const agent2 = { id: 'u-agent2', username: 'agent2', role: 'agent' } as const;

function sla(
  ticketId: string,
  assigneeId: string | null,
  target: 'first_response' | 'resolution',
  fraction: number,
): EventData<'ticket.sla_warning'> {
  return {
    ticketId,
    number: 42,
    requesterId: users.employee.id,
    assigneeId,
    category: 'network',
    priority: 'critical',
    target,
    dueAt: '2026-03-02T10:00:00.000Z',
    fraction,
  };
}

describe('notifications of service-level events', () => {
  const ns = testNamespace('realtime_sla');
  let issuer: TestIssuer;
  let service: ServiceProcess;
  let producer: Awaited<ReturnType<typeof eventProducer>>;
  const sockets: TestSocket[] = [];

  async function open(user: { id: string; username: string; role: 'employee' | 'agent' }) {
    const socket = await connect(service.url, '/ws/notifications', await issuer.token(user));
    sockets.push(socket);
    await socket.next((f) => f.type === 'unread');
    return socket;
  }
  const slaFrames = (socket: TestSocket) =>
    socket.frames.filter((f) => f.type === 'notification' && String(f.event).startsWith('ticket.sla_'));

  beforeAll(async () => {
    issuer = await startTestIssuer();
    service = await startRealtime(ns, issuer);
    producer = await eventProducer(ns);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.ws.terminate();
    await producer?.disconnect();
    await service?.stop();
    await issuer?.close();
  });

  it('tells every agent of an unassigned ticket, with a line of text, and not the requester', async () => {
    const [employee, agent, other] = [
      await open(users.employee),
      await open(users.agent),
      await open(agent2),
    ];
    const ticketId = `t-${ns.id}-unassigned`;
    await producer.publish('ticket.created', ticketCreated(ticketId, users.employee), 'tickets');
    const warning = await producer.publish(
      'ticket.sla_warning',
      sla(ticketId, null, 'first_response', 0.8),
      'tickets',
    );

    for (const socket of [agent, other])
      expect(await socket.next((f) => f.event === 'ticket.sla_warning')).toEqual({
        type: 'notification',
        id: expect.any(String),
        event: 'ticket.sla_warning',
        data: warning.data,
        at: warning.time,
        text: 'Ticket #42 (critical) has used 80 % of its first response target, due 2026-03-02T10:00:00.000Z',
      });
    // Everything before this on the ticket's partition reached the requester's socket first.
    await producer.publish(
      'ticket.status_changed',
      statusChangedByOther(ticketId, users.employee),
      'tickets',
    );
    await employee.next((f) => f.event === 'ticket.status_changed');
    expect(slaFrames(employee)).toEqual([]);
  });

  it('tells only the assignee of an assigned ticket', async () => {
    const [agent, other] = [await open(users.agent), await open(agent2)];
    const ticketId = `t-${ns.id}-assigned`;
    await producer.publish(
      'ticket.created',
      ticketCreated(ticketId, users.employee, 'VPN', users.agent.id),
      'tickets',
    );
    const breach = await producer.publish(
      'ticket.sla_breached',
      sla(ticketId, users.agent.id, 'resolution', 1),
      'tickets',
    );

    const frame = await agent.next((f) => f.event === 'ticket.sla_breached');
    expect(frame).toMatchObject({
      data: breach.data,
      text: 'Ticket #42 (critical) missed its resolution target, due 2026-03-02T10:00:00.000Z',
    });
    // A later event of the same ticket that does reach the other agent: the breach came before it.
    await producer.publish('ticket.sla_warning', sla(ticketId, null, 'first_response', 0.8), 'tickets');
    await other.next(
      (f) => f.event === 'ticket.sla_warning' && (f.data as { ticketId: string }).ticketId === ticketId,
    );
    expect(slaFrames(other).filter((f) => f.event === 'ticket.sla_breached')).toEqual([]);
  });
});
