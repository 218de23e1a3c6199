import { createEvent } from '@support-center/events';
import fc from 'fast-check';
import { staffOf, type TicketEvent } from '../../src/domain/ticket-staff';
import { fanoutHandlers, type FanoutDependencies } from '../../src/events/handlers';
import type { Notifier } from '../../src/events/notifier';
import { TicketAgents } from '../../src/events/ticket-agents';
import type { ChatRooms } from '../../src/ws/chat-rooms';

const source = '/support-center/test';
const REQUESTER = 'emp';
const STAFF = ['ag1', 'ag2', 'ag3'];

const parties = (ticketId: string, assigneeId: string | null) => ({
  ticketId,
  number: 1,
  requesterId: REQUESTER,
  assigneeId,
});

const created = (ticketId: string, assigneeId: string | null = null): TicketEvent =>
  createEvent(
    'ticket.created',
    {
      ...parties(ticketId, assigneeId),
      title: 't',
      category: 'software',
      priority: 'low',
      status: 'open',
      createdAt: new Date().toISOString(),
    },
    { source },
  );

const assigned = (ticketId: string, assigneeId: string, assignedBy: string): TicketEvent =>
  createEvent(
    'ticket.assigned',
    {
      ...parties(ticketId, assigneeId),
      previousAssigneeId: null,
      assignedBy,
      category: 'software',
      priority: 'low',
    },
    { source },
  );

const commented = (ticketId: string, assigneeId: string | null, authorId: string): TicketEvent =>
  createEvent(
    'ticket.commented',
    { ...parties(ticketId, assigneeId), commentId: 'c', authorId, internal: false, body: 'b' },
    { source },
  );

const sorted = (agents: readonly string[] | undefined) => agents && [...agents].sort();

describe('TicketAgents', () => {
  it('knows a ticket from its creation on, and adds each later event’s staff', () => {
    const agents = new TicketAgents();
    expect(agents.learn(assigned('t1', 'ag1', 'ag2'))).toBeUndefined();
    expect(agents.learn(created('t1'))).toBeUndefined();
    expect(sorted(agents.learn(assigned('t1', 'ag1', 'ag2')))).toEqual(['ag1', 'ag2']);
    expect(sorted(agents.learn(commented('t1', 'ag1', REQUESTER)))).toEqual(['ag1', 'ag2']);
    expect(sorted(agents.learn(commented('t1', 'ag1', 'ag3')))).toEqual(['ag1', 'ag2', 'ag3']);
  });

  it('keeps what later events taught when a creation is delivered again', () => {
    const agents = new TicketAgents();
    const creation = created('t1');
    agents.learn(creation);
    agents.learn(assigned('t1', 'ag1', 'ag2'));
    expect(sorted(agents.learn(creation))).toEqual(['ag1', 'ag2']);
  });

  it('forgets the least recently used ticket beyond its capacity', () => {
    const agents = new TicketAgents(2);
    agents.learn(created('t1'));
    agents.learn(created('t2'));
    expect(agents.learn(commented('t1', null, 'ag1'))).toEqual(['ag1']);
    agents.learn(created('t3'));
    expect(agents.learn(commented('t2', null, 'ag1'))).toBeUndefined();
    expect(agents.learn(commented('t1', null, 'ag2'))).toEqual(['ag1', 'ag2']);
    expect(agents.learn(commented('t3', null, 'ag1'))).toEqual(['ag1']);
  });
});

/** A projection applied before each event is fanned out: what the fan-out read before this cache. */
function currentProjection() {
  const agents = new Map<string, Set<string>>();
  const reads: string[] = [];
  return {
    reads,
    apply(event: TicketEvent) {
      const known = agents.get(event.data.ticketId) ?? new Set<string>();
      for (const id of staffOf(event)) known.add(id);
      agents.set(event.data.ticketId, known);
    },
    tickets: {
      async get(ticketId: string) {
        reads.push(ticketId);
        const known = agents.get(ticketId);
        return known && { ticketId, requesterId: REQUESTER, assigneeId: null, agentIds: [...known] };
      },
      apply: async () => 'applied' as const,
    } satisfies FanoutDependencies['tickets'],
  };
}

