import { applyOnce, type ApplyOutcome, type CloudEvent, type EventType } from '@support-center/events';
import type { Connection } from 'mongoose';
import { guard } from './files';

/** The projection of ticket events this service keeps: who requested each ticket. */
export const TICKET_ACCESS_COLLECTION = 'ticket_access';

interface TicketAccess {
  _id: string;
  requesterId: string;
}

/** Every ticket event names its ticket and requester. */
type TicketEvent = CloudEvent<Extract<EventType, `ticket.${string}`>>;

export interface TicketAccessProjection {
  /** Records the ticket's requester from any ticket event, once per event id. */
  apply(event: TicketEvent): Promise<ApplyOutcome>;
  /** The requester of a ticket, or undefined when no event about it arrived yet. */
  requesterOf(ticketId: string): Promise<string | undefined>;
}

export function createTicketAccessProjection(connection: Connection): TicketAccessProjection {
  const tickets = () => connection.collection<TicketAccess>(TICKET_ACCESS_COLLECTION);

  return {
    apply(event) {
      const { ticketId, requesterId } = event.data;
      return applyOnce(tickets(), { _id: ticketId }, { $set: { requesterId } }, event.id);
    },
    async requesterOf(ticketId) {
      const doc = await guard(() => tickets().findOne({ _id: ticketId }));
      return doc?.requesterId;
    },
  };
}
