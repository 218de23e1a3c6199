import { createEvent, type CloudEvent } from '@support-center/events';
import type { SlaTarget } from '../domain/sla';
import type { Comment, Status, Ticket } from '../domain/ticket';

/** The `source` of every event this service publishes. */
export const EVENT_SOURCE = '/support-center/ticket';

type Parties = Pick<Ticket, '_id' | 'number' | 'requesterId' | 'assigneeId'>;

function parties(ticket: Parties) {
  return {
    ticketId: ticket._id,
    number: ticket.number,
    requesterId: ticket.requesterId,
    assigneeId: ticket.assigneeId,
  };
}

const source = { source: EVENT_SOURCE };

export function ticketCreated(ticket: Ticket): CloudEvent {
  return createEvent(
    'ticket.created',
    {
      ...parties(ticket),
      title: ticket.title,
      category: ticket.category,
      priority: ticket.priority,
      status: ticket.status,
      createdAt: ticket.createdAt.toISOString(),
    },
    { ...source, time: ticket.createdAt },
  );
}

export function ticketAssigned(ticket: Ticket, previousAssigneeId: string | null, by: string): CloudEvent {
  return createEvent(
    'ticket.assigned',
    {
      ...parties(ticket),
      previousAssigneeId,
      assignedBy: by,
      category: ticket.category,
      priority: ticket.priority,
    },
    source,
  );
}

export function ticketStatusChanged(ticket: Ticket, from: Status, by: string): CloudEvent {
  return createEvent(
    'ticket.status_changed',
    { ...parties(ticket), from, to: ticket.status, changedBy: by },
    source,
  );
}

export function ticketSolved(ticket: Ticket, resolutionSeconds: number): CloudEvent {
  return createEvent(
    'ticket.solved',
    { ...parties(ticket), category: ticket.category, priority: ticket.priority, resolutionSeconds },
    source,
  );
}

export function ticketCommented(ticket: Ticket, comment: Comment): CloudEvent {
  return createEvent(
    'ticket.commented',
    {
      ...parties(ticket),
      commentId: comment.id,
      authorId: comment.authorId,
      internal: comment.internal,
      body: comment.body,
    },
    source,
  );
}

export interface SlaEventInput {
  target: SlaTarget;
  dueAt: Date;
  /** The warning fraction, or 1 for a breach. */
  fraction: number;
  /** When the worker saw the threshold passed. */
  at: Date;
}

function slaEvent(type: 'ticket.sla_warning' | 'ticket.sla_breached', ticket: Ticket, sla: SlaEventInput) {
  return createEvent(
    type,
    {
      ...parties(ticket),
      category: ticket.category,
      priority: ticket.priority,
      target: sla.target,
      dueAt: sla.dueAt.toISOString(),
      fraction: sla.fraction,
    },
    { ...source, time: sla.at },
  );
}

export function ticketSlaWarning(ticket: Ticket, sla: SlaEventInput): CloudEvent {
  return slaEvent('ticket.sla_warning', ticket, sla);
}

export function ticketSlaBreached(ticket: Ticket, sla: SlaEventInput): CloudEvent {
  return slaEvent('ticket.sla_breached', ticket, sla);
}