/** Remembers nothing: every event reads the projection. */
const noAgents: FanoutDependencies['agents'] = { learn: () => undefined };

function fanout(tickets: FanoutDependencies['tickets'], agents?: FanoutDependencies['agents']) {
  const notified: { event: TicketEvent; recipients: string[] }[] = [];
  const notifier = {
    notify: async (event: TicketEvent, recipients: readonly string[]) => {
      notified.push({ event, recipients: [...recipients].sort() });
      return true;
    },
  } as unknown as Notifier;
  const handlers = fanoutHandlers({
    tickets,
    notifier,
    staffOnline: () => [],
    rooms: {} as ChatRooms,
    parking: { deliverOrPark: async () => 'delivered' as const, ticketArrived: async () => undefined },
    arrivals: { arrived: () => undefined },
    agents,
  });
  const handle = (event: TicketEvent) =>
    handlers.tickets[event.type]!(event as never, {
      topic: 'tickets',
      partition: 0,
      offset: '0',
      attempt: 1,
    });
  return { handle, notified };
}

describe('ticket fan-out with the agents it learned', () => {
  it('reads the projection only for tickets it did not see created', async () => {
    const projection = currentProjection();
    const { handle } = fanout(projection.tickets);
    for (const event of [
      created('new'),
      assigned('new', 'ag1', 'ag2'),
      commented('new', 'ag1', 'ag3'),
      assigned('old', 'ag1', 'ag2'),
      commented('old', 'ag1', 'ag3'),
    ]) {
      projection.apply(event);
      await handle(event);
    }
    expect(projection.reads).toEqual(['new', 'old', 'old']);
  });

  it('notifies a creation to nobody on the ticket later, when the projection is further on', async () => {
    const projection = currentProjection();
    const { handle, notified } = fanout(projection.tickets);
    const creation = created('t1');
    projection.apply(creation);
    projection.apply(commented('t1', 'ag1', 'ag2'));
    await handle(creation);
    expect(notified.map((n) => n.recipients)).toEqual([[REQUESTER]]);
  });

  it('notifies the same users as a projection read before each event', async () => {
    const ticketIds = ['t1', 't2', 't3'];
    const eventArb = fc.oneof(
      fc.record({ type: fc.constant('created'), ticket: fc.constantFrom(...ticketIds) }),
      fc.record({
        type: fc.constant('assigned'),
        ticket: fc.constantFrom(...ticketIds),
        assignee: fc.constantFrom(...STAFF),
        by: fc.constantFrom(...STAFF),
      }),
      fc.record({
        type: fc.constant('commented'),
        ticket: fc.constantFrom(...ticketIds),
        assignee: fc.constantFrom(null, ...STAFF),
        author: fc.constantFrom(REQUESTER, ...STAFF),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { maxLength: 30 }), async (steps) => {
        const all = steps.map((step): TicketEvent => {
          if (step.type === 'created') return created(step.ticket);
          if (step.type === 'assigned') return assigned(step.ticket, step.assignee, step.by);
          return commented(step.ticket, step.assignee, step.author);
        });
        // A ticket created here has one creation and no events before it; the others were created
        // before this instance started.
        const createdHere = new Set(
          all.filter((e) => e.type === 'ticket.created').map((e) => e.data.ticketId),
        );
        const seen = new Set<string>();
        const events = all.filter((event) => {
          const { ticketId } = event.data;
          if (event.type !== 'ticket.created') return seen.has(ticketId) || !createdHere.has(ticketId);
          if (seen.has(ticketId)) return false;
          seen.add(ticketId);
          return true;
        });

        const current = currentProjection();
        const read = fanout(current.tickets, noAgents);
        // Behind for the tickets created here (it never gets past their creation): what the
        // fan-out knows of them must come from the events alone.
        const behind = currentProjection();
        const learned = fanout(behind.tickets);
        for (const event of events) {
          current.apply(event);
          if (!createdHere.has(event.data.ticketId) || event.type === 'ticket.created') behind.apply(event);
          await read.handle(event);
          await learned.handle(event);
        }
        expect(learned.notified.map((n) => n.recipients)).toEqual(read.notified.map((n) => n.recipients));
      }),
      { numRuns: 200 },
    );
  });
});
