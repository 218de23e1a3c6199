import { ensureTopics, TOPICS } from '@support-center/events';
import {
  kafkaBrokers,
  startTestIssuer,
  testNamespace,
  type ServiceProcess,
  type TestIssuer,
  waitFor,
  type TestUser,
} from '@support-center/testing';
import { Kafka, logLevel } from 'kafkajs';
import mongoose from 'mongoose';
import {
  connect,
  eventProducer,
  startRealtime,
  statusChangedByOther,
  ticketCreated,
  users,
  type Frame,
  type TestSocket,
} from './helpers';

/** A second agent, to move a ticket from one assignee to another. */
const agent2 = { id: 'u-agent2', username: 'agent2', role: 'agent' } as const satisfies TestUser;
const PEOPLE = { ...users, agent2 };
type Person = keyof typeof PEOPLE;

/**
 * The fan-out of the ticket and file events the notifications test does not cover: who gets
 * `ticket.status_changed`, `ticket.solved` and `file.deleted`, how those events move the
 * projection that routes the file events after them, and the previous assignee of a reassignment.
 * Topics of one partition, so events of one topic are handled in the order published and a
 * marker event proves an earlier one was not sent to someone.
 */
describe('realtime fan-out of ticket and file events', () => {
  const ns = testNamespace('realtime_fanout');
  let issuer: TestIssuer;
  let service: ServiceProcess;
  let producer: Awaited<ReturnType<typeof eventProducer>>;
  const sockets = {} as Record<Person, TestSocket>;

  beforeAll(async () => {
    const kafka = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [TOPICS.tickets, TOPICS.files, TOPICS.chat, TOPICS.auth], {
      prefix: ns.topicPrefix,
      partitions: 1,
    });
    await admin.disconnect();
    issuer = await startTestIssuer();
    service = await startRealtime(ns, issuer);
    producer = await eventProducer(ns);
    for (const who of Object.keys(PEOPLE) as Person[])
      sockets[who] = await connect(service.url, '/ws/notifications', await issuer.token(PEOPLE[who]));
  }, 90_000);

  afterAll(async () => {
    for (const socket of Object.values(sockets)) socket?.ws.terminate();
    await producer?.disconnect();
    await service?.stop();
    await issuer?.close();
  });

  /** Waits until the service's projection of `ticketId` satisfies `ready`. */
  async function projected(
    ticketId: string,
    ready: (ticket: { assigneeId: string | null; agentIds: string[] }) => boolean,
  ): Promise<void> {
    const connection = await mongoose.createConnection(ns.mongoUrl('realtime')).asPromise();
    try {
      await waitFor(
        async () => {
          const doc = await connection
            .collection<{ _id: string; assigneeId: string | null; agentIds?: string[] }>('tickets')
            .findOne({ _id: ticketId });
          return doc !== null && ready({ assigneeId: doc.assigneeId, agentIds: doc.agentIds ?? [] });
        },
        { timeoutMs: 20_000, message: `the projection of ${ticketId}` },
      );
    } finally {
      await connection.close();
    }
  }

  /** The notification frames `who` received about `ticketId`, by event type. */
  const received = (who: Person, ticketId: string) =>
    sockets[who].frames
      .filter(
        (f: Frame) => f.type === 'notification' && (f.data as { ticketId?: string }).ticketId === ticketId,
      )
      .map((f) => f.event);

  const parties = (ticketId: string, assigneeId: string | null) => ({
    ticketId,
    number: 3,
    requesterId: users.employee.id,
    assigneeId,
  });

  /**
   * A status change of one of employee2's tickets, by someone else, on the tickets topic: once
   * employee2 has it, every ticket event published before it was handled (one partition, one consumer).
   */
  async function ticketsMarker(): Promise<void> {
    const id = `t-${ns.id}-marker-${Math.random().toString(36).slice(2, 8)}`;
    await producer.publish(
      'ticket.status_changed',
      statusChangedByOther(id, users.employee2),
      TOPICS.tickets,
    );
    await sockets.employee2.next(
      (f) => f.event === 'ticket.status_changed' && (f.data as { ticketId: string }).ticketId === id,
    );
  }

  it('sends status_changed and solved to the requester and the assignee only, and routes later file events by the parties they carried', async () => {
    const ticketId = `t-${ns.id}-status`;
    // The requester created it: not news to them (one partition: handled before what follows).
    await producer.publish('ticket.created', ticketCreated(ticketId, users.employee), TOPICS.tickets);

    // Moved along by an admin: the event names the assignee, whom the projection takes from it.
    const changed = await producer.publish(
      'ticket.status_changed',
      { ...parties(ticketId, users.agent.id), from: 'open', to: 'in_progress', changedBy: 'u-admin' },
      TOPICS.tickets,
    );
    for (const who of ['employee', 'agent'] as const)
      expect(
        await sockets[who].next(
          (f) =>
            f.event === 'ticket.status_changed' && (f.data as { ticketId: string }).ticketId === ticketId,
        ),
      ).toEqual({
        type: 'notification',
        id: expect.any(String),
        event: 'ticket.status_changed',
        data: changed.data,
        at: changed.time,
      });

    const solved = await producer.publish(
      'ticket.solved',
      { ...parties(ticketId, agent2.id), category: 'hardware', priority: 'high', resolutionSeconds: 120 },
      TOPICS.tickets,
    );
    for (const who of ['employee', 'agent', 'agent2'] as const)
      expect(
        await sockets[who].next(
          (f) => f.event === 'ticket.solved' && (f.data as { ticketId: string }).ticketId === ticketId,
        ),
      ).toEqual({
        type: 'notification',
        id: expect.any(String),
        event: 'ticket.solved',
        data: solved.data,
        at: solved.time,
      });
    await ticketsMarker();
    expect(received('employee2', ticketId)).toEqual([]);
    // agent2 was not on the ticket before it was solved with them as its assignee.
    expect(received('agent2', ticketId)).toEqual(['ticket.solved']);

    // file.deleted names no parties: it goes to those the projection learnt from the events above
    // (kept by a consumer group of its own, which may still be behind the fan-out).
    await projected(ticketId, (t) => t.assigneeId === agent2.id && t.agentIds.includes(users.agent.id));
    await producer.publish(
      'file.deleted',
      { fileId: 'f-status', ticketId, deletedBy: 'u-admin' },
      TOPICS.files,
    );
    for (const who of ['employee', 'agent', 'agent2'] as const)
      await sockets[who].next(
        (f) => f.event === 'file.deleted' && (f.data as { ticketId: string }).ticketId === ticketId,
      );
    // A file event of employee2's own ticket, after it on the one files partition.
    const markerTicket = `t-${ns.id}-files-marker`;
    await producer.publish('ticket.created', ticketCreated(markerTicket, users.employee2), TOPICS.tickets);
    await projected(markerTicket, () => true);
    await producer.publish(
      'file.deleted',
      { fileId: 'f-marker', ticketId: markerTicket, deletedBy: 'u-admin' },
      TOPICS.files,
    );
    await sockets.employee2.next(
      (f) => f.event === 'file.deleted' && (f.data as { ticketId: string }).ticketId === markerTicket,
    );
    expect(received('employee2', ticketId)).toEqual([]);
    expect(received('employee', ticketId)).toEqual([
      'ticket.status_changed',
      'ticket.solved',
      'file.deleted',
    ]);
  });

  it('tells the previous assignee of a reassignment, even one the projection never saw on the ticket', async () => {
    const ticketId = `t-${ns.id}-reassign`;
    await producer.publish('ticket.created', ticketCreated(ticketId, users.employee), TOPICS.tickets);
    // The assignment to `agent` happened before this service's time (no event of it here).
    const reassigned = await producer.publish(
      'ticket.assigned',
      {
        ...parties(ticketId, agent2.id),
        previousAssigneeId: users.agent.id,
        // An admin reassigns: `agent` is on the ticket by no field but previousAssigneeId.
        assignedBy: 'u-admin',
        category: 'hardware',
        priority: 'high',
      },
      TOPICS.tickets,
    );
    for (const who of ['agent', 'agent2', 'employee'] as const)
      expect(
        await sockets[who].next(
          (f) => f.event === 'ticket.assigned' && (f.data as { ticketId: string }).ticketId === ticketId,
        ),
      ).toEqual({
        type: 'notification',
        id: expect.any(String),
        event: 'ticket.assigned',
        data: reassigned.data,
        at: reassigned.time,
      });
    await ticketsMarker();
    expect(received('employee2', ticketId)).toEqual([]);
    expect(received('agent', ticketId)).toEqual(['ticket.assigned']);
  });
  it('notifies nobody of their own action: creation, self-assignment, status change, comment, upload, deletion', async () => {
    const ticketId = `t-${ns.id}-own`;
    const onTicket = parties(ticketId, users.agent.id);
    // The requester creates it: nobody else is on it yet.
    await producer.publish('ticket.created', ticketCreated(ticketId, users.employee), TOPICS.tickets);
    await producer.publish(
      'ticket.assigned',
      {
        ...onTicket,
        previousAssigneeId: null,
        assignedBy: users.agent.id,
        category: 'hardware',
        priority: 'high',
      },
      TOPICS.tickets,
    );
    await producer.publish(
      'ticket.status_changed',
      { ...onTicket, from: 'open', to: 'in_progress', changedBy: users.agent.id },
      TOPICS.tickets,
    );
    await producer.publish(
      'ticket.commented',
      { ...onTicket, commentId: 'c-own', authorId: users.employee.id, internal: false, body: 'any news?' },
      TOPICS.tickets,
    );
    // A marker both get: once it is here, everything before it on the partition was handled.
    await producer.publish(
      'ticket.status_changed',
      { ...onTicket, from: 'in_progress', to: 'pending', changedBy: 'u-admin' },
      TOPICS.tickets,
    );
    for (const who of ['employee', 'agent'] as const)
      await sockets[who].next(
        (f) => f.event === 'ticket.status_changed' && (f.data as { to?: string }).to === 'pending',
      );

    await projected(ticketId, (t) => t.assigneeId === users.agent.id);
    const file = { ticketId, name: 'log.txt', size: 3, contentType: 'text/plain', sha256: 'a'.repeat(64) };
    await producer.publish(
      'file.uploaded',
      { ...file, fileId: 'f-own', uploaderId: users.agent.id },
      TOPICS.files,
    );
    await producer.publish(
      'file.deleted',
      { fileId: 'f-own', ticketId, deletedBy: users.employee.id },
      TOPICS.files,
    );
    await producer.publish(
      'file.deleted',
      { fileId: 'f-other', ticketId, deletedBy: 'u-admin' },
      TOPICS.files,
    );
    for (const who of ['employee', 'agent'] as const)
      await sockets[who].next(
        (f) => f.event === 'file.deleted' && (f.data as { fileId?: string }).fileId === 'f-other',
      );

    expect(received('employee', ticketId)).toEqual([
      'ticket.assigned',
      'ticket.status_changed',
      'ticket.status_changed',
      'file.uploaded',
      'file.deleted',
    ]);
    expect(received('agent', ticketId)).toEqual([
      'ticket.commented',
      'ticket.status_changed',
      'file.deleted',
      'file.deleted',
    ]);
  });
});
