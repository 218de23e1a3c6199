import type { EventHandlers } from '@support-center/events';
import type { TicketAccessProjection } from '../store/tickets';

/** The ticket events that feed the access projection: who may see a ticket, and whether it exists. */
export function ticketHandlers(tickets: TicketAccessProjection): EventHandlers {
  const apply = (event: Parameters<TicketAccessProjection['apply']>[0]) => tickets.apply(event);
  return {
    'ticket.created': apply,
    'ticket.assigned': apply,
    'ticket.status_changed': apply,
    'ticket.solved': apply,
    'ticket.commented': apply,
  };
}
