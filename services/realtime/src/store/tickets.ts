import type { MongoDependency } from '@support-center/service-kit';
import { applyOnce, type ApplyOutcome } from '@support-center/events';
import type { TicketParties } from '../domain/access';
import { staffOf, type TicketEvent } from '../domain/ticket-staff';

type Connection = MongoDependency['connection'];

const TICKETS_COLLECTION = 'tickets';

interface TicketDocument {
  _id: string;
  number: number;
  requesterId: string;
  assigneeId: string | null;
  agentIds: string[];
  status?: string;
}

/**
 * The projection of the ticket events this service needs for access checks and notification
 * routing: who asked, who is assigned, which agents worked on it. Every ticket event carries the
 * parties, so each one refreshes them; each is applied once (by event id).
 */
export function createTicketProjection(connection: Connection) {
  const tickets = () => connection.collection<TicketDocument>(TICKETS_COLLECTION);

  return {
    async get(ticketId: string): Promise<TicketParties | undefined> {
      const doc = await tickets().findOne({ _id: ticketId }, { projection: { _events: 0 } });
      if (!doc) return undefined;
      return {
        ticketId: doc._id,
        requesterId: doc.requesterId,
        assigneeId: doc.assigneeId,
        agentIds: doc.agentIds ?? [],
      };
    },

    apply(event: TicketEvent): Promise<ApplyOutcome> {
      const { ticketId, number, requesterId, assigneeId } = event.data;
      const set: Record<string, unknown> = { number, requesterId, assigneeId };
      switch (event.type) {
        case 'ticket.created':
          set.status = event.data.status;
          break;
        case 'ticket.status_changed':
          set.status = event.data.to;
          break;
        case 'ticket.solved':
          set.status = 'solved';
          break;
        default:
          break;
      }
      const staff = staffOf(event);
      const update =
        staff.length > 0 ? { $set: set, $addToSet: { agentIds: { $each: staff } } } : { $set: set };
      return applyOnce(tickets(), { _id: ticketId }, update, event.id);
    },
  };
}

export type TicketProjection = ReturnType<typeof createTicketProjection>;
