import { eventFixture, type CloudEvent, type EventType } from '@support-center/events';
import type { Ticket } from '../src/domain/ticket';
import {
  EVENT_SOURCE,
  ticketAssigned,
  ticketCommented,
  ticketCreated,
  ticketSlaBreached,
  ticketSlaWarning,
  ticketSolved,
  ticketStatusChanged,
} from '../src/events/ticket-events';

/**
 * The ticket service's events against the contracts' fixtures (libs/events/fixtures), the same
 * files the consumers' tests feed their handlers: built from the ticket and the change a fixture
 * describes, each event must carry exactly the fixture's data, source and schema version.
 */
const created = eventFixture('ticket.created').data;
const assigned = eventFixture('ticket.assigned').data;

/** The ticket the fixtures speak of, at the moment of each event. */
function ticket(changes: Partial<Ticket> = {}): Ticket {
  const at = new Date(created.createdAt);
  return {
    _id: created.ticketId,
    number: created.number,
    title: created.title,
    description: 'Since this morning.',
    category: created.category,
    priority: created.priority,
    status: created.status,
    requesterId: created.requesterId,
    assigneeId: created.assigneeId,
    createdAt: at,
    updatedAt: at,
    statusChangedAt: at,
    solvedAt: null,
    closedAt: null,
    comments: [],
    attachments: [],
    deletedFileIds: [],
    history: [],
    version: 1,
    ...changes,
  };
}

const assignedTicket = ticket({ assigneeId: assigned.assigneeId });

function contractOf<T extends EventType>(type: T) {
  const { source, type: fixtureType, dataschema, data } = eventFixture(type);
  return { source, type: fixtureType, dataschema, data };
}
const contractView = (event: CloudEvent) => ({
  source: event.source,
  type: event.type,
  dataschema: event.dataschema,
  data: event.data,
});

describe('the ticket service publishes its events as their contracts describe', () => {
  it('ticket.created', () => {
    expect(contractView(ticketCreated(ticket()))).toEqual(contractOf('ticket.created'));
  });

  it('ticket.assigned', () => {
    expect(contractView(ticketAssigned(assignedTicket, null, assigned.assignedBy))).toEqual(
      contractOf('ticket.assigned'),
    );
  });

  it('ticket.status_changed', () => {
    const { from, to, changedBy } = eventFixture('ticket.status_changed').data;
    expect(
      contractView(ticketStatusChanged(ticket({ ...assignedTicket, status: to }), from, changedBy)),
    ).toEqual(contractOf('ticket.status_changed'));
  });

  it('ticket.solved', () => {
    const { resolutionSeconds } = eventFixture('ticket.solved').data;
    expect(contractView(ticketSolved({ ...assignedTicket, status: 'solved' }, resolutionSeconds))).toEqual(
      contractOf('ticket.solved'),
    );
  });

  it('ticket.commented', () => {
    const { commentId, authorId, internal, body } = eventFixture('ticket.commented').data;
    const comment = { id: commentId, authorId, internal, body, createdAt: new Date() };
    expect(contractView(ticketCommented(assignedTicket, comment))).toEqual(contractOf('ticket.commented'));
  });

  it.each([
    ['ticket.sla_warning', ticketSlaWarning],
    ['ticket.sla_breached', ticketSlaBreached],
  ] as const)('%s', (type, build) => {
    const { target, dueAt, fraction } = eventFixture(type).data;
    const event = build(assignedTicket, { target, dueAt: new Date(dueAt), fraction, at: new Date() });
    expect(contractView(event)).toEqual(contractOf(type));
  });

  it('from the source every fixture of the tickets topic names', () => {
    expect(eventFixture('ticket.created').source).toBe(EVENT_SOURCE);
  });
});
