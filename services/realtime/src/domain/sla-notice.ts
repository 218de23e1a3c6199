import type { CloudEvent } from '@support-center/events';
import type { TicketParties } from './access';

type SlaEvent = CloudEvent<'ticket.sla_warning'> | CloudEvent<'ticket.sla_breached'>;

export const SLA_EVENTS = ['ticket.sla_warning', 'ticket.sla_breached'] as const;

export function isSlaEvent(event: Pick<CloudEvent, 'type'>): event is SlaEvent {
  return (SLA_EVENTS as readonly string[]).includes(event.type);
}

const TARGET_NAMES = { first_response: 'first response', resolution: 'resolution' } as const;

/** The line a notification of a service-level event shows, e.g. "Ticket #42: first response due in …". */
export function slaNoticeText(event: SlaEvent): string {
  const { number, target, dueAt, fraction } = event.data;
  const name = TARGET_NAMES[target];
  return event.type === 'ticket.sla_breached'
    ? `Ticket #${number} (${event.data.priority}) missed its ${name} target, due ${dueAt}`
    : `Ticket #${number} (${event.data.priority}) has used ${Math.round(fraction * 100)} % of its ${name} target, due ${dueAt}`;
}

/**
 * Who hears of a service-level event: the assignee; on an unassigned ticket, every agent and
 * admin — those who worked on the ticket, and those connected now (this service keeps no list of
 * all staff). The requester is not told: targets are the help desk's business.
 */
export function slaRecipients(
  event: SlaEvent,
  ticket: Pick<TicketParties, 'agentIds'>,
  staffOnline: Iterable<string>,
): string[] {
  if (event.data.assigneeId) return [event.data.assigneeId];
  const users = new Set([...ticket.agentIds, ...staffOnline]);
  users.delete(event.data.requesterId);
  return [...users];
}
